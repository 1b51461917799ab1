"""Python side of the parse-throughput benchmark (bench/parse_throughput/run.sh runs it beside
bench_parse_throughput on the same files; bench/README.md, "Parse throughput").

  peer.py parse text|json FILE PASSES [ROUND] [--method M] [--no-gc] [--warmups N]

Reads FILE into memory (untimed), parses it N times (default 1) to warm up, then PASSES times,
timed, and prints one JSON line shaped like the C++ harness's: the seconds of each pass, the
input's bytes and lines, the observations per metric and the sums of their values and times
(microseconds, modulo 2^64).

A pass does what a collector written in Python would do, with the standard library only, for the
metrics loss and accuracy, every observation appended to a list as (name, value, time):
- text: Katib's default filter (the one metrics-collector/text_parser.h quotes) with
  `re` on bytes (ASCII \\w and \\s, as Go's), float() of the value, names kept only if requested,
  and, as Katib and tuneup do, a line whose first space-separated token is an ISO time
  (datetime.fromisoformat) takes its time from it. --method picks how `re` is applied:
    lines            finditer on every line of data.splitlines()
    lines-prefilter  the same, skipping lines without b"=" first (no match is possible there)
    buffer           finditer over the whole buffer, the line found back for its timestamp
  (the buffer method lets \\s* match across line ends; the benchmark's log has no such case).
- json: json.loads of every non-blank line, the requested fields that are numbers or numeric
  strings through float(), the `timestamp` field through datetime.fromisoformat.
Non-finite values are dropped in both, as tuneup does.
"""

import argparse
import gc
import json
import math
import re
import sys
import time
from datetime import datetime, timedelta, timezone

# Katib's default metrics filter, as metrics-collector/text_parser.h quotes it.
KATIB_FILTER = rb"([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)"
METRICS = ("loss", "accuracy")
NOW = datetime.fromtimestamp(1_700_000_000, timezone.utc)  # as the C++ harness's kNow
EPOCH = datetime(1970, 1, 1, tzinfo=timezone.utc)


def line_time(line):
    """The time a TEXT line carries in its first token, else NOW."""
    space = line.find(b" ")
    if space < 0:
        return NOW
    try:
        return datetime.fromisoformat(line[:space].decode())
    except ValueError:
        return NOW


# text_lines and text_buffer write out the per-match work (name lookup, float(), the finite check)
# instead of sharing a function: a call per match would slow the Python side down.
def text_lines(data, prefilter):
    wanted = {name.encode(): name for name in METRICS}
    finditer = re.compile(KATIB_FILTER).finditer
    isfinite = math.isfinite
    out = []
    append = out.append
    for line in data.splitlines():
        if prefilter and b"=" not in line:
            continue
        when = None
        for match in finditer(line):
            name = wanted.get(match[1])
            if name is None:
                continue
            try:
                value = float(match[2])
            except ValueError:
                continue
            if not isfinite(value):
                continue
            if when is None:
                when = line_time(line)
            append((name, value, when))
    return out


def text_buffer(data):
    wanted = {name.encode(): name for name in METRICS}
    isfinite = math.isfinite
    rfind = data.rfind
    out = []
    append = out.append
    # The line of the previous observation (start, time), and where the search for a line end
    # before the next match may begin: bounded searches keep the pass linear.
    line_start, when, searched = 0, None, 0
    for match in re.compile(KATIB_FILTER).finditer(data):
        name = wanted.get(match[1])
        if name is None:
            continue
        try:
            value = float(match[2])
        except ValueError:
            continue
        if not isfinite(value):
            continue
        begin = match.start()
        end = max(rfind(b"\n", searched, begin), rfind(b"\r", searched, begin))
        searched = begin
        if end >= 0 or when is None:
            line_start = end + 1 if end >= 0 else line_start
            line_end = data.find(b"\n", line_start)
            when = line_time(data[line_start:line_end if line_end >= 0 else len(data)])
        append((name, value, when))
    return out


def json_lines(data):
    loads = json.loads
    fromisoformat = datetime.fromisoformat
    isfinite = math.isfinite
    out = []
    append = out.append
    for line in data.splitlines():
        if not line.strip():
            continue
        try:
            record = loads(line)
        except ValueError:
            continue
        if type(record) is not dict:
            continue
        when = NOW
        stamp = record.get("timestamp")
        if isinstance(stamp, str):
            try:
                when = fromisoformat(stamp)
                if when.tzinfo is None:
                    when = when.replace(tzinfo=timezone.utc)
            except ValueError:
                pass
        elif isinstance(stamp, (int, float)) and not isinstance(stamp, bool):
            when = datetime.fromtimestamp(stamp, timezone.utc)
        for name in METRICS:
            value = record.get(name)
            if value is None or isinstance(value, bool):
                continue
            try:
                value = float(value)
            except (TypeError, ValueError):
                continue
            if isfinite(value):
                append((name, value, when))
    return out


PARSERS = {
    ("text", "lines"): lambda data: text_lines(data, prefilter=False),
    ("text", "lines-prefilter"): lambda data: text_lines(data, prefilter=True),
    ("text", "buffer"): text_buffer,
    ("json", "loads"): json_lines,
}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("command", choices=["parse"])
    parser.add_argument("format", choices=["text", "json"])
    parser.add_argument("file")
    parser.add_argument("passes", type=int)
    parser.add_argument("round", type=int, nargs="?", default=0)
    parser.add_argument("--method", help="text: lines, lines-prefilter (default) or buffer")
    parser.add_argument("--no-gc", action="store_true",
                        help="disable the cyclic garbage collector while timing")
    parser.add_argument("--warmups", type=int, default=1, help="untimed passes first")
    args = parser.parse_args()
    method = args.method or ("lines-prefilter" if args.format == "text" else "loads")
    parse = PARSERS.get((args.format, method))
    if parse is None:
        sys.exit(f"peer.py: no method {method} for {args.format}")

    with open(args.file, "rb") as f:
        data = f.read()
    seconds = []
    for i in range(args.warmups + args.passes):
        if args.no_gc:
            gc.disable()
        start = time.perf_counter()
        out = parse(data)
        elapsed = time.perf_counter() - start
        gc.enable()
        if i >= args.warmups:
            seconds.append(elapsed)
        observations = out
        del out

    per_metric = {}
    value_sum = 0.0
    time_sum_us = 0
    microsecond = timedelta(microseconds=1)
    for name, value, when in observations:
        per_metric[name] = per_metric.get(name, 0) + 1
        value_sum += value
        time_sum_us = (time_sum_us + (when - EPOCH) // microsecond) % 2**64  # as the C++ side
    print(json.dumps({
        "system": "python",
        "format": args.format,
        "method": method + (", gc off" if args.no_gc else "")
        + (f", {args.warmups} warm-ups" if args.warmups != 1 else ""),
        "round": args.round,
        "bytes": len(data),
        "lines": data.count(b"\n"),
        "observations": per_metric,
        "value_sum": value_sum,
        "time_sum_us": time_sum_us,
        "pass_seconds": seconds,
        "python": sys.version.split()[0],
        "executable": sys.executable,
    }))


if __name__ == "__main__":
    main()
