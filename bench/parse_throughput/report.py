#!/usr/bin/env python3
"""Tables of the parse-throughput benchmark (bench/parse_throughput/run.sh) from its JSON lines.

  report.py tables RESULTS.jsonl

Checks first that every run of a format read the same input and found the same observations
(count per metric, sum of values to 1e-9 relative, sum of times exactly) and that tuneup warned
about nothing; fails (report.py: FAILED: ...) otherwise. Then per format and side/method: the
median pass over all passes of all rounds, as lines/s and MB/s (10^6 bytes), with the range of
the rounds' medians; and per format the ratio tuneup / Python (Python's fastest method by median,
the others for reference), with the range of the per-round ratios.
"""

import json
import math
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_table import table  # noqa: E402  (bench/markdown_table.py)
from run_metadata import phases_line, tree_line  # noqa: E402  (bench/run_metadata.py)

TARGET_RATIO = 5.0
INPUTS = {"text": "training log (StdOut/TEXT, Katib's default filter)",
          "json": "JSON-lines metrics file (File collector, JSON)"}


def fail(message):
    sys.exit(f"report.py: FAILED: {message}")


def check(runs):
    for fmt in sorted({r["format"] for r in runs}):
        of = [r for r in runs if r["format"] == fmt]
        first = of[0]
        for r in of[1:]:
            what = f"{fmt}: {r['system']} ({r['method']}) round {r['round']}"
            if (r["bytes"], r["lines"]) != (first["bytes"], first["lines"]):
                fail(f"{what} read another input")
            if r["observations"] != first["observations"]:
                fail(f"{what} found {r['observations']}, not {first['observations']}")
            if not math.isclose(r["value_sum"], first["value_sum"], rel_tol=1e-9):
                fail(f"{what}: values sum to {r['value_sum']}, not {first['value_sum']}")
            if r["time_sum_us"] != first["time_sum_us"]:
                fail(f"{what}: times sum to {r['time_sum_us']} us, not {first['time_sum_us']}")
        if not first["observations"]:
            fail(f"{fmt}: no observations")
        warned = [r for r in of if r.get("warnings")]
        if warned:
            fail(f"{fmt}: tuneup warned {warned[0]['warnings']} times on a clean input")


def rate(seconds, run):
    return run["lines"] / seconds, run["bytes"] / seconds / 1e6


def tables(path):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    meta = next((l for l in lines if l.get("kind") == "meta"), {})
    runs = [l for l in lines if "pass_seconds" in l]
    if not runs:
        fail("no runs")
    check(runs)

    groups = {}
    for r in runs:
        groups.setdefault((r["format"], r["system"], r["method"]), []).append(r)
    medians = {k: statistics.median(s for r in v for s in r["pass_seconds"])
               for k, v in groups.items()}
    round_medians = {k: {r["round"]: statistics.median(r["pass_seconds"]) for r in v}
                     for k, v in groups.items()}

    rows, ratio_rows = [], []
    for fmt in ("text", "json"):
        keys = [k for k in groups if k[0] == fmt]
        if not keys:
            continue
        tuneup = [k for k in keys if k[1] == "tuneup"]
        python = sorted((k for k in keys if k[1] == "python"), key=lambda k: medians[k])
        for k in tuneup + python:
            run = groups[k][0]
            lps, mbps = rate(medians[k], run)
            per_round = [run["bytes"] / s / 1e6 for s in round_medians[k].values()]
            best = " (fastest)" if python and k == python[0] and len(python) > 1 else ""
            rows.append([f"{fmt}: {run['bytes'] / 1e6:.1f} MB, {run['lines']:,} lines",
                         k[1], k[2] + best, f"{medians[k] * 1e3:.1f} ms", f"{lps:,.0f}",
                         f"{mbps:,.1f}", f"{min(per_round):,.1f}–{max(per_round):,.1f}",
                         f"{len(groups[k])} × {len(run['pass_seconds'])}"])
        if not tuneup or not python:
            continue
        t = tuneup[0]
        for p in python:
            common = sorted(set(round_medians[t]) & set(round_medians[p]))
            per_round = [round_medians[p][r] / round_medians[t][r] for r in common]
            ratio = medians[p] / medians[t]
            fastest = p == python[0]
            verdict = ("yes" if ratio >= TARGET_RATIO else "**no**") if fastest else ""
            ratio_rows.append([INPUTS[fmt] if fastest else "", p[2] + (" (fastest)" if fastest else ""),
                               f"**{ratio:.1f}×**" if fastest else f"{ratio:.1f}×",
                               f"{min(per_round):.1f}–{max(per_round):.1f}×", verdict])

    print("Median pass (over all passes of all rounds); MB = 10^6 bytes; both sides parse the same"
          " file, read into memory beforehand")
    print()
    table(["input", "side", "method", "median pass", "lines/s", "MB/s", "MB/s, round medians",
           "rounds × passes"], rows, ["l", "l", "l", "r", "r", "r", "r", "r"])
    print()
    table(["input", "against Python's", "tuneup / Python (median pass)", "per round",
           f"≥ {TARGET_RATIO:g}×"], ratio_rows, ["l", "l", "r", "r", "l"])
    print()
    for fmt in ("text", "json"):
        run = next((r for r in runs if r["format"] == fmt), None)
        if run:
            found = ", ".join(f"{n} {c:,}" for n, c in run["observations"].items())
            print(f"{fmt}: every run found the same observations ({found})")
    print()
    print(tree_line(meta, folder="metrics-collector"))
    print(f"Python {meta.get('python')} ({meta.get('python_executable')}); {meta.get('compiler')},"
          f" {meta.get('build')}; {meta.get('nproc')} CPUs; load at start {meta.get('load_at_start')}")
    phases = phases_line(lines)
    if phases:
        print(phases)


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "tables":
        sys.exit(__doc__)
    tables(sys.argv[2])


if __name__ == "__main__":
    main()
