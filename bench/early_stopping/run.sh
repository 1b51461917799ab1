#!/usr/bin/env bash
# Hyperband, ASHA and early stopping: tuneup (hyperband, hyperband with sampler
# bayesianoptimization, asha, random + medianstop,
# random + successivehalving, random) vs Optuna's pruners (HyperbandPruner,
# SuccessiveHalvingPruner, MedianPruner, NopPruner; RandomSampler and TPESampler) on synthetic
# learning curves with known final losses, at the same budget of epochs, in one run
# (bench/README.md, "Hyperband, ASHA and early stopping").
#
#   bench/early_stopping/run.sh
#
# Builds bench_early_stopping (Release, build/release, -DTUNEUP_BUILD_BENCH=ON; a no-op when up to
# date), creates/updates the peers' virtualenv bench/.venv (the current optuna from PyPI), then
#   1. describes the curve family (bench_early_stopping --describe: the minima are recomputed and
#      checked against the stored constants, rank correlations, regret of random configurations);
#   2. cross-checks the C++ and Python definitions of the family (bench_early_stopping --dump |
#      peers.py check: every value of 24 curves x 81 epochs and the minima, to 1e-12 relative);
#   3. runs tuneup's systems (bench_early_stopping) and Optuna's (peers.py run) for every R and
#      seed 0..S-1, Optuna's (system, R) jobs BENCH_JOBS at a time;
# prints the tables (bench/early_stopping/report.py) and writes every raw JSON line to
# bench/results/early-stopping-<date>.jsonl. Fails loudly (run.sh: FAILED: ...) if the check
# fails or any run fails, comes back short or chooses nothing; a system that cannot run (tuneup's
# asha before it is registered, Optuna not importable) is reported as SKIPPED, never filled in.
#
# Environment:
#   BENCH_SEEDS=200         seeds per (system, R)
#   BENCH_R="27 81"         largest budgets R (epochs); the budget is one Hyperband pass for R
#   BENCH_SYSTEMS="tuneup optuna"   which side(s) to run
#   BENCH_TUNEUP_SYSTEMS=hyperband,hyperband-bo,asha,hyperband-resume,hyperband-bo-resume,asha-resume,
#                        random+successivehalving,random+medianstop,random
#   BENCH_OPTUNA_SYSTEMS=optuna-random+hyperband,...,optuna-tpe+nop (all eight by default)
#   BENCH_JOBS=2            Optuna jobs in parallel
#   BENCH_PYTHON=/usr/bin/python3   interpreter the venv is created from (if it does not exist)
#   BENCH_SKIP_INSTALL=1    do not pip-install/upgrade optuna (the venv must exist)
#   BENCH_SKIP_BUILD=1      do not (re)build the bench; BENCH_BIN_DIR=dir uses another binary
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${BENCH_SEEDS:-200}
RS=${BENCH_R:-27 81}
SYSTEMS=${BENCH_SYSTEMS:-tuneup optuna}
TUNEUP_SYSTEMS=${BENCH_TUNEUP_SYSTEMS:-hyperband,hyperband-bo,asha,hyperband-resume,hyperband-bo-resume,asha-resume,random+successivehalving,random+medianstop,random}
OPTUNA_SYSTEMS=${BENCH_OPTUNA_SYSTEMS:-optuna-random+hyperband,optuna-random+successivehalving,optuna-random+median,optuna-random+nop,optuna-tpe+hyperband,optuna-tpe+successivehalving,optuna-tpe+median,optuna-tpe+nop}
JOBS=${BENCH_JOBS:-2}
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BUILD=$ROOT/build/release
BIN=${BENCH_BIN_DIR:-$BUILD/bench}
RESULTS_DIR=$ROOT/bench/results

die() {
  echo "run.sh: FAILED: $*" >&2
  local pids
  pids=$(jobs -pr)
  [[ -z $pids ]] || kill $pids 2>/dev/null || true  # our own parallel peer jobs, if any
  exit 1
}
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }
for s in $SYSTEMS; do [[ $s == tuneup || $s == optuna ]] || die "unknown BENCH_SYSTEMS entry $s"; done
R_LIST=${RS// /,}

# --- tuneup's bench (Release) -------------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 && -z ${BENCH_BIN_DIR:-} ]]; then
  echo "== building bench_early_stopping (Release, $BUILD; a no-op when up to date)"
  NINJA_TARGET=bench_early_stopping "$ROOT/scripts/build" "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DTUNEUP_BUILD_TESTS=OFF -DTUNEUP_BUILD_BENCH=ON >/dev/null || die "building bench_early_stopping"
fi
[[ -x $BIN/bench_early_stopping ]] || die "no bench_early_stopping in $BIN"

# --- the peers' virtualenv ----------------------------------------------------------------------
ensure_venv
if [[ ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
  echo "== installing/upgrading optuna into $VENV"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet --upgrade optuna
fi
tree_state
VERSIONS=$("$PY" "$HERE/peers.py" versions) || die "peers.py versions"
echo "== versions: $VERSIONS"

mkdir -p "$RESULTS_DIR"
STAMP=$(date +%Y-%m-%dT%H%M%S)
OUT=$RESULTS_DIR/early-stopping-$STAMP.jsonl
LOGS=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/early-stopping.XXXXXX")
echo "== raw results: $OUT; logs: $LOGS"

# --- 1. the family, 2. the cross-check ----------------------------------------------------------
echo "== the curve family (bench_early_stopping --describe --R=$R_LIST)"
"$BIN/bench_early_stopping" --describe --R="$R_LIST" | tee "$LOGS/describe.txt" ||
  die "bench_early_stopping --describe (a stored minimum does not match; see above)"
echo "== cross-check: C++ and Python curves"
"$BIN/bench_early_stopping" --dump --R="$R_LIST" >"$LOGS/dump.jsonl" || die "bench_early_stopping --dump"
"$PY" "$HERE/peers.py" check <"$LOGS/dump.jsonl" || die "the C++ and Python curve families differ"

"$PY" - "$VERSIONS" "$COMMIT" "$DIRTY" "$DIRTY_SUGGESTION" "$SEEDS" "$RS" "$SYSTEMS" \
  "$TUNEUP_SYSTEMS" "$OPTUNA_SYSTEMS" "$JOBS" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$DIFF_SHA" \
  "$LOGS/describe.txt" >"$OUT" <<'EOF'
import json, os, sys
(v, commit, dirty, dirty_s, seeds, rs, systems, tuneup, optuna, jobs, started, diff,
 describe) = sys.argv[1:14]
print(json.dumps({"kind": "meta", "versions": json.loads(v), "tuneup_commit": commit,
                  "tuneup_tree_modified_files": int(dirty),
                  "tuneup_suggestion_modified_files": int(dirty_s),
                  "tuneup_uncommitted_diff_sha1": diff, "seeds": int(seeds),
                  "R": [int(r) for r in rs.split()], "systems": systems.split(),
                  "tuneup_systems": tuneup.split(","), "optuna_systems": optuna.split(","),
                  "jobs": int(jobs), "started": started, "nproc": os.cpu_count(),
                  "uname": " ".join(os.uname()), "describe": open(describe).read()}))
EOF

check_runs() {  # $1: file, $2: comma-separated systems, $3: R list (spaces); SEEDS runs each
  "$PY" - "$1" "$2" "$3" "$SEEDS" <<'EOF'
import json, math, sys
path, systems, rs, seeds = sys.argv[1], sys.argv[2].split(","), sys.argv[3].split(), int(sys.argv[4])
lines = [json.loads(l) for l in open(path) if l.strip()]
skipped = {(l["system"], l.get("R")) for l in lines if "skipped" in l}
problems = []
for R in map(int, rs):
    for s in systems:
        name = s if s.startswith("optuna-") else "tuneup-" + s
        if (name, R) in skipped or (name, None) in skipped:
            continue
        runs = [l for l in lines if l.get("system") == name and l.get("R") == R and "skipped" not in l]
        bad = [l for l in runs if "regret" not in l or not math.isfinite(l["regret"])
               or l["regret"] < -1e-12 or l["epochs_used"] < l["budget"] and not l.get("exhausted")]
        if sorted(l["seed"] for l in runs) != list(range(seeds)) or bad:
            problems.append(f"{name} R={R}: {len(runs)} runs of {seeds}, {len(bad)} without a "
                            "regret, below the minimum or short of the budget")
if problems:
    sys.exit(f"run.sh: FAILED: {path}: " + "; ".join(problems))
EOF
}

# --- 3. the runs --------------------------------------------------------------------------------
if has tuneup; then
  echo "== tuneup: $TUNEUP_SYSTEMS, R = $RS, $SEEDS seeds (load $(loadavg))"
  t0=$(date +%s.%N); l0=$(loadavg)
  f=$LOGS/tuneup.jsonl
  "$BIN/bench_early_stopping" --seeds="$SEEDS" --R="$R_LIST" --systems="$TUNEUP_SYSTEMS" \
    >"$f" 2>"$f.err" || die "bench_early_stopping exited $? (see $f.err)"
  cat "$f.err" >&2
  check_runs "$f" "$TUNEUP_SYSTEMS" "$RS" || exit 1
  cat "$f" >>"$OUT"
  phase "tuneup" "$t0" "$l0"
fi

if has optuna; then
  echo "== optuna: $SEEDS seeds x R = $RS x ${OPTUNA_SYSTEMS//,/ }, $JOBS jobs at a time (load $(loadavg))"
  t0=$(date +%s.%N); l0=$(loadavg)
  jobs_list=()
  for R in $RS; do
    for s in ${OPTUNA_SYSTEMS//,/ }; do jobs_list+=("$s:$R"); done
  done
  for job in "${jobs_list[@]}"; do
    s=${job%%:*}; R=${job#*:}
    f=$LOGS/optuna-$s-$R.jsonl
    start_job "$s R=$R" "$f" "$PY" "$HERE/peers.py" run --systems "$s" --R "$R" --seeds "$SEEDS"
  done
  wait
  for job in "${jobs_list[@]}"; do
    s=${job%%:*}; R=${job#*:}; f=$LOGS/optuna-$s-$R.jsonl
    [[ $(cat "$f.rc") == 0 ]] || die "peers.py run $s R=$R exited $(cat "$f.rc") (see $f.err)"
    check_runs "$f" "$s" "$R" || exit 1
    cat "$f" >>"$OUT"
  done
  phase "optuna" "$t0" "$l0"
fi

echo
"$PY" "$HERE/report.py" tables "$OUT" || die "report.py"
echo "raw results: $OUT"
