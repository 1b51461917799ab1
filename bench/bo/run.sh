#!/usr/bin/env bash
# Bayesian optimisation: tuneup vs scikit-optimize (Katib's bayesianoptimization) vs Optuna
# (TPE, GP), quality and latency, in one run (bench/README.md, "Bayesian optimisation").
#
#   bench/bo/run.sh
#
# Builds bench_bo_quality and bench_bo_latency (Release, build/release, -DTUNEUP_BUILD_BENCH=ON;
# a no-op when up to date), creates/updates the peers' virtualenv bench/.venv (current
# scikit-optimize, scikit-learn, scipy, optuna, greenlet and torch from PyPI), then
#   1. quality: tuneup (bench_bo_quality --seeds=S --trials=T) and each peer (peers.py quality)
#      on the five problems of bench/bo/problems.h, seeds 0..S-1, T sequential trials each;
#   2. latency: one suggestion in 6-D at n = 100, 300, 1000, 2000 observations for tuneup
#      (bench_bo_latency) and each peer (peers.py latency), one system at a time, plus tuneup's
#      peak RSS at 3000 observations;
# prints the two tables (bench/bo/report.py) and writes every raw JSON line to
# bench/results/bo-<date>.jsonl. Fails loudly (run.sh: FAILED: ...) if any run fails or comes
# back short; a peer that cannot be imported is reported as SKIPPED, never filled in.
#
# Environment:
#   BENCH_SEEDS=10          seeds per (system, problem)
#   BENCH_TRIALS=50         trials per run
#   BENCH_SYSTEMS="tuneup skopt optuna-tpe optuna-gp"   (also: tuneup-random, random search)
#   BENCH_MODES="quality latency"
#   BENCH_SIZES="100 300 1000 2000"     latency: history sizes
#   BENCH_RSS_N=3000        latency: tuneup's peak RSS is measured in a run at this n
#   BENCH_REPEATS=5         latency: repeats for the Optuna samplers (tuneup: bench_bo_latency's 10)
#   BENCH_SKOPT_REPEATS=100:5,300:3,1000:1   latency: skopt repeats per n (it is slow)
#   BENCH_SKOPT_MAX_N=1000  latency: skopt is not timed above this n (one tell at n=1000 takes
#                           minutes here, and its GP fit grows as n^2..n^3); "not measured"
#   BENCH_KATIB_MAX_N=300   latency: skopt's tell + ask(n_points=1), Katib's calls (three GP fits),
#                           is timed up to this n
#   BENCH_SKOPT_ASK=plain   quality: how skopt is asked for the next point: "plain" = ask()
#                           (skopt's own sequential loop, as gp_minimize), "katib" = ask(n_points=1)
#                           as Katib's service calls it (two more GP fits per trial: 2-4x slower;
#                           the same model and acquisition, see peers.py)
#   BENCH_JOBS=2            quality: peer runs in parallel ((system, problem) jobs); latency
#                           runs are never run in parallel
#   BENCH_PYTHON=/usr/bin/python3   interpreter the venv is created from (if it does not exist)
#   BENCH_SKIP_INSTALL=1    do not pip-install/upgrade the peers (the venv must exist)
#   BENCH_TORCH_INDEX=URL   install torch from this index (a CPU-only one), else from PyPI
#   BENCH_SKIP_BUILD=1      do not (re)build the benches; BENCH_BIN_DIR=dir uses other binaries
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
SEEDS=${BENCH_SEEDS:-10}
TRIALS=${BENCH_TRIALS:-50}
SYSTEMS=${BENCH_SYSTEMS:-tuneup skopt optuna-tpe optuna-gp}
MODES=${BENCH_MODES:-quality latency}
SIZES=${BENCH_SIZES:-100 300 1000 2000}
RSS_N=${BENCH_RSS_N:-3000}
REPEATS=${BENCH_REPEATS:-5}
SKOPT_REPEATS=${BENCH_SKOPT_REPEATS:-100:5,300:3,1000:1}
SKOPT_MAX_N=${BENCH_SKOPT_MAX_N:-1000}
KATIB_MAX_N=${BENCH_KATIB_MAX_N:-300}
SKOPT_ASK=${BENCH_SKOPT_ASK:-plain}
JOBS=${BENCH_JOBS:-2}
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BUILD=$ROOT/build/release
BIN=${BENCH_BIN_DIR:-$BUILD/bench}
RESULTS_DIR=$ROOT/bench/results
PEERS_KNOWN="skopt optuna-tpe optuna-gp"

die() {
  echo "run.sh: FAILED: $*" >&2
  local pids
  pids=$(jobs -pr)
  [[ -z $pids ]] || kill $pids 2>/dev/null || true  # our own parallel quality jobs, if any
  exit 1
}
has() { [[ " $SYSTEMS " == *" $1 "* ]]; }
mode() { [[ " $MODES " == *" $1 "* ]]; }
for s in $SYSTEMS; do
  [[ $s == tuneup || $s == tuneup-random || " $PEERS_KNOWN " == *" $s "* ]] || die "unknown system $s"
done
PEERS=""
for s in $PEERS_KNOWN; do has "$s" && PEERS+="${PEERS:+,}$s"; done

# --- tuneup's benches (Release) -----------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 && -z ${BENCH_BIN_DIR:-} ]]; then
  echo "== building bench_bo_quality and bench_bo_latency (Release, $BUILD; a no-op when up to date)"
  for target in bench_bo_quality bench_bo_latency; do
    NINJA_TARGET=$target "$ROOT/scripts/build" "$BUILD" -DCMAKE_BUILD_TYPE=Release \
      -DTUNEUP_BUILD_TESTS=OFF -DTUNEUP_BUILD_BENCH=ON >/dev/null || die "building $target"
  done
fi
for b in bench_bo_quality bench_bo_latency; do [[ -x $BIN/$b ]] || die "no $b in $BIN"; done

# --- the peers' virtualenv ----------------------------------------------------------------------
ensure_venv
if [[ ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
  echo "== installing/upgrading scikit-optimize, scikit-learn, scipy, optuna, greenlet, torch into $VENV"
  "$PY" -m pip install --quiet --upgrade pip
  # No pins: scikit-optimize 0.10.2 runs on numpy 2.4 and scikit-learn 1.9 (checked 2026-11-23).
  # greenlet: Optuna's GPSampler optimises its acquisition with batched L-BFGS-B only with it.
  "$PY" -m pip install --quiet --upgrade scikit-optimize scikit-learn scipy optuna greenlet
  if [[ -n ${BENCH_TORCH_INDEX:-} ]]; then
    "$PY" -m pip install --quiet --upgrade torch --index-url "$BENCH_TORCH_INDEX"
  else
    "$PY" -m pip install --quiet --upgrade torch
  fi
fi
tree_state
VERSIONS=$("$PY" "$HERE/peers.py" versions) || die "peers.py versions"
echo "== versions: $VERSIONS"

# --- the run ------------------------------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
STAMP=$(date +%Y-%m-%dT%H%M%S)
OUT=$RESULTS_DIR/bo-$STAMP.jsonl
LOGS=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/bo.XXXXXX")
echo "== raw results: $OUT; logs: $LOGS"
"$PY" - "$VERSIONS" "$COMMIT" "$DIRTY" "$DIRTY_SUGGESTION" "$SEEDS" "$TRIALS" "$SYSTEMS" \
  "$SKOPT_ASK" "$JOBS" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$DIFF_SHA" >"$OUT" <<'EOF'
import json, os, sys
v, commit, dirty, dirty_s, seeds, trials, systems, ask, jobs, started, diff = sys.argv[1:12]
print(json.dumps({"kind": "meta", "versions": json.loads(v), "tuneup_commit": commit,
                  "tuneup_tree_modified_files": int(dirty),
                  "tuneup_suggestion_modified_files": int(dirty_s),
                  "tuneup_uncommitted_diff_sha1": diff, "seeds": int(seeds),
                  "trials": int(trials), "systems": systems.split(), "skopt_ask": ask,
                  "jobs": int(jobs), "started": started, "nproc": os.cpu_count(),
                  "uname": " ".join(os.uname())}))
EOF

check_quality() {  # $1: file, $2: expected runs; every line a complete run (or a skipped system)
  "$PY" - "$1" "$2" "$TRIALS" <<'EOF'
import json, math, sys
path, expected, trials = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
lines = [json.loads(l) for l in open(path) if l.strip()]
if any("skipped" in l for l in lines):
    sys.exit(0)
runs = [l for l in lines if "regret" in l]
bad = [l for l in runs if l["trials"] != trials or len(l["trace"]) != trials
       or not math.isfinite(l["best"]) or l["regret"] < -1e-9]
if len(runs) != expected or bad:
    sys.exit(f"run.sh: FAILED: {path}: {len(runs)} runs of {expected}, "
             f"{len(bad)} incomplete or below the optimum")
EOF
}

if mode quality; then
  for s in tuneup tuneup-random; do
    has $s || continue
    echo "== quality: $s, $SEEDS seeds x 5 problems x $TRIALS trials (load $(loadavg))"
    t0=$(date +%s.%N); l0=$(loadavg)
    f=$LOGS/quality-$s.jsonl
    if [[ $s == tuneup ]]; then
      "$BIN/bench_bo_quality" --seeds="$SEEDS" --trials="$TRIALS" >"$f" 2>"$f.err" ||
        die "bench_bo_quality exited $? (see $f.err)"
    else
      "$BIN/bench_bo_quality" --seeds="$SEEDS" --trials="$TRIALS" --random >"$f.all" 2>"$f.err" ||
        die "bench_bo_quality --random exited $? (see $f.err)"
      grep '"system":"tuneup-random"' "$f.all" >"$f" || true
    fi
    check_quality "$f" $((5 * SEEDS)) || exit 1
    cat "$f" >>"$OUT"
    phase "quality $s" "$t0" "$l0"
  done
  if [[ -n $PEERS ]]; then
    echo "== quality: peers ($PEERS), $SEEDS seeds x 5 problems x $TRIALS trials, $JOBS jobs at a time, skopt ask: $SKOPT_ASK (load $(loadavg))"
    t0=$(date +%s.%N); l0=$(loadavg)
    jobs_list=()
    for s in ${PEERS//,/ }; do
      for p in branin hartmann6 rosenbrock4_log1p ackley5 mixed; do jobs_list+=("$s:$p"); done
    done
    for job in "${jobs_list[@]}"; do
      s=${job%%:*}; p=${job#*:}
      f=$LOGS/quality-$s-$p.jsonl
      start_job "$s $p" "$f" "$PY" "$HERE/peers.py" quality --systems "$s" --problems "$p" \
        --seeds "$SEEDS" --trials "$TRIALS" --skopt-ask "$SKOPT_ASK"
    done
    wait
    for job in "${jobs_list[@]}"; do
      s=${job%%:*}; p=${job#*:}; f=$LOGS/quality-$s-$p.jsonl
      [[ $(cat "$f.rc") == 0 ]] || die "peers.py quality $s $p exited $(cat "$f.rc") (see $f.err)"
      check_quality "$f" "$SEEDS" || exit 1
      cat "$f" >>"$OUT"
    done
    phase "quality peers" "$t0" "$l0"
  fi
fi

if mode latency; then
  if has tuneup; then
    echo "== latency: tuneup, n = $SIZES (load $(loadavg))"
    t0=$(date +%s.%N); l0=$(loadavg)
    f=$LOGS/latency-tuneup.txt
    # shellcheck disable=SC2086
    "$BIN/bench_bo_latency" $SIZES >"$f" 2>"$f.err" || die "bench_bo_latency exited $? (see $f.err)"
    "$PY" "$HERE/report.py" tuneup-latency <"$f" >>"$OUT" || die "parsing $f"
    echo "== latency: tuneup, n = $RSS_N (peak RSS)"
    f=$LOGS/latency-tuneup-$RSS_N.txt
    "$BIN/bench_bo_latency" "$RSS_N" >"$f" 2>"$f.err" || die "bench_bo_latency $RSS_N exited $? (see $f.err)"
    "$PY" "$HERE/report.py" tuneup-latency <"$f" >>"$OUT" || die "parsing $f"
    phase "latency tuneup" "$t0" "$l0"
  fi
  for s in ${PEERS//,/ }; do
    echo "== latency: $s, n = $SIZES (load $(loadavg))"
    t0=$(date +%s.%N); l0=$(loadavg)
    f=$LOGS/latency-$s.jsonl
    "$PY" "$HERE/peers.py" latency --systems "$s" --sizes "${SIZES// /,}" --repeats "$REPEATS" \
      --skopt-repeats "$SKOPT_REPEATS" --skopt-max-n "$SKOPT_MAX_N" --katib-max-n "$KATIB_MAX_N" >"$f" 2>"$f.err" || die "peers.py latency $s exited $? (see $f.err)"
    "$PY" - "$f" "$SIZES" <<'EOF' || exit 1
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
if any("skipped" in l for l in lines):
    sys.exit(0)
sizes = {int(n) for n in sys.argv[2].split()}
got = {l["n"] for l in lines if "median_seconds" in l or "not_measured" in l}
if got != sizes:
    sys.exit(f"run.sh: FAILED: {sys.argv[1]}: latency for n in {sorted(got)}, expected {sorted(sizes)}")
EOF
    cat "$f" >>"$OUT"
    phase "latency $s" "$t0" "$l0"
  done
fi

echo
"$PY" "$HERE/report.py" tables "$OUT" || die "report.py"
echo "raw results: $OUT"
