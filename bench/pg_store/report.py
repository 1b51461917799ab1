#!/usr/bin/env python3
"""Tables of the PostgreSQL store benchmark (bench/pg_store/run.sh) from its JSON lines.

  report.py tables RESULTS.jsonl

Append: per batch size and side, the median rows/s over the rounds and their range; the ratio
tuneup / Optuna per batch size (Optuna's add_trial with the same number of values per call, or
trial.report for one) and tuneup's largest batch against Optuna's fastest way, as the ratio of
the medians with the range of the per-round ratios. Experiment: the median wall time of the whole
traffic, each kind of call's rate, and the ratio Optuna / tuneup. With a "tuneup-baseline" side
(run.sh's BENCH_BASELINE_BIN), also tuneup / tuneup-baseline. Then the acceptance checks of
issue 7 (>= 100,000 rows/s, >= 10x Optuna).
"""

import json
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_table import table  # noqa: E402  (bench/markdown_table.py)
from run_metadata import phases_line, tree_line  # noqa: E402  (bench/run_metadata.py)

TARGET_ROWS_PER_S = 100_000
TARGET_RATIO = 10.0
SIDES = ("tuneup", "tuneup-baseline", "optuna")  # the order of the tables' rows


def fail(message):
    sys.exit(f"report.py: FAILED: {message}")


def span(values, fmt):
    return f"{fmt(min(values))}–{fmt(max(values))}"


def rows_fmt(x):
    return f"{x:,.0f}"


def ratio_fmt(x):
    return f"{x:.1f}×"


def per_round_ratios(numerators, denominators):
    """Ratios of the runs of the same round: {round: value} each."""
    common = sorted(set(numerators) & set(denominators))
    return [numerators[r] / denominators[r] for r in common]


def append_tables(runs):
    groups = {}
    for r in runs:
        groups.setdefault((r["batch"], r["system"], r["method"]), {})[r["round"]] = r
    batches = sorted({k[0] for k in groups}, reverse=True)
    rate = {k: {rnd: r["rows_per_s"] for rnd, r in v.items()} for k, v in groups.items()}
    median = {k: statistics.median(v.values()) for k, v in rate.items()}

    rows = []
    for batch in batches:
        for key in sorted((k for k in groups if k[0] == batch), key=lambda k: SIDES.index(k[1])):
            one = next(iter(groups[key].values()))
            calls_p50 = statistics.median(r["call_ms"]["p50"] for r in groups[key].values())
            cpu = [r["client_cpu_seconds"] / r["rows"] * 1e6 for r in groups[key].values()
                   if "client_cpu_seconds" in r]
            rows.append([f"{batch:,}", key[1], key[2], f"{one['rows']:,}",
                         f"**{rows_fmt(median[key])}**", span(rate[key].values(), rows_fmt),
                         f"{calls_p50:.3f}", f"{statistics.median(cpu):.2f}" if cpu else "",
                         len(groups[key])])
    print("Append: rows/s is the median over the rounds; one call = one AppendObservations"
          " (tuneup), one add_trial or report (Optuna)")
    print()
    table(["rows per call", "side", "method", "rows per run", "rows/s", "rows/s, rounds",
           "call p50 (ms)", "client CPU µs/row", "rounds"],
          rows, ["r", "l", "l", "r", "r", "r", "r", "r", "r"])
    print()

    ratio_rows = []
    verdicts = {}
    for peer in ("optuna", "tuneup-baseline"):
        for batch in batches:
            tuneup = [k for k in groups if k[0] == batch and k[1] == "tuneup"]
            other = [k for k in groups if k[0] == batch and k[1] == peer]
            if not tuneup or not other:
                continue
            t, o = tuneup[0], other[0]
            rounds = per_round_ratios(rate[t], rate[o])
            per_call = f"{batch:,} rows per call" if batch != 1 else "1 row per call"
            calls = f"AppendObservations / {o[2]}" if peer == "optuna" else "tuneup / baseline"
            ratio_rows.append([per_call, calls, ratio_fmt(median[t] / median[o]),
                               span(rounds, ratio_fmt)])
    tuneup_keys = [k for k in groups if k[1] == "tuneup"]
    optuna_keys = [k for k in groups if k[1] == "optuna"]
    if tuneup_keys and optuna_keys:
        t = max(tuneup_keys, key=lambda k: k[0])
        o = max(optuna_keys, key=lambda k: median[k])
        ratio = median[t] / median[o]
        rounds = per_round_ratios(rate[t], rate[o])
        ratio_rows.append([f"**tuneup at {t[0]:,} per call / Optuna's fastest**",
                           f"AppendObservations / {o[2]} ({o[0]:,} per call)",
                           f"**{ratio_fmt(ratio)}**", span(rounds, ratio_fmt)])
        verdicts["append_ratio"] = (ratio, min(rounds) if rounds else None)
        verdicts["rows_per_s"] = (t[0], median[t], min(rate[t].values()))
    if ratio_rows:
        print("Append ratios: tuneup rows/s / the other side's (ratio of the medians; per round:"
              " the runs of the same round)")
        print()
        table(["workload", "calls", "tuneup / other", "per round"], ratio_rows,
              ["l", "l", "r", "r"])
        print()
    return verdicts


def experiment_tables(runs):
    by_system = {}
    for r in runs:
        by_system.setdefault(r["system"], {})[r["round"]] = r
    rows, op_rows = [], []
    for system in sorted(by_system, key=SIDES.index):
        rs = by_system[system]
        seconds = [r["seconds"] for r in rs.values()]
        one = next(iter(rs.values()))
        rows.append([system, f"{one['trials']} × {one['values_per_trial']}",
                     f"**{statistics.median(seconds):.2f}**", span(seconds, lambda x: f"{x:.2f}"),
                     f"{one['trials'] / statistics.median(seconds):,.1f}",
                     f"{one['rows'] / statistics.median(seconds):,.0f}", len(rs)])
        for op in one["ops"]:
            per_s = [r["ops"][op]["per_s"] for r in rs.values()]
            ms = [r["ops"][op]["seconds"] / r["ops"][op]["calls"] * 1e3 for r in rs.values()]
            op_rows.append([system, op, f"{one['ops'][op]['calls']:,}",
                            f"{statistics.median(per_s):,.0f}", f"{statistics.median(ms):.3f}"])
    print("Experiment: the whole store traffic of an experiment (trials × values reported one at"
          " a time); median over the rounds")
    print()
    table(["side", "trials × values", "wall s", "wall s, rounds", "trials/s",
           "values/s", "rounds"], rows, ["l", "l", "r", "r", "r", "r", "r"])
    print()
    table(["side", "call", "calls per run", "calls/s", "ms per call"], op_rows,
          ["l", "l", "r", "r", "r"])
    print()
    verdicts = {}
    for peer in ("optuna", "tuneup-baseline"):
        if "tuneup" not in by_system or peer not in by_system:
            continue
        t = {rnd: r["seconds"] for rnd, r in by_system["tuneup"].items()}
        o = {rnd: r["seconds"] for rnd, r in by_system[peer].items()}
        ratio = statistics.median(o.values()) / statistics.median(t.values())
        rounds = per_round_ratios(o, t)
        print(f"Experiment ratio, {peer} wall time / tuneup wall time: **{ratio_fmt(ratio)}**"
              f" (per round {span(rounds, ratio_fmt)})")
        print()
        if peer == "optuna":
            verdicts["experiment_ratio"] = (ratio, min(rounds))
    return verdicts


def tables(path):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    meta = next((l for l in lines if l.get("kind") == "meta"), {})
    runs = [l for l in lines if "system" in l]
    if not runs:
        fail("no runs")
    verdicts = append_tables([r for r in runs if r["workload"] == "append"])
    verdicts.update(experiment_tables([r for r in runs if r["workload"] == "experiment"]))

    print("Acceptance (issue 7):")
    if "rows_per_s" in verdicts:
        batch, med, low = verdicts["rows_per_s"]
        ok = "yes" if med >= TARGET_ROWS_PER_S else "**NO**"
        print(f"- ≥ {TARGET_ROWS_PER_S:,} observation rows/s into PostgreSQL: {ok} —"
              f" {med:,.0f} rows/s (median; slowest round {low:,.0f}) at {batch:,} rows per call")
    for key, what in (("append_ratio", "rows/s against Optuna's fastest way"),
                      ("experiment_ratio", "a whole experiment's store traffic")):
        if key in verdicts:
            ratio, low = verdicts[key]
            ok = "yes" if ratio >= TARGET_RATIO else "**NO**"
            print(f"- ≥ {TARGET_RATIO:g}× Optuna's RDBStorage, {what}: {ok} — {ratio_fmt(ratio)}"
                  f" (lowest round {ratio_fmt(low)})")
    print()
    print(tree_line(meta, folder="db"))
    print(f"PostgreSQL {meta.get('postgresql')} ({meta.get('postgresql_settings')});"
          f" Optuna {meta.get('optuna')}, SQLAlchemy {meta.get('sqlalchemy')}, psycopg2"
          f" {meta.get('psycopg2')}, Python {meta.get('python')}; {meta.get('compiler')},"
          f" {meta.get('build')}; {meta.get('nproc')} CPUs; load at start"
          f" {meta.get('load_at_start')}")
    phases = phases_line(lines, per_phase=True)
    if phases:
        print(phases)


def main():
    if len(sys.argv) != 3 or sys.argv[1] != "tables":
        sys.exit(__doc__)
    tables(sys.argv[2])


if __name__ == "__main__":
    main()
