#!/usr/bin/env bash
# Cross-validation as fold jobs (issue 9), on examples/sklearn-cv (bench/README.md,
# "Cross-validation: fold jobs").
#
#   bench/cv_folds/run.sh
#
# The same 12-trial random search (random_state 42: the same 12 configurations of C and gamma,
# checked in the store), each configuration scored by 5-fold cross-validation, three ways:
#   parallel  examples/sklearn-cv/experiment.yaml: tuneup.dev/cv-folds "5", every fold a job of
#             its own, parallelTrialCount = W fold jobs at once (cv-final removed, so that all
#             three run the same folds and nothing else)
#   serial    examples/sklearn-cv/serial-folds.yaml: no cv annotations, W trials at once, each
#             trial one process running its 5 folds one after another (train.py --serial-folds 5)
#   race      parallel + tuneup.dev/cv-race "true": a trial's remaining folds are not run once
#             it cannot beat the best
#   plain     no tuneup: the same 60 fold jobs (configurations read from the serial run's store),
#             W at a time, started by report.py from a thread pool; what the fold jobs cost by
#             themselves, so that parallel - plain is tuneup's share
# BENCH_RUNS times each, alternating. Before that, the trainer alone: one fold job and one
# --serial-folds 5 process, timed one at a time (what a fold job costs besides its fold).
# Prints the median wall and CPU times, the fold jobs run, each run's best objective, and the
# ratios parallel/serial (wall, CPU), race/parallel (wall, fold jobs, best objective),
# plain/serial and parallel/plain. Fails
# loudly (run.sh: FAILED / report.py: FAILED) if a run did not complete every trial, if the runs
# did not evaluate the same configurations, or if a trial's score differs between them. A system
# the tuneup binary cannot run (a binary without the runner's cross-validation support refuses
# cv-folds) is printed as SKIPPED with tuneup's message, never filled in. Raw results:
# bench/results/cv-folds-<date>.jsonl.
#
# Environment:
#   BENCH_RUNS=3            runs per system
#   BENCH_WORKERS=2         W, the parallelTrialCount of every system (this machine: 2 cores)
#   BENCH_TRIALS=12         maxTrialCount of every system
#   BENCH_SYSTEMS="parallel serial race plain"   which systems to run (plain needs serial,
#                           before it)
#   BENCH_CALIBRATE=1       time the trainer alone first (0: skip)
#   BENCH_PYTHON=/usr/bin/python3   Debian's Python with python3-sklearn: runs report.py and the
#                           calibration (the manifests name /usr/bin/python3 themselves)
#   BENCH_SKIP_BUILD=1      do not (re)build tuneup; TUNEUP_BIN=path uses another binary
#   BENCH_MAX_LOAD=3 BENCH_LOAD_WAIT=600  wait up to LOAD_WAIT seconds for the 1-minute load to
#                           drop to MAX_LOAD first (it runs anyway after that; load is recorded)
#   BENCH_TMPDIR=/var/tmp   where the runs' directories go
#   BENCH_PAUSE=2           seconds of rest before each run
#   BENCH_KEEP=1            keep the trials/ directories (logs and stores are always kept)
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${BENCH_RUNS:-3}
WORKERS=${BENCH_WORKERS:-2}
TRIALS=${BENCH_TRIALS:-12}
SYSTEMS=${BENCH_SYSTEMS:-parallel serial race plain}
FOLDS=5  # examples/sklearn-cv: tuneup.dev/cv-folds "5" and --serial-folds=5
PY=${BENCH_PYTHON:-/usr/bin/python3}
VENV=  # lib.sh's ensure_venv is not used: no peers, standard library only
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
EXAMPLE=$ROOT/examples/sklearn-cv
REPORT=$HERE/report.py

die() { echo "run.sh: FAILED: $*" >&2; exit 1; }

[[ $WORKERS =~ ^[1-9][0-9]*$ ]] || die "BENCH_WORKERS=$WORKERS is not a positive integer"
[[ $TRIALS =~ ^[1-9][0-9]*$ ]] || die "BENCH_TRIALS=$TRIALS is not a positive integer"
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "BENCH_RUNS=$RUNS is not a positive integer"
for system in $SYSTEMS; do
  [[ $system =~ ^(parallel|serial|race|plain)$ ]] || die "unknown system $system in BENCH_SYSTEMS"
done
seen_serial=0
for system in $SYSTEMS; do
  [[ $system == serial ]] && seen_serial=1
  [[ $system == plain && $seen_serial == 0 ]] &&
    die "BENCH_SYSTEMS: plain takes its configurations from a serial run: list serial before it"
done
"$PY" -c 'import sklearn' 2>/dev/null ||
  die "$PY cannot import sklearn (apt-get install python3-sklearn, or set BENCH_PYTHON)"
[[ -x /usr/bin/python3 ]] && /usr/bin/python3 -c 'import sklearn' 2>/dev/null ||
  die "the example's manifests run /usr/bin/python3, which cannot import sklearn (scripts/install-deps)"

# --- tuneup -------------------------------------------------------------------------------------
if [[ -n ${TUNEUP_BIN:-} ]]; then
  TUNEUP=$TUNEUP_BIN
else
  TUNEUP=$ROOT/build/release/controller/tuneup
  if [[ ${BENCH_SKIP_BUILD:-0} != 1 ]]; then
    echo "== building tuneup (Release, only the tuneup target; a no-op when up to date)"
    NINJA_TARGET=tuneup "$ROOT/scripts/build" "$ROOT/build/release" -DCMAKE_BUILD_TYPE=Release \
      -DTUNEUP_BUILD_TESTS=OFF -DTUNEUP_BUILD_BENCH=OFF >/dev/null
  fi
fi
[[ -x $TUNEUP ]] || die "no tuneup binary at $TUNEUP"

LOGS=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/cv-folds.XXXXXX")
RAW=$LOGS/runs.jsonl
OUT=$RAW  # lib.sh's phase() appends here
: >"$RAW"
echo "== logs, stores and work directories in $LOGS"

# --- the manifests: the example's, with W, the trial count and an absolute workingDir ------------
# make_manifest SYSTEM: writes $LOGS/SYSTEM.yaml and checks that every edit took.
make_manifest() {
  local system=$1 source out=$LOGS/$1.yaml
  case $system in
    serial) source=$EXAMPLE/serial-folds.yaml ;;
    *) source=$EXAMPLE/experiment.yaml ;;
  esac
  sed -E \
    -e "s|^  name: .*|  name: sklearn-cv-bench-$system|" \
    -e "s|^  parallelTrialCount: .*|  parallelTrialCount: $WORKERS|" \
    -e "s|^  maxTrialCount: .*|  maxTrialCount: $TRIALS|" \
    -e "s|^( +)workingDir: \.$|\1workingDir: $EXAMPLE|" \
    -e '/^    tuneup\.dev\/cv-final: /d' \
    "$source" >"$out"
  if [[ $system == race ]]; then
    sed -i -E 's|^(    )tuneup\.dev/cv-folds: (.*)$|&\n\1tuneup.dev/cv-race: "true"|' "$out"
  fi
  local expect=("^  name: sklearn-cv-bench-$system\$" "^  parallelTrialCount: $WORKERS\$"
                "^  maxTrialCount: $TRIALS\$")
  case $system in
    parallel) expect+=("^    tuneup.dev/cv-folds: \"$FOLDS\"\$") ;;
    race) expect+=("^    tuneup.dev/cv-folds: \"$FOLDS\"\$" '^    tuneup.dev/cv-race: "true"$') ;;
    serial) expect+=("^ +- --serial-folds=$FOLDS\$") ;;
  esac
  local pattern
  for pattern in "${expect[@]}"; do
    [[ $(grep -cE "$pattern" "$out") == 1 ]] || die "$out: expected one line matching '$pattern'"
  done
  [[ $(grep -cxF "                workingDir: $EXAMPLE" "$out") == 1 ]] ||
    die "$out: expected one line 'workingDir: $EXAMPLE'"
  local cv_lines
  cv_lines=$(grep -cE '^ +tuneup\.dev/cv-' "$out" || true)
  case $system in
    parallel) [[ $cv_lines == 1 ]] ;;
    race) [[ $cv_lines == 2 ]] ;;
    serial) [[ $cv_lines == 0 ]] ;;
  esac || die "$out: unexpected tuneup.dev/cv- annotations: $(grep -E 'tuneup\.dev/cv-' "$out")"
  "$TUNEUP" validate "$out" >"$LOGS/$system.validate.txt" 2>&1 ||
    die "tuneup validate $out: $(cat "$LOGS/$system.validate.txt")"
}
for system in $SYSTEMS; do [[ $system == plain ]] || make_manifest "$system"; done

tree_state
"$PY" - "$TUNEUP" "$COMMIT" "$DIRTY" "$TRIALS" "$FOLDS" "$WORKERS" "$(loadavg)" >>"$RAW" <<'EOF'
import json, os, platform, sys, time
import sklearn
# tuneup_commit is this tree's; with TUNEUP_BIN the binary may come from elsewhere: its mtime says
# when it was built.
print(json.dumps({"kind": "meta", "tuneup_binary": sys.argv[1], "tuneup_commit": sys.argv[2],
                  "tuneup_binary_mtime": time.strftime("%Y-%m-%dT%H:%M:%SZ",
                                                       time.gmtime(os.path.getmtime(sys.argv[1]))),
                  "tuneup_tree_modified_files": int(sys.argv[3]), "trials": int(sys.argv[4]),
                  "folds": int(sys.argv[5]), "workers": int(sys.argv[6]),
                  "load_before": sys.argv[7], "python": platform.python_version(),
                  "sklearn": sklearn.__version__,
                  "started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())}))
EOF

wait_for_low_load "${BENCH_MAX_LOAD:-3}" "${BENCH_LOAD_WAIT:-600}"

# --- the trainer alone ---------------------------------------------------------------------------
if [[ ${BENCH_CALIBRATE:-1} == 1 ]]; then
  echo "== the trainer alone: $FOLDS fold jobs one after another and one --serial-folds $FOLDS, $RUNS times"
  t0=$(date +%s.%N) load0=$(loadavg)
  "$PY" "$REPORT" calibrate --python /usr/bin/python3 --trainer "$EXAMPLE/train.py" \
    --runs "$RUNS" --folds "$FOLDS" --C 1 --gamma 0.01 >>"$RAW" || die "calibration failed"
  phase calibration "$t0" "$load0"
fi

# --- the runs -------------------------------------------------------------------------------------
declare -A SKIPPED=()
run_one() {  # SYSTEM RUN
  local system=$1 run=$2 dir=$LOGS/$1-$2 load rc=0
  sleep "${BENCH_PAUSE:-2}"
  load=$(loadavg)
  if [[ $system == plain ]]; then
    "$PY" "$REPORT" plain --python /usr/bin/python3 --trainer "$EXAMPLE/train.py" \
      --db "$LOGS/serial-1/work/tuneup.db" --run "$run" --trials "$TRIALS" --folds "$FOLDS" \
      --workers "$WORKERS" --load-before "$load" >>"$RAW" || die "plain run $run: see above"
    print_last
    return
  fi
  mkdir -p "$dir/work"
  "$PY" "$REPORT" time "$dir/time.json" -- "$TUNEUP" run "$LOGS/$system.yaml" \
    --workdir "$dir/work" --db "$dir/work/tuneup.db" >"$dir/stdout.log" 2>"$dir/stderr.log" ||
    rc=$?
  if [[ $rc != 0 ]]; then
    if [[ $system != serial ]] &&
      grep -q "cannot run cross-validation experiments" "$dir/stderr.log" "$dir/stdout.log"; then
      local why
      why=$(grep -h "cannot run cross-validation" "$dir/stderr.log" "$dir/stdout.log" | head -1 |
        sed -E 's/^ +//')
      SKIPPED[$system]=1
      echo "   $system: SKIPPED: this tuneup refuses cross-validation experiments ($why)"
      "$PY" -c 'import json, sys; print(json.dumps({"kind": "skipped", "system": sys.argv[1], "reason": sys.argv[2]}))' \
        "$system" "tuneup refuses cv-folds: $why" >>"$RAW"
      return
    fi
    die "$system run $run: tuneup exited $rc (see $dir/stderr.log): $(tail -3 "$dir/stderr.log")"
  fi
  "$PY" "$REPORT" summarize --system "$system" --run "$run" --workdir "$dir/work" \
    --db "$dir/work/tuneup.db" --time "$dir/time.json" --trials "$TRIALS" --folds "$FOLDS" \
    --workers "$WORKERS" --load-before "$load" >>"$RAW" || die "$system run $run: see above ($dir)"
  print_last
}

print_last() {  # one line about the run $RAW's last line describes
  "$PY" - "$RAW" <<'EOF'
import json, sys
r = json.loads(open(sys.argv[1]).read().splitlines()[-1])
jobs = (f"{r['fold_jobs_started']} fold jobs" if "fold_jobs_started" in r
        else f"{r['fold_evaluations']} folds in {len(r['trials'])} processes")
statuses = ", ".join(f"{n} {s}" for s, n in sorted(r["statuses"].items()))
mean = (f" (mean {r['fold_job_mean_s']:.2f} s)" if r.get("fold_job_mean_s") is not None
        else "")
print(f"   {r['system']:<8} run {r['run']}: {r['wall_s']:6.2f} s wall, {r['cpu_s']:6.1f} s CPU, "
      f"{jobs}{mean}, {statuses}, best {r['best']['objective']:.6f} ({r['best']['name']}), "
      f"load {r['load_before'].split()[0]}")
EOF
}

echo "== tuneup $TUNEUP: $TRIALS trials, $FOLDS folds, W=$WORKERS, $RUNS runs per system, alternating"
t0=$(date +%s.%N) load0=$(loadavg)
for run in $(seq 1 "$RUNS"); do
  for system in $SYSTEMS; do
    [[ -n ${SKIPPED[$system]:-} ]] && continue
    run_one "$system" "$run"
  done
done
phase runs "$t0" "$load0"

if [[ ${BENCH_KEEP:-0} != 1 ]]; then
  rm -rf "$LOGS"/*/work/trials
fi
mkdir -p "$ROOT/bench/results"
RESULTS=$ROOT/bench/results/cv-folds-$(date -u +%Y-%m-%dT%H%M%S).jsonl
cp "$RAW" "$RESULTS"
echo
"$PY" "$REPORT" table "$RAW" || die "a check failed (raw results: $RESULTS)"
echo
echo "raw results: $RESULTS; logs and stores: $LOGS"
