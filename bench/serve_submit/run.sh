#!/usr/bin/env bash
# Submitted experiments per second to `tuneup serve` (bench/README.md, "Katib's Suggestion
# service under load" / submissions):
#
#   bench/serve_submit/run.sh            # TUNEUP_BIN=... to use another build; N=200 experiments
#
# Starts `tuneup serve` on a free port with a fresh store, writes N small manifests (random
# search, 2 trials of `echo loss=$1`, parallel 1) and times one `tuneup submit` of all of them:
# each is validated, stored and started before the next is sent. Then waits until every
# experiment has finished and times that too. Prints both rates.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
TUNEUP=${TUNEUP_BIN:-$ROOT/build/controller/tuneup}
N=${N:-200}
WORK=$(mktemp -d /tmp/serve-submit.XXXXXX)
trap 'kill "$SERVE" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$WORK"' EXIT

printf '#!/bin/sh\necho "loss=$1"\n' > "$WORK/trial.sh"
chmod +x "$WORK/trial.sh"
for i in $(seq 1 "$N"); do
  cat > "$WORK/e$i.yaml" <<YAML
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: sub-$i
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm:
    algorithmName: random
    algorithmSettings: [{name: random_state, value: "$i"}]
  parallelTrialCount: 1
  maxTrialCount: 2
  parameters:
    - {name: x, parameterType: double, feasibleSpace: {min: "0", max: "1"}}
  trialTemplate:
    primaryContainerName: main
    trialParameters: [{name: x, reference: x}]
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: unused
                command: ["$WORK/trial.sh", "\${trialParameters.x}"]
YAML
done

"$TUNEUP" serve --listen 127.0.0.1:0 --port-file "$WORK/port" --workdir "$WORK/work" \
  > "$WORK/serve.out" 2> "$WORK/serve.err" &
SERVE=$!
for _ in $(seq 1 300); do [ -s "$WORK/port" ] && break; sleep 0.02; done
SERVER=127.0.0.1:$(cat "$WORK/port")

start=$(date +%s.%N)
"$TUNEUP" submit --server "$SERVER" "$WORK"/e*.yaml > "$WORK/submit.out"
submitted=$(date +%s.%N)
created=$(grep -c ' created ' "$WORK/submit.out")
[ "$created" = "$N" ] || { echo "run.sh: FAILED: $created of $N created" >&2; exit 1; }
for i in $(seq 1 "$N"); do
  "$TUNEUP" watch "sub-$i" --server "$SERVER" > /dev/null
done
finished=$(date +%s.%N)
succeeded=$("$TUNEUP" get experiments --server "$SERVER" | grep -c '  Succeeded  2 Succeeded')
[ "$succeeded" = "$N" ] || { echo "run.sh: FAILED: $succeeded of $N succeeded" >&2; exit 1; }

awk -v n="$N" -v a="$start" -v b="$submitted" -v c="$finished" -v load="$(cut -d' ' -f1 /proc/loadavg)" 'BEGIN {
  printf "| experiments | submitted in | submissions/s | all finished in | experiments finished/s | load |\n"
  printf "|---:|---:|---:|---:|---:|---:|\n"
  printf "| %d | %.2f s | %.0f | %.2f s | %.0f | %s |\n", n, b - a, n / (b - a), c - a, n / (c - a), load
}'
