#!/usr/bin/env bash
# Parse throughput: tuneup's TEXT (StdOut) and JSON metrics parsers against Python's re and json
# on the same inputs, in one run (bench/README.md, "Parse throughput").
#
#   bench/parse_throughput/run.sh
#
# Builds bench_parse_throughput (Release, build/release, -DTUNEUP_BUILD_BENCH=ON; a no-op when up
# to date), writes the two inputs (bench_parse_throughput write: a training log and a JSON-lines
# metrics file of BENCH_MB megabytes each) to a temp dir, then runs BENCH_ROUNDS rounds of: tuneup
# on the log, Python on the log, tuneup on the JSON file, Python on it, the side that goes first
# alternating from round to round. Every run is a fresh process that reads its input into memory
# (untimed), parses it once to warm up and then times BENCH_*_PASSES passes. Python runs with the
# cyclic garbage collector on (as a program does by default) and off (Python at its fastest), for
# the log with peer.py's fastest way of applying re (lines-prefilter); the two slower ways (lines,
# buffer) run once per round, one pass without warm-up, for the record. The ratio is taken against
# whichever Python run is fastest. Fails loudly (run.sh: FAILED: ...) unless both sides found the same
# observations (count per metric, sum of values, sum of times); prints the tables
# (bench/parse_throughput/report.py) and writes every raw JSON line to
# bench/results/parse-throughput-<date>.jsonl. The Python side needs only the standard library:
# no virtualenv.
#
# Environment:
#   BENCH_MB=32                  size of each input, in 10^6 bytes
#   BENCH_ROUNDS=5               rounds (every run of both sides in each)
#   BENCH_TUNEUP_PASSES=10       timed passes per tuneup run
#   BENCH_PYTHON_PASSES=3        timed passes per Python run
#   BENCH_PYTHON_REFERENCE=1     0: skip the slower ways of applying re (lines, buffer)
#   BENCH_PYTHON=/usr/bin/python3   the interpreter of the Python side
#   BENCH_SKIP_BUILD=1           do not (re)build the harness; BENCH_BIN_DIR=dir uses another binary
set -euo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
MB=${BENCH_MB:-32}
ROUNDS=${BENCH_ROUNDS:-5}
TUNEUP_PASSES=${BENCH_TUNEUP_PASSES:-10}
PYTHON_PASSES=${BENCH_PYTHON_PASSES:-3}
REFERENCE=${BENCH_PYTHON_REFERENCE:-1}
PY=${BENCH_PYTHON:-/usr/bin/python3}
# shellcheck source=bench/lib.sh
source "$ROOT/bench/lib.sh"
BUILD=$ROOT/build/release
BIN=${BENCH_BIN_DIR:-$BUILD/bench}
RESULTS_DIR=$ROOT/bench/results

die() {
  echo "run.sh: FAILED: $*" >&2
  exit 1
}

if [[ ${BENCH_SKIP_BUILD:-0} != 1 && -z ${BENCH_BIN_DIR:-} ]]; then
  echo "== building bench_parse_throughput (Release, $BUILD; a no-op when up to date)"
  NINJA_TARGET=bench_parse_throughput "$ROOT/scripts/build" "$BUILD" -DCMAKE_BUILD_TYPE=Release \
    -DTUNEUP_BUILD_TESTS=OFF -DTUNEUP_BUILD_BENCH=ON >/dev/null || die "building bench_parse_throughput"
fi
[[ -x $BIN/bench_parse_throughput ]] || die "no bench_parse_throughput in $BIN"
[[ -x $PY ]] || die "no Python interpreter $PY"

tree_state
DIRTY_METRICS=$(git -C "$ROOT" status --porcelain -- metrics-collector 2>/dev/null | wc -l)
mkdir -p "$RESULTS_DIR"
STAMP=$(date +%Y-%m-%dT%H%M%S)
OUT=$RESULTS_DIR/parse-throughput-$STAMP.jsonl
INPUTS=$(mktemp -d "${BENCH_TMPDIR:-/var/tmp}/parse-throughput.XXXXXX")
trap 'rm -rf "$INPUTS"' EXIT
echo "== inputs: $MB MB each in $INPUTS; raw results: $OUT"
"$BIN/bench_parse_throughput" write "$INPUTS" "$MB" || die "bench_parse_throughput write"

"$PY" - "$COMMIT" "$DIRTY" "$DIRTY_METRICS" "$DIFF_SHA" "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$MB" \
  "$ROUNDS" "$TUNEUP_PASSES" "$PYTHON_PASSES" "$PY" "$(c++ --version | head -1)" \
  "$(loadavg)" >"$OUT" <<'EOF'
import json, os, subprocess, sys
(commit, dirty, dirty_m, diff, started, mb, rounds, tp, pp, py, cxx, load) = sys.argv[1:13]
python = subprocess.run([py, "-c", "import sys; print(sys.version.split()[0])"],
                        capture_output=True, text=True, check=True).stdout.strip()
print(json.dumps({"kind": "meta", "tuneup_commit": commit, "tuneup_tree_modified_files": int(dirty),
                  "tuneup_metrics-collector_modified_files": int(dirty_m),
                  "tuneup_uncommitted_diff_sha1": diff, "started": started,
                  "input_megabytes": float(mb), "rounds": int(rounds), "tuneup_passes": int(tp),
                  "python_passes": int(pp), "python_executable": py, "python": python,
                  "compiler": cxx, "build": "Release", "load_at_start": load,
                  "nproc": os.cpu_count(), "uname": " ".join(os.uname())}))
EOF

run() {  # $1: label, then the command; its JSON line goes to $OUT
  local label=$1 line
  shift
  line=$("$@") || die "$label exited $?"
  echo "$line" >>"$OUT"
  "$PY" -c 'import json, statistics, sys
l = json.loads(sys.argv[2])
s = statistics.median(l["pass_seconds"])
mb_per_s = l["bytes"] / s / 1e6
print(f"   {sys.argv[1]}: median pass {s * 1e3:.1f} ms, {mb_per_s:.1f} MB/s")' "$label" "$line"
}

tuneup_side() {  # $1: format, $2: file, $3: round
  run "tuneup $1" "$BIN/bench_parse_throughput" parse "$1" "$2" "$TUNEUP_PASSES" "$3"
}
python_side() {  # $1: format, $2: file, $3: round
  local method=loads
  [[ $1 == text ]] && method=lines-prefilter
  run "python $1 ($method)" "$PY" "$HERE/peer.py" parse "$1" "$2" "$PYTHON_PASSES" "$3" \
    --method "$method"
  run "python $1 ($method, gc off)" "$PY" "$HERE/peer.py" parse "$1" "$2" "$PYTHON_PASSES" "$3" \
    --method "$method" --no-gc
  if [[ $1 == text && $REFERENCE == 1 ]]; then
    for method in lines buffer; do
      run "python text ($method)" "$PY" "$HERE/peer.py" parse text "$2" 1 "$3" --method "$method" \
        --warmups 0
    done
  fi
}

for (( r = 1; r <= ROUNDS; r++ )); do
  echo "== round $r of $ROUNDS (load $(loadavg))"
  t0=$(date +%s.%N); l0=$(loadavg)
  for format in text json; do
    file=$INPUTS/training.log
    [[ $format == json ]] && file=$INPUTS/metrics.jsonl
    if (( r % 2 == 1 )); then
      tuneup_side "$format" "$file" "$r"; python_side "$format" "$file" "$r"
    else
      python_side "$format" "$file" "$r"; tuneup_side "$format" "$file" "$r"
    fi
  done
  phase "round $r" "$t0" "$l0"
done

echo
"$PY" "$HERE/report.py" tables "$OUT" || die "report.py"
echo "raw results: $OUT"
