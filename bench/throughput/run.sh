#!/usr/bin/env bash
# End-to-end trial throughput: tuneup vs Optuna+SQLite vs Ray Tune, in one run (bench/README.md).
#
#   bench/throughput/run.sh
#
# Builds tuneup (Release) if needed, creates/updates the peers' virtualenv bench/.venv (current
# optuna and ray[tune] from PyPI), then runs each system BENCH_RUNS times, alternating
# (tuneup, optuna, ray, tuneup, ...), each on the same 400-trial, 8-concurrent experiment whose
# trial is bench/throughput/trial.sh. Prints a table (median trials/s, ratios) and writes the raw
# results to bench/results/throughput-<date>.json. Fails loudly if any run did not complete all
# its trials.
#
# Environment:
#   BENCH_RUNS=3            runs per system
#   BENCH_TRIALS=400        trials per run (the experiment's maxTrialCount is 400; changing this
#                           only applies to the peers, so keep 400 for a comparison)
#   BENCH_PYTHON=/usr/bin/python3   interpreter the venv is created from (if it does not exist)
#   BENCH_SKIP_INSTALL=1    do not pip-install/upgrade the peers (the venv must exist)
#   BENCH_SKIP_BUILD=1      do not (re)build tuneup; TUNEUP_BIN=path uses another binary
#   BENCH_SYSTEMS="tuneup optuna ray"   which systems to run
#   BENCH_RAY_REUSE_ACTORS=yes          Ray's TuneConfig.reuse_actors (Ray's default is no)
#   BENCH_MAX_LOAD=3 BENCH_LOAD_WAIT=600  before starting, wait up to LOAD_WAIT seconds for the
#                           1-minute load average to drop to MAX_LOAD (it runs anyway after that,
#                           and records the load next to every run)
#   BENCH_TMPDIR=/var/tmp   where the runs' work directories go (see "recently deleted inodes"
#                           in bench/README.md: /tmp is churned by test suites on this machine)
#   BENCH_PAUSE=5           seconds of rest before each run
#   BENCH_KEEP=1            keep every run's work directory (logs are always kept); they are
#                           deleted only after the last run, never between runs, because on this
#                           machine's ext4 (no journal) deleting thousands of files slows down
#                           creating files for the next minute or more
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
RUNS=${BENCH_RUNS:-3}
TRIALS=${BENCH_TRIALS:-400}
CONCURRENCY=8
SYSTEMS=${BENCH_SYSTEMS:-tuneup optuna ray}
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
RESULTS_DIR=$ROOT/bench/results
MANIFEST=$HERE/experiment.yaml
EXPERIMENT=throughput

die() { echo "run.sh: FAILED: $*" >&2; exit 1; }
now_ns() { date +%s%N; }

# --- tuneup (Release) ---------------------------------------------------------------------------
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

# --- the peers' virtualenv ----------------------------------------------------------------------
ensure_venv
if [[ ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
  echo "== installing/upgrading optuna and ray[tune] from PyPI into $VENV (no pins)"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet --upgrade optuna "ray[tune]"
fi
tree_state
VERSIONS=$("$PY" - "$TUNEUP" "$COMMIT" "$DIRTY" <<'EOF'
import importlib.metadata as md, json, platform, sys
print(json.dumps({"python": platform.python_version(), "python_executable": sys.executable,
                  "optuna": md.version("optuna"), "ray": md.version("ray"),
                  "sqlalchemy": md.version("sqlalchemy"), "tuneup_binary": sys.argv[1],
                  "tuneup_commit": sys.argv[2],
                  "tuneup_tree_modified_files": int(sys.argv[3])}))
EOF
)
echo "== versions: $VERSIONS"

# --- wait for a quiet machine -------------------------------------------------------------------
wait_for_low_load "${BENCH_MAX_LOAD:-3}" "${BENCH_LOAD_WAIT:-600}"

# --- the runs -----------------------------------------------------------------------------------
LOGS=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/tput.XXXXXX")  # short: Ray puts Unix sockets below
RAW=$LOGS/runs.jsonl
: >"$RAW"
echo "== logs and work directories in $LOGS"
started=$(date -u +%Y-%m-%dT%H:%M:%SZ)

run_tuneup() {  # $1: run directory
  local dir=$1 t0 t1 rc=0
  mkdir -p "$dir/work"
  t0=$(now_ns)
  "$TUNEUP" run "$MANIFEST" --workdir "$dir/work" --db "$dir/work/tuneup.db" \
    >"$dir/stdout.log" 2>"$dir/stderr.log" || rc=$?
  t1=$(now_ns)
  [[ $rc == 0 ]] || die "tuneup exited $rc (see $dir/stderr.log)"
  local lines summary stored
  lines=$(grep -c "  Succeeded $EXPERIMENT-" "$dir/stderr.log" || true)
  summary=$(grep -c "^$TRIALS trials: $TRIALS Succeeded" "$dir/stdout.log" || true)
  stored=$("$PY" -c 'import sqlite3, sys
print(sqlite3.connect(sys.argv[1]).execute("select count(*) from trials where status = ?", ("Succeeded",)).fetchone()[0])' \
    "$dir/work/tuneup.db")
  [[ $lines == "$TRIALS" && $summary == 1 && $stored == "$TRIALS" ]] ||
    die "tuneup completed $lines trials by its progress lines, $stored in its store, summary line found $summary times; expected $TRIALS (see $dir)"
  "$PY" - "$t0" "$t1" "$TRIALS" <<'EOF'
import json, sys
t0, t1, n = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
wall = (t1 - t0) / 1e9
print(json.dumps({"trials_completed": n, "process_s": wall, "trials_per_s": n / wall,
                  "trials_per_s_process": n / wall, "measure": "whole tuneup run process"}))
EOF
}

run_peer() {  # $1: system, $2: run directory
  local system=$1 dir=$2 t0 t1 rc=0
  mkdir -p "$dir/work" "$dir/w"
  t0=$(now_ns)
  if [[ $system == optuna ]]; then
    "$PY" "$HERE/optuna_peer.py" --trials "$TRIALS" --jobs "$CONCURRENCY" --dir "$dir/work" \
      >"$dir/stdout.log" 2>"$dir/stderr.log" || rc=$?
  else
    "$PY" "$HERE/raytune_peer.py" --trials "$TRIALS" --concurrency "$CONCURRENCY" \
      --num-cpus "$CONCURRENCY" --reuse-actors "${BENCH_RAY_REUSE_ACTORS:-yes}" --dir "$dir/w" \
      >"$dir/stdout.log" 2>"$dir/stderr.log" || rc=$?
  fi
  t1=$(now_ns)
  [[ $rc == 0 ]] || die "$system exited $rc (see $dir/stdout.log and $dir/stderr.log)"
  "$PY" - "$t0" "$t1" "$TRIALS" "$system" "$dir/stdout.log" <<'EOF'
import json, sys
t0, t1, n, system, out = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
lines = [l for l in open(out) if l.startswith("{")]
if not lines:
    sys.exit(f"run.sh: FAILED: {system} printed no result line ({out})")
r = json.loads(lines[-1])
if r["trials_completed"] != n or r.get("errors", 0):
    sys.exit(f"run.sh: FAILED: {system} completed {r['trials_completed']} of {n} trials ({out})")
wall = (t1 - t0) / 1e9
r["process_s"] = wall
r["trials_per_s_process"] = n / wall
if system == "optuna":
    r["trials_per_s"] = r["trials_per_s_optimize"]
    r["measure"] = "study.optimize()"
else:
    r["trials_per_s"] = r["trials_per_s_fit"]
    r["measure"] = "tuner.fit()"
print(json.dumps(r))
EOF
}

for ((round = 1; round <= RUNS; round++)); do
  for system in $SYSTEMS; do
    dir=$LOGS/$system-$round
    sleep "${BENCH_PAUSE:-5}"  # let the previous run's processes (Ray's workers) exit
    before=$(loadavg)
    printf '== run %d/%d %-7s load %s ... ' "$round" "$RUNS" "$system" "$before"
    if [[ $system == tuneup ]]; then
      result=$(run_tuneup "$dir") || exit 1
    else
      result=$(run_peer "$system" "$dir") || exit 1
    fi
    after=$(loadavg)
    "$PY" - "$system" "$round" "$before" "$after" "$result" >>"$RAW" <<'EOF'
import json, sys
system, rnd, before, after, result = sys.argv[1:6]
r = json.loads(result)
r.update(system=system, round=int(rnd), load_before=before, load_after=after)
print(json.dumps(r))
EOF
    "$PY" - "$RAW" <<'EOF2'
import json, sys
r = json.loads(open(sys.argv[1]).readlines()[-1])
print(f"{r['trials_per_s']:.1f} trials/s ({r['measure']}), "
      f"{r['trials_per_s_process']:.1f} whole process, {r['process_s']:.1f} s")
EOF2
  done
done
if [[ ${BENCH_KEEP:-0} != 1 ]]; then
  rm -rf "$LOGS"/*/work "$LOGS"/*/w  # after the last run: deleting files slows creating them
fi

# --- the table and the raw results --------------------------------------------------------------
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/throughput-$(date +%Y-%m-%dT%H%M%S).json
"$PY" - "$RAW" "$OUT" "$VERSIONS" "$started" "$TRIALS" "$CONCURRENCY" <<'EOF'
import json, os, statistics, subprocess, sys
raw, out, versions, started, trials, concurrency = sys.argv[1:7]
runs = [json.loads(l) for l in open(raw)]
systems = list(dict.fromkeys(r["system"] for r in runs))
def med(system, key):
    values = [r[key] for r in runs if r["system"] == system]
    return statistics.median(values) if values else None
summary = {s: {"median_trials_per_s": med(s, "trials_per_s"),
               "median_trials_per_s_process": med(s, "trials_per_s_process"),
               "measure": next(r["measure"] for r in runs if r["system"] == s),
               "runs": sum(1 for r in runs if r["system"] == s)} for s in systems}
ratios = {}
if "tuneup" in summary:
    t = summary["tuneup"]["median_trials_per_s"]
    for peer in ("optuna", "ray"):
        if peer in summary:
            ratios[f"tuneup/{peer}"] = t / summary[peer]["median_trials_per_s"]
            ratios[f"tuneup/{peer} (whole processes)"] = t / summary[peer]["median_trials_per_s_process"]
loads = [r["load_before"] for r in runs] + [r["load_after"] for r in runs]
machine = {"nproc": os.cpu_count(), "uname": " ".join(os.uname()),
           "load_min_1m": min(float(l.split()[0]) for l in loads),
           "load_max_1m": max(float(l.split()[0]) for l in loads)}
doc = {"benchmark": "throughput", "started": started, "trials": int(trials),
       "concurrency": int(concurrency), "versions": json.loads(versions), "machine": machine,
       "summary": summary, "ratios": ratios, "runs": runs}
with open(out, "w") as f:
    json.dump(doc, f, indent=2)
print()
print(f"{'system':<8} {'median trials/s':>16}  {'measured around':<26} {'whole process':>14} {'runs':>5}")
for s in systems:
    x = summary[s]
    print(f"{s:<8} {x['median_trials_per_s']:>16.1f}  {x['measure']:<26} {x['median_trials_per_s_process']:>14.1f} {x['runs']:>5}")
print()
for k, v in ratios.items():
    print(f"{k:<34} {v:6.1f}x")
if "tuneup/optuna" in ratios:
    verdict = "meets" if ratios["tuneup/optuna"] >= 5 else "DOES NOT MEET"
    print(f"acceptance (tuneup >= 5x Optuna+SQLite, whole tuneup process vs optimize() alone): {verdict}")
print(f"1-min load during the runs: {machine['load_min_1m']}..{machine['load_max_1m']} on {machine['nproc']} CPUs")
print(f"versions: python {doc['versions']['python']}, optuna {doc['versions']['optuna']}, ray {doc['versions']['ray']}")
print(f"raw results: {out}")
EOF
