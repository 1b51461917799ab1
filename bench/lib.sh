# shellcheck shell=bash
# Shared by the benchmarks' run.sh scripts; sourced once ROOT, VENV and PY are set.

# The 1-, 5- and 15-minute load averages.
loadavg() { cut -d' ' -f1-3 /proc/loadavg; }

# wait_for_low_load MAX SECONDS: waits (printing why) until the 1-minute load average is at most
# MAX, for at most SECONDS; after that it goes on anyway, and says so. Each benchmark records the
# load next to its runs, so a run on a busy machine is visible as one.
wait_for_low_load() {
  local max=$1 deadline=$(( $(date +%s) + $2 ))
  while awk -v l="$(cut -d' ' -f1 /proc/loadavg)" -v m="$max" 'BEGIN { exit !(l > m) }'; do
    if (( $(date +%s) >= deadline )); then
      echo "== load $(loadavg) is still above $max: running anyway (recorded per run)"
      return
    fi
    echo "== load $(loadavg) > $max: waiting (until $(date -d @"$deadline" +%T))"
    sleep 20
  done
}

# phase NAME START LOAD_BEFORE: appends a "phase" line to $OUT (its wall time since START, in
# seconds since the epoch, fractional, and the load before and now), which
# bench/run_metadata.py's phases_line reads.
phase() {
  "$PY" -c 'import json, sys, time
print(json.dumps({"kind": "phase", "phase": sys.argv[1], "wall_seconds": time.time() - float(sys.argv[2]),
                  "load_before": sys.argv[3], "load_after": sys.argv[4]}))' "$1" "$2" "$3" "$(loadavg)" >>"$OUT"
}

# Creates the peers' virtualenv $VENV from $BENCH_PYTHON (default: Debian's /usr/bin/python3)
# unless $PY already exists. What goes into it is each benchmark's business.
ensure_venv() {
  if [[ ! -x $PY ]]; then
    echo "== creating $VENV from ${BENCH_PYTHON:-/usr/bin/python3}"
    "${BENCH_PYTHON:-/usr/bin/python3}" -m venv "$VENV"
  fi
}

# What tuneup's tree looked like, for the results' metadata: COMMIT (short hash), DIRTY (modified
# tracked files), DIRTY_SUGGESTION (modified or new files under suggestion/) and DIFF_SHA (hash of
# the uncommitted diff outside bench/).
# shellcheck disable=SC2034  # the callers read them
tree_state() {
  COMMIT=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
  DIRTY=$(git -C "$ROOT" status --porcelain --untracked-files=no 2>/dev/null | wc -l)
  DIRTY_SUGGESTION=$(git -C "$ROOT" status --porcelain -- suggestion 2>/dev/null | wc -l)
  DIFF_SHA=$(git -C "$ROOT" diff HEAD -- . ':!bench' 2>/dev/null | sha1sum | cut -c1-12)
}

# start_job LABEL OUT COMMAND...: once fewer than $JOBS background jobs run (and none started
# before has failed: then it dies, naming it), runs COMMAND in the background with stdout to OUT
# and stderr to OUT.err; when it ends, prints "LABEL: exit N, S s" and writes N to OUT.rc.
# Callers `wait`, then check each OUT.rc.
start_job() {
  local label=$1 out=$2
  shift 2
  while (( $(jobs -rp | wc -l) >= JOBS )); do sleep 1; done
  local rc_file
  for rc_file in "$LOGS"/*.rc; do
    [[ -e $rc_file && $(cat "$rc_file") != 0 ]] && die "$(basename "$rc_file" .rc) failed (see $LOGS)"
  done
  (
    start=$(date +%s)
    rc=0
    "$@" >"$out" 2>"$out.err" &
    child=$!
    trap 'kill "$child" 2>/dev/null' TERM
    wait "$child" || rc=$?
    echo "   $label: exit $rc, $(( $(date +%s) - start )) s" >&2
    echo $rc >"$out.rc"
  ) &
}
