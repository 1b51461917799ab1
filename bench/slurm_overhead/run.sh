#!/usr/bin/env bash
# Controller overhead per trial on Slurm: `tuneup run --executor slurm` against plain sbatch of
# the same jobs, on a throwaway single-node Slurm (tests/support/slurm.sh), see bench/README.md.
#
#   bench/slurm_overhead/run.sh        (as root: slurmd runs the jobs as their submitter)
#
# Three ways to run the same 40 jobs (each is ./trial.sh X, which only prints loss=X), 2 at a
# time (the node has 2 CPUs), BENCH_RUNS times each, alternating:
#   tuneup        tuneup run experiment.yaml --executor slurm --slurm-poll-ms POLL: wall time of
#                 the whole process (startup, store, 40 trials through tuneup-job, report)
#   sbatch-paced  a bash loop that keeps 2 jobs submitted, looks at them with ONE squeue per POLL
#                 (as tuneup does) and submits the next job when one has ended: the same
#                 parallelism and polling with no controller at all
#   sbatch-all    all 40 submitted at once, then one squeue per POLL until all have ended: what
#                 Slurm alone needs (a lower bound)
# Prints the median wall times, the overhead per trial (tuneup - sbatch-paced) / 40 and the
# ratio tuneup / sbatch-paced, per poll interval; raw times go to
# bench/results/slurm-overhead-<date>.txt. Fails loudly if a run did not complete all 40 jobs.
#
# Environment:
#   BENCH_RUNS=3             runs per system and poll interval
#   BENCH_POLL_MS="200 1000" poll intervals to measure (tuneup's default is 1000)
#   TUNEUP_BIN=path          the tuneup binary (default: build/release/controller/tuneup, built
#                            here unless BENCH_SKIP_BUILD=1); tuneup-job must be beside it
#   BENCH_TMPDIR=/var/tmp    where the runs' directories go
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${BENCH_RUNS:-3}
POLLS=${BENCH_POLL_MS:-200 1000}
TRIALS=40
CONCURRENCY=2
TRIAL=$HERE/trial.sh

die() { echo "run.sh: FAILED: $*" >&2; exit 1; }
now() { date +%s.%N; }
elapsed() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", b - a }'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

[[ $(id -u) == 0 ]] || die "run as root (the test cluster's slurmd runs jobs as their submitter)"

if [[ -n ${TUNEUP_BIN:-} ]]; then
  TUNEUP=$TUNEUP_BIN
else
  TUNEUP=$ROOT/build/release/controller/tuneup
  if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    echo "== building tuneup (Release, tuneup and tuneup-job only)"
    NINJA_TARGET=tuneup "$ROOT/scripts/build" "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release \
      -DTUNEUP_BUILD_TESTS=OFF -DTUNEUP_BUILD_BENCH=OFF >/dev/null
  fi
fi
[[ -x $TUNEUP ]] || die "no tuneup binary at $TUNEUP"
[[ -x $(dirname "$TUNEUP")/tuneup-job ]] || die "no tuneup-job beside $TUNEUP"

WORK=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/tuneup-slurm-overhead-XXXXXX")
CLUSTER=$WORK/slurm
cleanup() { sh "$ROOT/tests/support/slurm.sh" stop "$CLUSTER" >/dev/null 2>&1 || true; rm -rf "$WORK"; }
trap cleanup EXIT
sh "$ROOT/tests/support/slurm.sh" start "$CLUSTER"
export SLURM_CONF=$CLUSTER/slurm.conf
mkdir -p "$ROOT/bench/results"
RESULTS=$ROOT/bench/results/slurm-overhead-$(date -u +%Y%m%dT%H%M%SZ).txt
echo "# system poll_ms run seconds load" >"$RESULTS"

# Submits job I of a plain-sbatch run in DIR; prints its id.
submit() {
  local dir=$1/job-$2
  mkdir -p "$dir"
  printf '#!/bin/sh\nexec %s 0.%04d\n' "$TRIAL" "$2" >"$dir/job.sh"
  sbatch --parsable --chdir="$dir" --output="$dir/stdout.log" --error="$dir/stderr.log" \
    --job-name="bench-$2" "$dir/job.sh"
}

# The ids among ${!RUNNING[@]} that Slurm shows ended (or no longer shows), one per line.
ended_jobs() {
  local ids
  ids=$(IFS=,; echo "${!RUNNING[*]}")
  squeue --noheader --states=all --jobs="$ids" --Format='JobID:|,State:|' 2>/dev/null |
    awk -F'|' '$2 != "PENDING" && $2 != "RUNNING" && $2 != "CONFIGURING" && $2 != "COMPLETING" { print $1 }'
}

# sbatch_run DIR POLL_S PACED: all TRIALS jobs, CONCURRENCY at a time when PACED=1, else all at
# once; returns when every job has ended.
sbatch_run() {
  local dir=$1 poll=$2 paced=$3 next=0 finished=0 id
  declare -gA RUNNING=()
  local limit=$TRIALS
  [[ $paced == 1 ]] && limit=$CONCURRENCY
  while (( finished < TRIALS )); do
    while (( ${#RUNNING[@]} < limit && next < TRIALS )); do
      id=$(submit "$dir" "$next")
      RUNNING[$id]=1
      next=$((next + 1))
    done
    sleep "$poll"
    for id in $(ended_jobs); do
      unset "RUNNING[$id]"
      finished=$((finished + 1))
    done
  done
}

check_sbatch_run() {
  local dir=$1 count
  count=$(cat "$dir"/job-*/stdout.log 2>/dev/null | grep -c '^loss=' || true)
  [[ $count == "$TRIALS" ]] || die "plain sbatch run in $dir: $count of $TRIALS jobs printed loss="
}

run_one() {  # SYSTEM POLL_MS RUN
  local system=$1 poll_ms=$2 run=$3 dir start end poll
  dir=$WORK/$system-$poll_ms-$run
  mkdir -p "$dir"
  poll=$(awk -v ms="$poll_ms" 'BEGIN { printf "%.3f", ms / 1000 }')
  local load
  load=$(cut -d' ' -f1 /proc/loadavg)
  start=$(now)
  case $system in
    tuneup)
      "$TUNEUP" run "$HERE/experiment.yaml" --workdir "$dir" --executor slurm \
        --slurm-poll-ms "$poll_ms" >"$dir/out.txt" 2>"$dir/err.txt" ||
        die "tuneup run failed: $(tail -5 "$dir/err.txt")"
      end=$(now)
      grep -q "$TRIALS trials: $TRIALS Succeeded" "$dir/out.txt" ||
        die "tuneup did not complete $TRIALS trials: $(tail -5 "$dir/out.txt")"
      ;;
    sbatch-paced)
      sbatch_run "$dir" "$poll" 1
      end=$(now)
      check_sbatch_run "$dir"
      ;;
    sbatch-all)
      sbatch_run "$dir" "$poll" 0
      end=$(now)
      check_sbatch_run "$dir"
      ;;
  esac
  local seconds
  seconds=$(elapsed "$start" "$end")
  echo "$system $poll_ms $run $seconds $load" >>"$RESULTS"
  printf '   %-13s poll %5s ms  run %d: %7.2f s  (load %s)\n' "$system" "$poll_ms" "$run" "$seconds" "$load"
}

echo "== $TRIALS jobs, $CONCURRENCY at a time, $RUNS runs each; tuneup: $TUNEUP"
for poll_ms in $POLLS; do
  for run in $(seq 1 "$RUNS"); do
    for system in tuneup sbatch-paced sbatch-all; do
      run_one "$system" "$poll_ms" "$run"
    done
  done
done

echo
printf '| poll | tuneup (s) | sbatch, paced (s) | sbatch, all at once (s) | overhead per trial | tuneup / paced |\n'
printf '|---|---|---|---|---|---|\n'
for poll_ms in $POLLS; do
  t=$(awk -v p="$poll_ms" '$1 == "tuneup" && $2 == p { print $4 }' "$RESULTS" | median)
  s=$(awk -v p="$poll_ms" '$1 == "sbatch-paced" && $2 == p { print $4 }' "$RESULTS" | median)
  a=$(awk -v p="$poll_ms" '$1 == "sbatch-all" && $2 == p { print $4 }' "$RESULTS" | median)
  awk -v p="$poll_ms" -v t="$t" -v s="$s" -v a="$a" -v n="$TRIALS" 'BEGIN {
    printf "| %d ms | %.2f | %.2f | %.2f | %+.0f ms | %.2fx |\n", p, t, s, a, (t - s) / n * 1000, t / s }'
done
echo
echo "raw times: $RESULTS"
