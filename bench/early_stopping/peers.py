#!/usr/bin/env python3
"""Optuna's pruners on the synthetic learning curves of bench/early_stopping/curves.h, the peers of
tuneup's hyperband, asha and early stoppers. Run by bench/early_stopping/run.sh; see
bench/README.md, "Hyperband, ASHA and early stopping".

  peers.py run      [--systems optuna-random+hyperband,...] [--R 27,81] [--seeds 30]
                    [--seed-list 3,7]
  peers.py check    < dump.jsonl     (bench_early_stopping --dump: the same curves, to 1e-12)
  peers.py describe [--R 27,81]      the budget and the stored minima
  peers.py replay   < trace.jsonl    (bench_early_stopping --systems=random+successivehalving
                                     --trace 2>&1 >/dev/null): runs tuneup's configurations, in
                                     its order, through Optuna's SuccessiveHalvingPruner and
                                     checks that the same trials stop at the same epochs
  peers.py versions

run prints one JSON object per (system, R, seed), in the schema of bench_early_stopping:
  {"system", "R", "seed", "budget", "epochs_used", "trials", "full_budget_trials",
   "stopped_trials", "fallback", "objective", "seconds", "chosen", "chosen_objective",
   "chosen_loss", "regret"}
Systems: optuna-<sampler>+<pruner>, sampler random (RandomSampler(seed)) or tpe
(TPESampler(seed), defaults), pruner hyperband (HyperbandPruner(min_resource=1,
max_resource=R, reduction_factor=3)), successivehalving (SuccessiveHalvingPruner(min_resource=1,
reduction_factor=3); min_early_stopping_rate 0, bootstrap_count 0 by default), median
(MedianPruner() with Optuna's defaults: n_startup_trials=5, n_warmup_steps=0, interval_steps=1,
n_min_trials=1) or nop (NopPruner: no pruning, the baseline).

A system that cannot be imported is skipped with a message on stderr and a
{"system": ..., "skipped": reason} line on stdout. Any other failure raises: no result is made up.
"""

import argparse
import json
import math
import sys
import time

# ---------------------------------------------------------------------------------------------
# The curve family. Keep it identical to bench/early_stopping/curves.h (formulas, order of the
# floating-point operations, the noise hash): `peers.py check` compares the two to 1e-12.

ACTIVATIONS = ["relu", "tanh", "sigmoid"]
LR_MIN, LR_MAX = 1e-4, 1.0
WIDTH_MIN, WIDTH_MAX, WIDTH_STEP = 16, 256, 16
DROPOUT_MIN, DROPOUT_MAX = 0.0, 0.5
ETA = 3

# The minimum of the noise-free loss at epoch R over the whole space (curves.h's MinimumAt, which
# `bench_early_stopping --describe` recomputes and checks; `check` compares these with it).
KNOWN_MINIMUM = {27: 0.23263877001603014, 81: 0.1910917731557393}

_OFFSET = (0.03, 0.0, 0.08)
_SPEED = (1.0, 0.8, 0.9)
_GAP = (0.0, 0.4, 0.6)
MASK = (1 << 64) - 1


def shape(lr, width, activation, dropout):
    """(L, A, b) of a configuration; activation is an index into ACTIVATIONS."""
    u = math.log10(lr)
    w = math.log2(width / 16.0) / 4
    a = activation
    d = dropout
    limit = (0.10 + 0.04 * (u + 2.6) * (u + 2.6) + 0.12 * (w - 0.85) * (w - 0.85) + _OFFSET[a]
             + 0.6 * (d - 0.25) * (d - 0.25))
    speed = 1 / (1 + math.exp(-2 * (u + 2))) * _SPEED[a]
    rate = 0.3 + 0.9 * speed
    gap = 0.3 + (1 - speed) + 0.6 * w + _GAP[a] + d
    return limit, gap, rate


def clean(s, t):
    limit, gap, rate = s
    return limit + gap * math.pow(t, -rate)


def noise_sd(s, t):
    _, gap, rate = s
    return 0.01 + 0.05 * gap * math.pow(t, -rate)


def mix(z):
    z = (z + 0x9E3779B97F4A7C15) & MASK
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
    return z ^ (z >> 31)


def key(lr, width, activation, dropout):
    return "lr=%.17g;width=%d;activation=%s;dropout=%.17g" % (lr, width, ACTIVATIONS[activation],
                                                               dropout)


def fnv1a(text):
    h = 0xCBF29CE484222325
    for c in text.encode():
        h ^= c
        h = (h * 0x100000001B3) & MASK
    return h


def normal(base, t):
    u1 = (float(mix((base + 2 * t) & MASK) >> 11) + 1) * 2.0**-53
    u2 = float(mix((base + 2 * t + 1) & MASK) >> 11) * 2.0**-53
    return math.sqrt(-2 * math.log(u1)) * math.cos(2 * math.pi * u2)


class Curve:
    def __init__(self, config, seed):
        self.shape = shape(*config)
        self.base = mix(fnv1a(key(*config)) ^ mix(seed & MASK))

    def observed(self, t):
        return clean(self.shape, t) + noise_sd(self.shape, t) * normal(self.base, t)

    def clean(self, t):
        return clean(self.shape, t)


def hyperband_budget(R, eta=ETA):
    """Epochs of one full Hyperband pass (suggestion/hyperband_schedule.h), for an integer R."""
    s_max, power = 0, eta
    while power <= R * (1 + 1e-12):
        s_max += 1
        power *= eta
    total = 0
    for s in range(s_max, -1, -1):
        n = ((s_max + 1) * eta**s + s) // (s + 1)
        for i in range(s + 1):
            total += (n // eta**i) * round(R / eta**(s - i))
    return total


def config_json(config):
    lr, width, activation, dropout = config
    return {"lr": lr, "width": width, "activation": ACTIVATIONS[activation], "dropout": dropout}


# ---------------------------------------------------------------------------------------------
# Optuna


SAMPLERS = ["random", "tpe"]
PRUNERS = ["hyperband", "successivehalving", "median", "nop"]
ALL_SYSTEMS = [f"optuna-{s}+{p}" for s in SAMPLERS for p in PRUNERS]


def make_pruner(name, R):
    import optuna
    if name == "hyperband":
        return optuna.pruners.HyperbandPruner(min_resource=1, max_resource=R, reduction_factor=3)
    if name == "successivehalving":
        return optuna.pruners.SuccessiveHalvingPruner(min_resource=1, reduction_factor=3)
    if name == "median":
        return optuna.pruners.MedianPruner()
    return optuna.pruners.NopPruner()


def make_sampler(name, seed):
    import optuna
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    return optuna.samplers.TPESampler(seed=seed)


def run_optuna(system, R, seed, budget):
    import optuna
    sampler_name, pruner_name = system[len("optuna-"):].split("+")
    start = time.perf_counter()
    # A fixed study name: HyperbandPruner assigns trials to brackets by a hash of the study's name
    # and the trial number, so a generated (random) name would make runs irreproducible.
    study = optuna.create_study(direction="minimize", sampler=make_sampler(sampler_name, seed),
                                pruner=make_pruner(pruner_name, R),
                                study_name=f"early-stopping-R{R}-seed{seed}")
    used = 0
    configs = {}

    def objective(trial):
        nonlocal used
        config = (trial.suggest_float("lr", LR_MIN, LR_MAX, log=True),
                  trial.suggest_int("width", WIDTH_MIN, WIDTH_MAX, step=WIDTH_STEP),
                  ACTIVATIONS.index(trial.suggest_categorical("activation", ACTIVATIONS)),
                  trial.suggest_float("dropout", DROPOUT_MIN, DROPOUT_MAX))
        configs[trial.number] = config
        curve = Curve(config, seed)
        value = None
        for t in range(1, R + 1):
            value = curve.observed(t)
            used += 1
            trial.report(value, t)
            if trial.should_prune():
                raise optuna.TrialPruned()
        return value

    def stop_at_budget(study, _trial):
        if used >= budget:
            study.stop()

    study.optimize(objective, n_jobs=1, callbacks=[stop_at_budget], catch=())
    seconds = time.perf_counter() - start

    states = optuna.trial.TrialState
    trials = study.trials
    complete = [t for t in trials if t.state == states.COMPLETE]
    pruned = [t for t in trials if t.state == states.PRUNED]
    if len(complete) + len(pruned) != len(trials):
        raise RuntimeError(f"{system} R={R} seed={seed}: trials neither complete nor pruned: "
                           f"{[t.state for t in trials]}")
    epochs = sum(len(t.intermediate_values) for t in trials)
    if epochs != used:
        raise RuntimeError(f"{system}: counted {used} epochs, the trials reported {epochs}")
    fallback = not complete
    if complete:
        best = study.best_trial  # the best COMPLETE trial
        chosen, chosen_value = best.number, best.value
    else:  # none trained to R: the best last reported value of any trial (flagged)
        last = [(t.intermediate_values[t.last_step], t.number) for t in pruned if t.last_step]
        chosen_value, chosen = min(last) if last else (None, None)
    out = {"system": system, "R": R, "seed": seed, "budget": budget, "epochs_used": used,
           "trials": len(trials), "full_budget_trials": len(complete),
           "stopped_trials": len(pruned), "fallback": fallback, "objective": "last",
           "seconds": seconds}
    if chosen is not None:
        loss = clean(shape(*configs[chosen]), R)
        out.update({"chosen": config_json(configs[chosen]), "chosen_objective": chosen_value,
                    "chosen_loss": loss, "regret": loss - KNOWN_MINIMUM[R]})
    return out


def available():
    try:
        import optuna  # noqa: F401
    except Exception as e:  # ImportError and friends: report, do not fake
        return f"{type(e).__name__}: {e}"
    return None


def cmd_run(args):
    import warnings
    warnings.filterwarnings("ignore")  # ExperimentalWarning and friends
    systems = [s for s in args.systems.split(",") if s]
    for s in systems:
        if s not in ALL_SYSTEMS:
            sys.exit(f"peers.py: unknown system {s} (known: {', '.join(ALL_SYSTEMS)})")
    Rs = [int(r) for r in args.R.split(",") if r]
    for R in Rs:
        if R not in KNOWN_MINIMUM:
            sys.exit(f"peers.py: no stored minimum for R={R} (known: {sorted(KNOWN_MINIMUM)})")
    reason = available()
    if reason:
        for s in systems:
            print(f"peers.py: SKIPPING {s}: optuna cannot be imported here: {reason}",
                  file=sys.stderr)
            print(json.dumps({"system": s, "skipped": reason}), flush=True)
        return
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = ([int(s) for s in args.seed_list.split(",") if s] if args.seed_list
             else range(args.seeds))
    for R in Rs:
        budget = hyperband_budget(R)
        for system in systems:
            for seed in seeds:
                print(json.dumps(run_optuna(system, R, seed, budget)), flush=True)


def cmd_check(_args):
    """Compares bench_early_stopping --dump (stdin) with this file's curves."""
    worst, curves, minima = 0.0, 0, 0
    failures = []
    for line in sys.stdin:
        if not line.strip():
            continue
        d = json.loads(line)
        if "minimum" in d:
            R = d["R"]
            at = d["at"]
            config = (at["lr"], at["width"], ACTIVATIONS.index(at["activation"]), at["dropout"])
            here = clean(shape(*config), R)
            for what, value in (("stored minimum", KNOWN_MINIMUM.get(R)),
                                ("loss at the harness's argmin", here)):
                if value is None or abs(value - d["minimum"]) > 1e-12 * abs(d["minimum"]):
                    failures.append(f"R={R}: {what} {value!r}, harness {d['minimum']!r}")
            if hyperband_budget(R) != d["budget"]:
                failures.append(f"R={R}: budget {hyperband_budget(R)}, harness {d['budget']}")
            minima += 1
            continue
        c = d["config"]
        config = (c["lr"], c["width"], ACTIVATIONS.index(c["activation"]), c["dropout"])
        if key(*config) != d["key"]:
            failures.append(f"key {key(*config)!r} != harness {d['key']!r}")
        curve = Curve(config, d["seed"])
        for t, (obs, cl) in enumerate(zip(d["observed"], d["clean"]), start=1):
            for here, there in ((curve.observed(t), obs), (curve.clean(t), cl)):
                rel = abs(here - there) / max(abs(there), 1e-300)
                worst = max(worst, rel)
                if rel > 1e-12:
                    failures.append(f"{d['key']} seed {d['seed']} epoch {t}: {here!r} vs {there!r}")
        curves += 1
    if curves == 0 or minima == 0:
        failures.append(f"nothing to compare ({curves} curves, {minima} minima)")
    for f in failures[:20]:
        print(f"peers.py check: MISMATCH {f}", file=sys.stderr)
    if failures:
        sys.exit(1)
    print(f"peers.py check: {curves} curves x 81 epochs and {minima} minima agree with the "
          f"harness (largest relative difference {worst:.1e})")


def cmd_replay(_args):
    """tuneup's successivehalving stopper and Optuna's SuccessiveHalvingPruner, same trials."""
    import warnings
    warnings.filterwarnings("ignore")
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    runs = {}
    for line in sys.stdin:
        if line.strip():
            d = json.loads(line)
            if d["system"] != "tuneup-random+successivehalving":
                sys.exit("peers.py replay: expected tuneup-random+successivehalving lines, got "
                         f"{d['system']}")
            runs.setdefault((d["R"], d["seed"]), []).append(d)
    differ = 0
    for (R, seed), trials in sorted(runs.items()):
        study = optuna.create_study(direction="minimize",
                                    pruner=make_pruner("successivehalving", R))
        for t in trials:
            study.enqueue_trial({k: t["config"][k] for k in ("lr", "width", "activation",
                                                              "dropout")})

        def objective(trial):
            config = (trial.suggest_float("lr", LR_MIN, LR_MAX, log=True),
                      trial.suggest_int("width", WIDTH_MIN, WIDTH_MAX, step=WIDTH_STEP),
                      ACTIVATIONS.index(trial.suggest_categorical("activation", ACTIVATIONS)),
                      trial.suggest_float("dropout", DROPOUT_MIN, DROPOUT_MAX))
            curve = Curve(config, seed)
            value = None
            for t in range(1, R + 1):
                value = curve.observed(t)
                trial.report(value, t)
                if trial.should_prune():
                    raise optuna.TrialPruned()
            return value

        study.optimize(objective, n_trials=len(trials))
        theirs = [(len(t.intermediate_values), t.state.name == "PRUNED") for t in study.trials]
        ours = [(t["epochs"], t["status"] == "EarlyStopped") for t in trials]
        if theirs != ours:
            differ += 1
            k = next(i for i, (a, b) in enumerate(zip(ours, theirs)) if a != b)
            print(f"peers.py replay: R={R} seed {seed}: trial {k}: tuneup {ours[k]}, "
                  f"Optuna {theirs[k]} (epochs, stopped)", file=sys.stderr)
    print(f"peers.py replay: {len(runs) - differ} of {len(runs)} runs identical (the same trials "
          "stopped at the same epochs)")
    if differ:
        sys.exit(1)


def cmd_describe(args):
    for R in [int(r) for r in args.R.split(",") if r]:
        budget = hyperband_budget(R)
        print(f"R = {R}: budget {budget} epochs, stored minimum {KNOWN_MINIMUM.get(R)!r}")


def cmd_versions(_args):
    import importlib.metadata as md
    import os
    import platform
    out = {"python": platform.python_version(), "python_executable": sys.executable}
    for pkg in ["optuna", "numpy", "scipy", "sqlalchemy"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    out["nproc"] = os.cpu_count()
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    r = sub.add_parser("run")
    r.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    r.add_argument("--R", default="27")
    r.add_argument("--seeds", type=int, default=30)
    r.add_argument("--seed-list", default="", help="comma-separated seeds (overrides --seeds)")
    r.set_defaults(func=cmd_run)
    c = sub.add_parser("check")
    c.set_defaults(func=cmd_check)
    rp = sub.add_parser("replay")
    rp.set_defaults(func=cmd_replay)
    d = sub.add_parser("describe")
    d.add_argument("--R", default="27,81")
    d.set_defaults(func=cmd_describe)
    v = sub.add_parser("versions")
    v.set_defaults(func=cmd_versions)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
