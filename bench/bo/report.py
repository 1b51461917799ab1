#!/usr/bin/env python3
"""Tables for bench/bo/run.sh (standard library only).

  report.py tuneup-latency < bench_bo_latency-output   -> JSON lines
  report.py tables RESULTS.jsonl                        -> the quality and latency tables

RESULTS.jsonl holds the raw lines of one run: quality runs (bench_bo_quality's schema, peers.py
quality), latency lines {"system", "n", "median_seconds", "repeats", ...}, peak-RSS lines,
"skipped" lines and {"kind": ...} bookkeeping lines.
"""

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_table import table  # noqa: E402  (bench/markdown_table.py)
from run_metadata import phases_line, tree_line  # noqa: E402  (bench/run_metadata.py)

QUALITY_ORDER = ["tuneup-bo", "skopt", "optuna-tpe", "optuna-gp", "tuneup-random"]
PROBLEM_ORDER = ["branin", "hartmann6", "rosenbrock4_log1p", "ackley5", "mixed"]
LATENCY_PEERS = [("skopt-tell+ask", "skopt tell+ask"), ("skopt-ask", "skopt ask"),
                 ("skopt-katib", "skopt Katib path"), ("optuna-tpe", "TPE ask"),
                 ("optuna-gp", "GP ask")]


def fail(message):
    sys.exit(f"report.py: FAILED: {message}")


def tuneup_latency(stream):
    """bench_bo_latency prints a header, one row "n median_ms max_ms cold_ms" per size and
    "peak_rss_mb X"; turn that into JSON lines."""
    rows, max_n = 0, 0
    for line in stream:
        parts = line.split()
        if not parts or parts[0] == "n":
            continue
        if parts[0] == "peak_rss_mb":
            print(json.dumps({"system": "tuneup-bo", "peak_rss_mb": float(parts[1]),
                              "max_n": max_n,
                              "what": "peak RSS of the bench_bo_latency process"}))
            continue
        if len(parts) != 4:
            fail(f"unexpected bench_bo_latency line: {line.rstrip()}")
        n, median_ms, max_ms, cold_ms = int(parts[0]), *map(float, parts[1:])
        print(json.dumps({"system": "tuneup-bo", "n": n, "median_seconds": median_ms / 1000,
                          "max_seconds": max_ms / 1000, "cold_seconds": cold_ms / 1000,
                          "what": "warm Suggest after one more trial (bench_bo_latency)"}))
        rows += 1
        max_n = max(max_n, n)
    if rows == 0:
        fail("no rows in bench_bo_latency's output")


def fmt(x):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 100:
        return f"{x:.0f}"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def fmt_ms(seconds):
    if seconds is None:
        return "–"
    ms = seconds * 1000
    if ms >= 1000:
        return f"{ms / 1000:.1f} s"
    return f"{ms:.3g} ms" if ms >= 0.01 else f"{ms * 1000:.2g} µs"


def tables(path):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    quality = [l for l in lines if "problem" in l and "regret" in l]
    latency = [l for l in lines if "median_seconds" in l]
    unmeasured = {(l["system"], l["n"]): l["not_measured"] for l in lines if "not_measured" in l}
    rss = [l for l in lines if "peak_rss_mb" in l]
    skipped = [l for l in lines if "skipped" in l]
    meta = next((l for l in lines if l.get("kind") == "meta"), {})

    # --- (a) quality --------------------------------------------------------------------------
    systems = [s for s in QUALITY_ORDER if any(q["system"] == s for q in quality)]
    systems += sorted({q["system"] for q in quality} - set(systems))
    problems = [p for p in PROBLEM_ORDER if any(q["problem"] == p for q in quality)]
    regrets = {}
    for q in quality:
        regrets.setdefault((q["system"], q["problem"]), []).append(q["regret"])
    seeds = {k: len(v) for k, v in regrets.items()}
    if len(set(seeds.values())) > 1:
        fail(f"uneven number of seeds per (system, problem): {seeds}")
    if quality:
        n_seeds = next(iter(seeds.values()))
        trials = sorted({q["trials"] for q in quality})
        print(f"(a) Quality: regret (best found - known optimum) after {'/'.join(map(str, trials))}"
              f" trials, {n_seeds} seeds (0..{n_seeds - 1}); mean / median over seeds, lower is"
              " better")
        print()
        header = ["problem"] + [f"{s} mean / median" for s in systems]
        rows = []
        for p in problems:
            row = [p]
            for s in systems:
                r = regrets.get((s, p))
                row.append(f"{fmt(statistics.mean(r))} / {fmt(statistics.median(r))}" if r else "–")
            rows.append(row)
        seconds = {s: statistics.mean(q["seconds"] for q in quality if q["system"] == s)
                   for s in systems}
        rows.append(["seconds per run (mean)"] + [fmt(seconds[s]) for s in systems])
        table(header, rows, ["l"] + ["r"] * len(systems))
        print()
        if "tuneup-bo" in systems:
            for peer in systems:
                if peer in ("tuneup-bo", "tuneup-random"):
                    continue
                wins, losses = [], []
                for p in problems:
                    t, o = regrets.get(("tuneup-bo", p)), regrets.get((peer, p))
                    if not t or not o:
                        continue
                    mt, mo = statistics.mean(t), statistics.mean(o)
                    (wins if mt < mo else losses).append((p, mt, mo))
                total = len(wins) + len(losses)
                median_wins = sum(
                    1 for p in problems
                    if regrets.get(("tuneup-bo", p)) and regrets.get((peer, p))
                    and statistics.median(regrets[("tuneup-bo", p)])
                    < statistics.median(regrets[(peer, p)]))
                text = (f"tuneup beats {peer} on {len(wins)}/{total} problems (mean regret); "
                        f"{median_wins}/{total} by median regret")
                if losses:
                    text += "; loses on " + ", ".join(
                        f"{p} ({fmt(mt)} vs {fmt(mo)}, {mt / mo:.1f}x)" if mo > 0 else
                        f"{p} ({fmt(mt)} vs {fmt(mo)})" for p, mt, mo in losses)
                print(text)
            print()

    # --- (b) latency --------------------------------------------------------------------------
    lat = {(l["system"], l["n"]): l for l in latency}
    sizes = sorted({l["n"] for l in latency if l["system"] == "tuneup-bo"} |
                   {l["n"] for l in latency})
    main_sizes = sorted({n for s, n in list(lat) + list(unmeasured) if s != "tuneup-bo"}) or sizes
    if latency:
        peers = [(s, label) for s, label in LATENCY_PEERS
                 if any(k[0] == s for k in list(lat) + list(unmeasured))]
        print("(b) Latency of one suggestion, 6-D, n observations: median over repeats"
              " (peer / tuneup)")
        print()
        header = ["n", "tuneup"] + [label for _, label in peers]
        rows = []
        for n in main_sizes:
            t = lat.get(("tuneup-bo", n))
            row = [str(n), fmt_ms(t["median_seconds"]) if t else "–"]
            for s, _ in peers:
                x = lat.get((s, n))
                if not x:
                    row.append("not measured" if (s, n) in unmeasured else "–")
                elif t:
                    ratio = x["median_seconds"] / t["median_seconds"]
                    row.append(f"{fmt_ms(x['median_seconds'])} ({ratio:.3g}x)")
                else:
                    row.append(fmt_ms(x["median_seconds"]))
            rows.append(row)
        table(header, rows, ["r"] * len(header))
        print()
        reps = []
        for s, label in [("tuneup-bo", "tuneup")] + peers:
            r = [str(lat[(s, n)].get("repeats", 10)) for n in main_sizes if (s, n) in lat]
            if r:
                reps.append(f"{label} {'/'.join(r)}")
        print("repeats per n: " + "; ".join(reps))
        for reason in sorted(set(unmeasured.values())):
            cells = [f"{s} n={n}" for (s, n), r in sorted(unmeasured.items()) if r == reason]
            print(f"not measured ({reason}): {', '.join(cells)}")
        print()
        extra = [l for l in latency if l["system"] == "tuneup-bo" and l["n"] not in main_sizes]
        for l in extra:
            print(f"tuneup at n={l['n']}: warm suggestion {fmt_ms(l['median_seconds'])} median,"
                  f" {fmt_ms(l['max_seconds'])} max; cold (a fresh model reading the whole"
                  f" history) {fmt_ms(l['cold_seconds'])}")
        for l in latency:
            if l["system"] == "tuneup-bo" and l["n"] in main_sizes:
                print(f"tuneup at n={l['n']}: max {fmt_ms(l['max_seconds'])}, cold"
                      f" {fmt_ms(l['cold_seconds'])}")
    for r in rss:
        where = f" (run with n={r['max_n']})" if "max_n" in r else ""
        print(f"peak RSS {r['system']}{where}: {r['peak_rss_mb']:.1f} MB")
    for s in skipped:
        print(f"SKIPPED {s['system']}: {s['skipped']}")
    if meta:
        print()
        v = meta.get("versions", {})
        print("versions: " + ", ".join(f"{k} {v[k]}" for k in
                                        ("python", "scikit-optimize", "scikit-learn", "scipy",
                                         "numpy", "optuna", "torch") if k in v))
        print(tree_line(meta))
    if phases := phases_line(lines):
        print(phases)


def main():
    if len(sys.argv) >= 2 and sys.argv[1] == "tuneup-latency":
        tuneup_latency(sys.stdin)
    elif len(sys.argv) == 3 and sys.argv[1] == "tables":
        tables(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
