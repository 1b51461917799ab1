#!/usr/bin/env bash
# PostgreSQL store: observation rows/s and a whole experiment's store traffic, tuneup's
# PostgresStore against Optuna's RDBStorage on the same PostgreSQL 15, in one run
# (bench/README.md, "PostgreSQL store").
#
#   bench/pg_store/run.sh
#
# Builds bench_pg_store (Release, build/release, -DTUNEUP_BUILD_BENCH=ON, only that target; a
# no-op when up to date), creates/updates the peers' virtualenv bench/.venv (the current optuna
# and psycopg2-binary from PyPI), starts a throwaway PostgreSQL 15 (tests/support/postgres.sh:
# trust auth, fsync and synchronous_commit off, in /tmp; stopped and removed at the end), waits
# for a quiet machine, then runs BENCH_ROUNDS rounds of every workload, tuneup and Optuna one
# after the other (the side that goes first alternates from round to round), each run in a
# database of its own, created just before and dropped just after it:
#   append, per batch size B: tuneup appends rows with AppendObservations, B per call, over
#     BENCH_APPEND_TRIALS trials; Optuna writes intermediate values with study.add_trial(B values)
#     per call, or trial.report() one at a time for B = 1 (bench_pg_store append,
#     optuna_peer.py add / report);
#   experiment: the store traffic of an experiment of T trials reporting V values each, one at a
#     time (bench_pg_store experiment, optuna_peer.py experiment).
# Every run reads back what it wrote and fails (run.sh: FAILED: ...) unless all of it is there.
# Prints the tables (bench/pg_store/report.py) and writes every raw JSON line to
# bench/results/pg-store-<date>.jsonl.
#
# Environment:
#   BENCH_ROUNDS=3              rounds (every workload, both sides, in each)
#   BENCH_APPEND="1000:1000000:10000 100:200000:5000 10:50000:2000 1:10000:5000"
#                               batch sizes, each as BATCH:TUNEUP_ROWS:OPTUNA_ROWS (Optuna is
#                               about 200x slower, so it writes fewer rows in the same time)
#   BENCH_APPEND_TRIALS=100     trials the append workloads spread their calls over
#   BENCH_EXPERIMENT=200:100    the experiment workload's TRIALS:VALUES_PER_TRIAL
#   BENCH_SYSTEMS="tuneup optuna"   which side(s) to run
#   BENCH_BASELINE_BIN=path     also run this bench_pg_store binary (built from an older commit,
#                               say) as a third side, "tuneup-baseline", on the same workloads
#   BENCH_MAX_LOAD=2 BENCH_LOAD_WAIT=600  before starting, wait up to LOAD_WAIT seconds for the
#                               1-minute load average to drop to MAX_LOAD (it runs anyway after
#                               that, and records the load next to every run)
#   BENCH_PYTHON=/usr/bin/python3   interpreter the venv is created from (if it does not exist)
#   BENCH_SKIP_INSTALL=1        do not pip-install/upgrade the peers (the venv must exist)
#   BENCH_SKIP_BUILD=1          do not (re)build the harness; BENCH_BIN_DIR=dir uses another binary
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=${BENCH_ROUNDS:-3}
APPEND=${BENCH_APPEND:-1000:1000000:10000 100:200000:5000 10:50000:2000 1:10000:5000}
APPEND_TRIALS=${BENCH_APPEND_TRIALS:-100}
EXPERIMENT=${BENCH_EXPERIMENT:-200:100}
SYSTEMS=${BENCH_SYSTEMS:-tuneup optuna}
BASELINE_BIN=${BENCH_BASELINE_BIN:-}
VENV=$ROOT/bench/.venv
PY=$VENV/bin/python
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BUILD=$ROOT/build/release
BIN=${BENCH_BIN_DIR:-$BUILD/bench}
RESULTS_DIR=$ROOT/bench/results
PG_BIN=/usr/lib/postgresql/15/bin

die() {
  echo "run.sh: FAILED: $*" >&2
  exit 1
}
for s in $SYSTEMS; do [[ $s == tuneup || $s == optuna ]] || die "unknown BENCH_SYSTEMS entry $s"; done
if [[ -n $BASELINE_BIN ]]; then
  [[ -x $BASELINE_BIN ]] || die "BENCH_BASELINE_BIN: no executable $BASELINE_BIN"
  SYSTEMS="$SYSTEMS tuneup-baseline"
fi

# --- tuneup's harness (Release) -----------------------------------------------------------------
if [[ ${BENCH_SKIP_BUILD:-0} != 1 && -z ${BENCH_BIN_DIR:-} ]]; then
  echo "== building bench_pg_store (Release, $BUILD; a no-op when up to date)"
  cmake -S "$ROOT" -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Release -DTUNEUP_BUILD_TESTS=OFF \
    -DTUNEUP_BUILD_BENCH=ON >/dev/null || die "configuring $BUILD"
  # Two jobs: the machine's two cores are shared.
  ninja -C "$BUILD" -j2 bench_pg_store >/dev/null || die "building bench_pg_store"
fi
[[ -x $BIN/bench_pg_store ]] || die "no bench_pg_store in $BIN"

# --- the peers' virtualenv ----------------------------------------------------------------------
ensure_venv
if [[ ${BENCH_SKIP_INSTALL:-0} != 1 ]]; then
  echo "== installing/upgrading optuna and psycopg2-binary from PyPI into $VENV (no pins)"
  "$PY" -m pip install --quiet --upgrade pip
  "$PY" -m pip install --quiet --upgrade optuna psycopg2-binary
fi

# --- a throwaway PostgreSQL 15 ------------------------------------------------------------------
WORK=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/pg-store.XXXXXX")
PG_DIR=$WORK/postgres
cleanup() {
  sh "$ROOT/tests/support/postgres.sh" stop "$PG_DIR" || true
  rm -rf "$WORK"
}
trap cleanup EXIT
sh "$ROOT/tests/support/postgres.sh" start "$PG_DIR" >/dev/null || die "starting PostgreSQL"
PORT=$(cat "$PG_DIR/port")
SERVER="postgres@127.0.0.1:$PORT"
pg_admin() { "$PG_BIN/$1" -h 127.0.0.1 -p "$PORT" -U postgres "${@:2}"; }
PG_VERSION=$(pg_admin psql -d postgres -Atc "SHOW server_version") || die "psql"
PG_SETTINGS=$(pg_admin psql -d postgres -Atc "SELECT string_agg(name || '=' || setting, ' ' ORDER BY name)
  FROM pg_settings WHERE name IN ('fsync', 'synchronous_commit', 'shared_buffers', 'lc_collate')")
echo "== PostgreSQL $PG_VERSION at 127.0.0.1:$PORT ($PG_SETTINGS)"

# --- wait for a quiet machine -------------------------------------------------------------------
wait_for_low_load "${BENCH_MAX_LOAD:-2}" "${BENCH_LOAD_WAIT:-600}"

# --- the run's metadata -------------------------------------------------------------------------
tree_state
DIRTY_DB=$(git -C "$ROOT" status --porcelain -- db 2>/dev/null | wc -l)
mkdir -p "$RESULTS_DIR"
OUT=$RESULTS_DIR/pg-store-$(date +%Y-%m-%dT%H%M%S).jsonl
echo "== raw results: $OUT"
"$PY" - "$COMMIT" "$DIRTY" "$DIRTY_DB" "$DIFF_SHA" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$ROUNDS" \
  "$APPEND" "$APPEND_TRIALS" "$EXPERIMENT" "$PG_VERSION" "$PG_SETTINGS" \
  "$(c++ --version | head -1)" "$(loadavg)" >"$OUT" <<'EOF'
import importlib.metadata as md, json, os, platform, sys
(commit, dirty, dirty_db, diff, started, rounds, append, append_trials, experiment, pg, settings,
 cxx, load) = sys.argv[1:14]
print(json.dumps({"kind": "meta", "tuneup_commit": commit, "tuneup_tree_modified_files": int(dirty),
                  "tuneup_db_modified_files": int(dirty_db), "tuneup_uncommitted_diff_sha1": diff,
                  "started": started, "rounds": int(rounds), "append": append,
                  "append_trials": int(append_trials), "experiment": experiment,
                  "postgresql": pg, "postgresql_settings": settings,
                  "python": platform.python_version(), "python_executable": sys.executable,
                  "optuna": md.version("optuna"), "sqlalchemy": md.version("sqlalchemy"),
                  "psycopg2": md.version("psycopg2-binary"), "compiler": cxx, "build": "Release",
                  "load_at_start": load, "nproc": os.cpu_count(), "uname": " ".join(os.uname())}))
EOF

# --- the runs -----------------------------------------------------------------------------------
# run SYSTEM LABEL COMMAND...: COMMAND with its database's URI as its last argument (libpq's for
# tuneup, SQLAlchemy's for Optuna), in a database created for it and dropped after it; its JSON
# line, with the side's name and the load before and after, goes to $OUT.
run() {
  local system=$1 label=$2 db uri before after line
  shift 2
  db=bench_$(date +%s%N)
  pg_admin createdb "$db" || die "createdb $db"
  uri="postgresql://$SERVER/$db"
  [[ $system == optuna ]] && uri="postgresql+psycopg2://$SERVER/$db"
  before=$(loadavg)
  line=$("$@" "$uri") || die "$label exited $? (its database: $db)"
  after=$(loadavg)
  pg_admin dropdb "$db" || die "dropdb $db"
  "$PY" - "$line" "$system" "$before" "$after" >>"$OUT" <<'EOF'
import json, sys
line = json.loads(sys.argv[1])
line.update(system=sys.argv[2], load_before=sys.argv[3], load_after=sys.argv[4])
print(json.dumps(line))
EOF
  "$PY" - "$label" "$line" <<'EOF'
import json, sys
l = json.loads(sys.argv[2])
extra = f", {l['trials_per_s']:.1f} trials/s" if "trials_per_s" in l else ""
print(f"   {sys.argv[1]}: {l['rows']:,} rows in {l['seconds']:.2f} s, {l['rows_per_s']:,.0f} rows/s{extra}")
EOF
}

# append SYSTEM BATCH ROWS ROUND URI and experiment SYSTEM ROUND URI: one side's run.
harness() {
  if [[ $1 == tuneup-baseline ]]; then echo "$BASELINE_BIN"; else echo "$BIN/bench_pg_store"; fi
}
append() {
  if [[ $1 != optuna ]]; then
    "$(harness "$1")" append "$5" "$3" "$2" "$APPEND_TRIALS" "$4"
  elif (( $2 == 1 )); then
    "$PY" "$HERE/optuna_peer.py" report "$5" "$3" "$APPEND_TRIALS" "$4"
  else
    "$PY" "$HERE/optuna_peer.py" add "$5" "$3" "$2" "$4"
  fi
}
experiment() {
  if [[ $1 != optuna ]]; then
    "$(harness "$1")" experiment "$3" "${EXPERIMENT%%:*}" "${EXPERIMENT##*:}" "$2"
  else
    "$PY" "$HERE/optuna_peer.py" experiment "$3" "${EXPERIMENT%%:*}" "${EXPERIMENT##*:}" "$2"
  fi
}

read -r -a sides <<<"$SYSTEMS"
for (( r = 1; r <= ROUNDS; r++ )); do
  echo "== round $r of $ROUNDS (load $(loadavg))"
  t0=$(date +%s.%N); l0=$(loadavg)
  # Round r starts with the r-th side, so that each goes first in turn.
  order=()
  for (( i = 0; i < ${#sides[@]}; i++ )); do order+=("${sides[(r - 1 + i) % ${#sides[@]}]}"); done
  for spec in $APPEND; do
    IFS=: read -r batch tuneup_rows optuna_rows <<<"$spec"
    for system in "${order[@]}"; do
      rows=$tuneup_rows
      [[ $system == optuna ]] && rows=$optuna_rows
      run "$system" "$system append, batch $batch" append "$system" "$batch" "$rows" "$r"
    done
  done
  for system in "${order[@]}"; do
    run "$system" "$system experiment ($EXPERIMENT)" experiment "$system" "$r"
  done
  phase "round $r" "$t0" "$l0"
done

echo
"$PY" "$HERE/report.py" tables "$OUT" || die "report.py"
echo "raw results: $OUT"
