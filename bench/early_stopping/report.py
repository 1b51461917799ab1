#!/usr/bin/env python3
"""Tables of the early-stopping benchmark (bench/early_stopping/run.sh) from its JSON lines.

  report.py tables RESULTS.jsonl

Per R and system: mean and median regret over seeds (with a bootstrap 95% interval of the mean),
mean epochs used / budget, trials, full-budget trials, stopped trials, runs that fell back to a
configuration not trained to R; then the ratios of each tuneup system's mean regret to Optuna's
HyperbandPruner (random and TPE samplers), each with a bootstrap 95% interval (seeds resampled
independently for the two systems, 10,000 resamples, a fixed seed per interval).
"""

import json
import random
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from markdown_table import table  # noqa: E402  (bench/markdown_table.py)
from run_metadata import phases_line, tree_line  # noqa: E402  (bench/run_metadata.py)

TUNEUP_ORDER = ["tuneup-hyperband", "tuneup-hyperband-bo", "tuneup-asha",
                "tuneup-hyperband-resume", "tuneup-hyperband-bo-resume", "tuneup-asha-resume",
                "tuneup-random+successivehalving",
                "tuneup-random+medianstop", "tuneup-random"]
OPTUNA_ORDER = [f"optuna-{s}+{p}" for s in ("random", "tpe")
                for p in ("hyperband", "successivehalving", "median", "nop")]
REFERENCES = ["optuna-random+hyperband", "optuna-tpe+hyperband"]
RESAMPLES = 10_000


def fail(message):
    sys.exit(f"report.py: FAILED: {message}")


def fmt(x):
    if x is None:
        return "–"
    if x == 0:
        return "0"
    return f"{x:.3g}" if abs(x) >= 1e-3 else f"{x:.2e}"


def bootstrap_mean(values, label):
    rng = random.Random(label)  # one stream per interval: the same interval wherever it is printed
    n = len(values)
    means = sorted(statistics.fmean(rng.choices(values, k=n)) for _ in range(RESAMPLES))
    return means[int(0.025 * RESAMPLES)], means[int(0.975 * RESAMPLES) - 1]


def bootstrap_ratio(a, b, label):
    rng = random.Random(label)
    ratios = sorted(statistics.fmean(rng.choices(a, k=len(a))) /
                    statistics.fmean(rng.choices(b, k=len(b))) for _ in range(RESAMPLES))
    return ratios[int(0.025 * RESAMPLES)], ratios[int(0.975 * RESAMPLES) - 1]


def tables(path):
    lines = [json.loads(l) for l in open(path) if l.strip()]
    runs = [l for l in lines if "epochs_used" in l]
    skipped = [l for l in lines if "skipped" in l]
    meta = next((l for l in lines if l.get("kind") == "meta"), {})
    no_regret = [l for l in runs if "regret" not in l]
    if no_regret:
        fail(f"{len(no_regret)} runs chose nothing, e.g. {no_regret[0]}")
    by = {}
    for r in runs:
        by.setdefault((r["R"], r["system"]), []).append(r)
    for R in sorted({r["R"] for r in runs}):
        systems = [s for s in TUNEUP_ORDER + OPTUNA_ORDER if (R, s) in by]
        systems += sorted({s for (r, s) in by if r == R} - set(systems))
        seeds = {s: len(by[(R, s)]) for s in systems}
        if len(set(seeds.values())) > 1:
            fail(f"R={R}: uneven number of seeds per system: {seeds}")
        n = next(iter(seeds.values()))
        budget = by[(R, systems[0])][0]["budget"]
        print(f"R = {R}: budget B = {budget} epochs (one full Hyperband pass, eta 3), {n} seeds;"
              f" regret = noise-free loss at epoch {R} of the chosen configuration - the minimum"
              " (lower is better)")
        print()
        header = ["system", "mean regret [95% CI]", "median", "epochs used / B", "trials",
                  "full-budget trials", "stopped", "fallbacks", "s/run"]
        rows = []
        for s in systems:
            v = by[(R, s)]
            regret = [x["regret"] for x in v]
            lo, hi = bootstrap_mean(regret, f"{R} {s}")
            used = statistics.fmean(x["epochs_used"] for x in v)
            rows.append([s, f"{fmt(statistics.fmean(regret))} [{fmt(lo)}, {fmt(hi)}]",
                         fmt(statistics.median(regret)),
                         f"{used:.0f} / {budget} ({used / budget:.3f})",
                         f"{statistics.fmean(x['trials'] for x in v):.1f}",
                         f"{statistics.fmean(x['full_budget_trials'] for x in v):.1f}",
                         f"{statistics.fmean(x['stopped_trials'] for x in v):.1f}",
                         str(sum(1 for x in v if x["fallback"])),
                         fmt(statistics.fmean(x["seconds"] for x in v))])
        table(header, rows, ["l", "r", "r", "r", "r", "r", "r", "r", "r"])
        print()
        refs = [ref for ref in REFERENCES if (R, ref) in by]
        for s in [s for s in systems if s.startswith("tuneup-")]:
            t = [x["regret"] for x in by[(R, s)]]
            for ref in refs:
                o = [x["regret"] for x in by[(R, ref)]]
                ratio = statistics.fmean(t) / statistics.fmean(o)
                lo, hi = bootstrap_ratio(t, o, f"{R} {s} {ref}")
                median_ratio = statistics.median(t) / statistics.median(o)
                print(f"R={R}: {s} / {ref}: mean regret ratio {ratio:.2f} [95% CI {lo:.2f}, "
                      f"{hi:.2f}], median ratio {median_ratio:.2f}")
        if refs:
            print()
        for s in TUNEUP_ORDER[:6]:  # the Hyperband and ASHA systems
            if (R, s) not in by:
                continue
            tv = [x["regret"] for x in by[(R, s)]]
            t = statistics.fmean(tv)
            for ref in refs:
                ov = [x["regret"] for x in by[(R, ref)]]
                o = statistics.fmean(ov)
                lo, hi = bootstrap_ratio(tv, ov, f"{R} {s} {ref}")
                if t <= o:
                    verdict = "equal or better: HOLDS"
                elif lo <= 1:
                    verdict = (f"worse by the mean, but within noise (ratio {t / o:.2f}, 95% CI "
                               f"{lo:.2f}-{hi:.2f} contains 1): equal")
                else:
                    verdict = f"worse (ratio {t / o:.2f}, 95% CI {lo:.2f}-{hi:.2f}): does NOT hold"
                print(f"R={R}: acceptance ({s} mean regret <= {ref}): {fmt(t)} vs {fmt(o)}: "
                      f"{verdict}")
        if refs:
            print()
    for s in skipped:
        print(f"SKIPPED {s['system']}{' R=' + str(s['R']) if 'R' in s else ''}: {s['skipped']}")
    hb = [r for r in runs if r["system"] == "tuneup-hyperband"]
    if hb and not all(r.get("exhausted") for r in hb):
        print("NOTE: tuneup-hyperband did not end by itself (exhausted) in "
              f"{sum(1 for r in hb if not r.get('exhausted'))} runs")
    if meta:
        v = meta.get("versions", {})
        print("versions: " + ", ".join(f"{k} {v[k]}" for k in ("python", "optuna", "numpy")
                                        if v.get(k)))
        print(tree_line(meta))
    if phases := phases_line(lines, per_phase=True):
        print(phases)


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "tables":
        tables(sys.argv[2])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
