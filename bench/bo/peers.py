#!/usr/bin/env python3
"""The peers of tuneup's Bayesian optimisation: scikit-optimize (what Katib's
bayesianoptimization service runs) and Optuna (TPE, GP), on the test problems of
bench/bo/problems.h. Run by bench/bo/run.sh; see bench/README.md, "Bayesian optimisation".

  peers.py quality  [--systems skopt,optuna-tpe,optuna-gp] [--seeds 10] [--trials 50]
                    [--problems branin,mixed] [--skopt-ask katib|plain]
  peers.py latency  [--systems ...] [--sizes 100,300,1000,2000] [--repeats 5]
                    [--skopt-repeats 100:5,300:3,1000:1] [--skopt-max-n 1000] [--katib-max-n 300]
  peers.py versions

quality prints one JSON object per run, in the schema of bench_bo_quality:
  {"system", "problem", "seed", "trials", "best", "regret", "seconds", "trace"}
latency prints one JSON object per (system, n): {"system", "n", "median_seconds", "repeats", ...}
(or {"system", "n", "not_measured": reason} where a limit below skips a size) and, at the end,
the process's peak RSS.

A system that cannot be imported (optuna-gp needs torch and scipy) is skipped with a message on
stderr and a {"system": ..., "skipped": reason} line on stdout, so the caller can tell.
Any other failure raises: no result is made up.
"""

import argparse
import json
import math
import resource
import statistics
import sys
import time
import warnings

# ---------------------------------------------------------------------------------------------
# The five problems. Keep them identical to bench/bo/problems.h (ranges, scales, optima).

BRANIN_MIN = 0.39788735772973816
HARTMANN6_MIN = -3.322368011391339


class Param:
    """One Katib parameter: kind is "double", "int" or "categorical"."""

    def __init__(self, name, kind, low=None, high=None, log=False, choices=None):
        self.name, self.kind, self.low, self.high = name, kind, low, high
        self.log, self.choices = log, choices


def branin(x1, x2):
    b = 5.1 / (4 * math.pi**2)
    c = 5 / math.pi
    t = 1 / (8 * math.pi)
    return (x2 - b * x1 * x1 + c * x1 - 6) ** 2 + 10 * (1 - t) * math.cos(x1) + 10


_H6_ALPHA = (1.0, 1.2, 3.0, 3.2)
_H6_A = ((10, 3, 17, 3.5, 1.7, 8),
         (0.05, 10, 17, 0.1, 8, 14),
         (3, 3.5, 1.7, 10, 17, 8),
         (17, 8, 0.05, 10, 0.1, 14))
_H6_P = ((0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886),
         (0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991),
         (0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650),
         (0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381))


def hartmann6(x):
    total = 0.0
    for alpha, a_row, p_row in zip(_H6_ALPHA, _H6_A, _H6_P):
        inner = sum(a * (xj - p) ** 2 for a, xj, p in zip(a_row, x, p_row))
        total += alpha * math.exp(-inner)
    return -total


def rosenbrock4_log1p(x):
    f = 0.0
    for i in range(3):
        f += 100 * (x[i + 1] - x[i] ** 2) ** 2 + (1 - x[i]) ** 2
    return math.log1p(f)


def ackley5(x):
    d = len(x)
    squares = sum(v * v for v in x)
    cosines = sum(math.cos(2 * math.pi * v) for v in x)
    return -20 * math.exp(-0.2 * math.sqrt(squares / d)) - math.exp(cosines / d) + 20 + math.e


COLOUR_OFFSET = {"red": 0.6, "green": 0.0, "blue": 0.3, "black": 1.0}


def mixed(p):
    lr = math.log10(p["lr"]) + 2.5
    n = int(p["n"]) - 13
    return (lr * lr + branin(15 * p["x1"] - 5, 15 * p["x2"]) / 50 + 0.02 * n * n
            + COLOUR_OFFSET[p["colour"]])


def _xs(p, k):
    return [float(p[f"x{i}"]) for i in range(k)]


PROBLEMS = [
    ("branin", [Param("x1", "double", -5.0, 10.0), Param("x2", "double", 0.0, 15.0)],
     BRANIN_MIN, lambda p: branin(float(p["x1"]), float(p["x2"]))),
    ("hartmann6", [Param(f"x{i}", "double", 0.0, 1.0) for i in range(6)],
     HARTMANN6_MIN, lambda p: hartmann6(_xs(p, 6))),
    ("rosenbrock4_log1p", [Param(f"x{i}", "double", -2.048, 2.048) for i in range(4)],
     0.0, lambda p: rosenbrock4_log1p(_xs(p, 4))),
    ("ackley5", [Param(f"x{i}", "double", -32.768, 32.768) for i in range(5)],
     0.0, lambda p: ackley5(_xs(p, 5))),
    ("mixed", [Param("lr", "double", 1e-4, 0.1, log=True),
               Param("x1", "double", 0.0, 1.0), Param("x2", "double", 0.0, 1.0),
               Param("n", "int", 1, 20),
               Param("colour", "categorical", choices=["red", "green", "blue", "black"])],
     BRANIN_MIN / 50, mixed),
]

# ---------------------------------------------------------------------------------------------
# scikit-optimize, as Katib's skopt suggestion service drives it
# (pkg/suggestion/v1beta1/skopt/{service,base_service}.py, Katib master of 2026-06):
#  - Optimizer(space, base_estimator="GP", n_initial_points=10, acq_func="gp_hedge",
#    acq_optimizer="auto", random_state=<random_state setting>): Katib's defaults.
#  - int -> Integer(min, max); categorical/discrete -> Categorical(list).
#  - double -> Real(min, max, "log-uniform") for EVERY double, whatever the manifest's
#    distribution says. skopt rejects a log-uniform range that contains 0 ("search space should
#    not contain 0 when using log-uniform prior"), so Katib's service fails outright on
#    branin, hartmann6, rosenbrock4_log1p, ackley5 and on x1/x2 of mixed. We therefore map doubles
#    to Real(min, max) (uniform, what the manifests ask for) and only the logUniform lr of mixed
#    to Real(min, max, prior="log-uniform") (which is also what Katib would do for lr).
#  - Each GetSuggestions call tells the newly finished trials (a list of points) and then calls
#    ask(n_points=<current request number>) -- with n_points=1 skopt copies the optimizer (a
#    second GP fit), asks the copy, and tells the copy a constant-liar point (a third fit).
#    --skopt-ask katib does exactly that; --skopt-ask plain (the default, as in run.sh) uses
#    ask() instead, which returns the point computed by the last tell(): skopt's own sequential
#    loop (gp_minimize's). Same model and acquisition, 2-4x cheaper per trial.


def skopt_space(params):
    from skopt.space import Categorical, Integer, Real
    dims = []
    for p in params:
        if p.kind == "double":
            dims.append(Real(p.low, p.high, prior="log-uniform" if p.log else "uniform",
                             name=p.name))
        elif p.kind == "int":
            dims.append(Integer(int(p.low), int(p.high), name=p.name))
        else:
            dims.append(Categorical(list(p.choices), name=p.name))
    return dims


def skopt_optimizer(params, seed):
    from skopt import Optimizer
    return Optimizer(skopt_space(params), base_estimator="GP", n_initial_points=10,
                     acq_func="gp_hedge", acq_optimizer="auto", random_state=seed)


def _skopt_next(opt, how):
    if how == "katib":
        points = opt.ask(n_points=1)
        if len(points) != 1:
            raise RuntimeError(f"skopt ask(n_points=1) returned {len(points)} points")
        return points[0]
    return opt.ask()


def run_skopt(problem, seed, trials, how):
    name, params, optimum, objective = problem
    start = time.perf_counter()
    opt = skopt_optimizer(params, seed)
    best, trace = math.inf, []
    for _ in range(trials):
        x = _skopt_next(opt, how)
        y = objective({p.name: v for p, v in zip(params, x)})
        opt.tell([x], [y])  # Katib tells a list of the new trials
        best = min(best, y)
        trace.append(best)
    return best, trace, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------
# Optuna: TPESampler / GPSampler with their default settings and seed=seed, in-memory storage,
# one trial at a time through ask/tell.


def optuna_sampler(system, seed):
    import optuna
    if system == "optuna-tpe":
        return optuna.samplers.TPESampler(seed=seed)
    return optuna.samplers.GPSampler(seed=seed)


def optuna_suggest(trial, p):
    if p.kind == "double":
        return trial.suggest_float(p.name, p.low, p.high, log=p.log)
    if p.kind == "int":
        return trial.suggest_int(p.name, int(p.low), int(p.high))
    return trial.suggest_categorical(p.name, list(p.choices))


def run_optuna(system, problem, seed, trials):
    import optuna
    name, params, optimum, objective = problem
    start = time.perf_counter()
    study = optuna.create_study(direction="minimize", sampler=optuna_sampler(system, seed))
    best, trace = math.inf, []
    for _ in range(trials):
        trial = study.ask()
        values = {p.name: optuna_suggest(trial, p) for p in params}
        y = objective(values)
        study.tell(trial, y)
        best = min(best, y)
        trace.append(best)
    done = sum(1 for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE)
    if done != trials:
        raise RuntimeError(f"{system}: {done} of {trials} trials completed")
    return best, trace, time.perf_counter() - start


# ---------------------------------------------------------------------------------------------

ALL_SYSTEMS = ["skopt", "optuna-tpe", "optuna-gp"]


def available(system):
    """None if the system can run here, else the reason it cannot."""
    try:
        if system == "skopt":
            import skopt  # noqa: F401
            import sklearn  # noqa: F401
        elif system == "optuna-tpe":
            import optuna  # noqa: F401
        elif system == "optuna-gp":
            import optuna
            import scipy  # noqa: F401
            import torch  # noqa: F401
            optuna.samplers.GPSampler(seed=0)
        else:
            return f"unknown system {system}"
    except Exception as e:  # ImportError and friends: report, do not fake
        return f"{type(e).__name__}: {e}"
    return None


def quiet():
    warnings.filterwarnings("ignore")  # skopt's "evaluated at point before", ExperimentalWarning
    try:
        import optuna
        optuna.logging.set_verbosity(optuna.logging.WARNING)
    except ImportError:
        pass


def select_systems(text):
    systems = [s for s in text.split(",") if s]
    runnable = []
    for s in systems:
        if s not in ALL_SYSTEMS:
            sys.exit(f"peers.py: unknown system {s} (known: {', '.join(ALL_SYSTEMS)})")
        reason = available(s)
        if reason:
            print(f"peers.py: SKIPPING {s}: it cannot be imported here: {reason}", file=sys.stderr)
            print(json.dumps({"system": s, "skipped": reason}), flush=True)
        else:
            runnable.append(s)
    return runnable


def cmd_quality(args):
    quiet()
    systems = select_systems(args.systems)
    only = set(filter(None, args.problems.split(","))) if args.problems else None
    known = {p[0] for p in PROBLEMS}
    if only and not only <= known:
        sys.exit(f"peers.py: unknown problems {sorted(only - known)}")
    for system in systems:
        for problem in PROBLEMS:
            if only and problem[0] not in only:
                continue
            for seed in range(args.seeds):
                if system == "skopt":
                    best, trace, seconds = run_skopt(problem, seed, args.trials, args.skopt_ask)
                else:
                    best, trace, seconds = run_optuna(system, problem, seed, args.trials)
                if len(trace) != args.trials or not math.isfinite(best):
                    raise RuntimeError(f"{system} {problem[0]} seed {seed}: {len(trace)} trials, "
                                       f"best {best}")
                print(json.dumps({"system": system, "problem": problem[0], "seed": seed,
                                  "trials": len(trace), "best": best,
                                  "regret": best - problem[2], "seconds": seconds,
                                  "trace": trace}), flush=True)


# ---------------------------------------------------------------------------------------------
# Latency of one suggestion in 6-D (six uniform doubles in [0, 1], Hartmann-6 on random points),
# shaped like bench_bo_latency: the history holds n - R observations, then R times one more
# observation arrives and one suggestion is asked for; the last of them sees n observations.


def random_points(count, rng):
    return [[float(v) for v in rng.random(6)] for _ in range(count)]


def latency_skopt(n, repeats, rng, katib_path):
    params = [Param(f"x{i}", "double", 0.0, 1.0) for i in range(6)]
    opt = skopt_optimizer(params, 1)
    xs = random_points(n - repeats, rng)
    opt.tell(xs, [hartmann6(x) for x in xs], fit=False)  # no model yet: the first tell fits
    tell_ask, ask_only, katib = [], [], []
    for _ in range(repeats):
        x = random_points(1, rng)[0]
        t0 = time.perf_counter()
        opt.tell(x, hartmann6(x))  # skopt refits the GP and optimises the acquisition here
        t1 = time.perf_counter()
        proposal = opt.ask()  # returns the point the tell computed
        t2 = time.perf_counter()
        if len(proposal) != 6:
            raise RuntimeError("skopt ask() returned a malformed point")
        tell_ask.append(t2 - t0)
        ask_only.append(t2 - t1)
        if katib_path:
            t3 = time.perf_counter()
            _skopt_next(opt, "katib")  # copy + fit, ask, constant-liar tell + fit
            katib.append((t1 - t0) + (time.perf_counter() - t3))
    out = [("skopt-tell+ask", tell_ask, "Optimizer.tell(new point) then ask()"),
           ("skopt-ask", ask_only, "Optimizer.ask() after the tell (a cached point)")]
    if katib_path:
        out.append(("skopt-katib", katib,
                    "tell(new point) then ask(n_points=1), what Katib's service calls"))
    return out


def latency_optuna(system, n, repeats, rng):
    import optuna
    from optuna.distributions import FloatDistribution
    dists = {f"x{i}": FloatDistribution(0.0, 1.0) for i in range(6)}
    study = optuna.create_study(direction="minimize", sampler=optuna_sampler(system, 1))
    xs = random_points(n - repeats + 1, rng)
    study.add_trials([optuna.trial.create_trial(params={f"x{i}": v for i, v in enumerate(x)},
                                                distributions=dists, value=hartmann6(x))
                      for x in xs])
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        trial = study.ask()
        x = [trial.suggest_float(f"x{i}", 0.0, 1.0) for i in range(6)]  # samplers work lazily
        times.append(time.perf_counter() - t0)
        study.tell(trial, hartmann6(x))  # the history grows by one, as in a run
    return [(system, times, "study.ask() + 6 suggest_float, with n completed trials")]


def parse_repeats(text, default):
    table = {}
    for item in filter(None, text.split(",")):
        k, v = item.split(":")
        table[int(k)] = int(v)
    return lambda n: table.get(n, default)


def cmd_latency(args):
    quiet()
    import numpy as np
    systems = select_systems(args.systems)
    sizes = [int(s) for s in args.sizes.split(",") if s]
    skopt_repeats = parse_repeats(args.skopt_repeats, args.repeats)
    for system in systems:
        for n in sizes:
            rng = np.random.default_rng(42)
            if system == "skopt":
                if n > args.skopt_max_n:
                    for name in ("skopt-tell+ask", "skopt-ask", "skopt-katib"):
                        print(json.dumps({"system": name, "n": n, "not_measured":
                                          f"n > --skopt-max-n {args.skopt_max_n}: too slow"}),
                              flush=True)
                    continue
                r = skopt_repeats(n)
                katib = n <= args.katib_max_n
                results = latency_skopt(n, r, rng, katib)
                if not katib:
                    print(json.dumps({"system": "skopt-katib", "n": n, "not_measured":
                                      f"n > --katib-max-n {args.katib_max_n}: too slow"}),
                          flush=True)
            else:
                r = args.repeats
                results = latency_optuna(system, n, r, rng)
            for name, times, what in results:
                if len(times) != r:
                    raise RuntimeError(f"{name} n={n}: {len(times)} of {r} repeats")
                print(json.dumps({"system": name, "n": n,
                                  "median_seconds": statistics.median(times), "repeats": r,
                                  "max_seconds": max(times), "times": times, "what": what}),
                      flush=True)
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"system": ",".join(systems), "peak_rss_mb": rss_mb,
                      "max_n": max(sizes) if sizes else 0,
                      "what": "peak RSS of this peers.py process (interpreter and imports too)"}),
          flush=True)


def cmd_versions(_args):
    import importlib.metadata as md
    import os
    import platform
    out = {"python": platform.python_version(), "python_executable": sys.executable}
    for pkg in ["scikit-optimize", "scikit-learn", "scipy", "numpy", "optuna", "torch"]:
        try:
            out[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            out[pkg] = None
    try:
        import numpy  # noqa: F401  (loads its BLAS, so that threadpoolctl sees it)
        import sklearn  # noqa: F401
        import threadpoolctl
        out["blas"] = [{k: i.get(k) for k in ("internal_api", "version", "num_threads")}
                       for i in threadpoolctl.threadpool_info()]
    except Exception as e:
        out["blas"] = f"unknown ({type(e).__name__})"
    try:
        import torch
        out["torch_threads"] = torch.get_num_threads()
    except Exception:
        pass
    out["nproc"] = os.cpu_count()
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="mode", required=True)
    q = sub.add_parser("quality")
    q.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    q.add_argument("--seeds", type=int, default=10)
    q.add_argument("--trials", type=int, default=50)
    q.add_argument("--problems", default="")
    q.add_argument("--skopt-ask", choices=["katib", "plain"], default="plain")
    q.set_defaults(func=cmd_quality)
    lat = sub.add_parser("latency")
    lat.add_argument("--systems", default=",".join(ALL_SYSTEMS))
    lat.add_argument("--sizes", default="100,300,1000,2000")
    lat.add_argument("--repeats", type=int, default=5)
    lat.add_argument("--skopt-repeats", default="100:5,300:3,1000:1",
                     help="n:R,... repeats of the (slow) skopt measurements per n")
    lat.add_argument("--skopt-max-n", type=int, default=1000,
                     help="skip skopt above this n (one tell at n=1000 takes minutes)")
    lat.add_argument("--katib-max-n", type=int, default=300,
                     help="time skopt's tell + ask(n_points=1) (Katib's calls) up to this n")
    lat.set_defaults(func=cmd_latency)
    v = sub.add_parser("versions")
    v.set_defaults(func=cmd_versions)
    args = ap.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
