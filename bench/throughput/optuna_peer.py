"""Optuna + SQLite peer of the throughput benchmark (bench/throughput/run.sh runs it).

400 trials, 8 threads (n_jobs=8), RandomSampler with a seed, the study in a fresh SQLite file;
each trial runs bench/throughput/trial.sh X Y as a subprocess and parses its `loss=` line.
Prints one JSON line with the counts and timings (the harness also times the whole process).
"""

import time

_SCRIPT_START = time.perf_counter()  # before the imports: "process" time includes importing optuna

import argparse
import json
import os
import subprocess
import sys
import tempfile

import optuna
from optuna.samplers import RandomSampler
from optuna.trial import TrialState

HERE = os.path.dirname(os.path.abspath(__file__))
TRIAL = os.path.join(HERE, "trial.sh")


def parse_loss(stdout: bytes) -> float:
    for line in stdout.decode().splitlines():
        if line.startswith("loss="):
            return float(line[len("loss="):])
    raise RuntimeError(f"trial printed no loss=: {stdout!r}")


def objective(trial: optuna.Trial) -> float:
    x = trial.suggest_float("x", 0.0, 1.0)
    y = trial.suggest_float("y", 0.0, 1.0)
    result = subprocess.run([TRIAL, str(x), str(y)], capture_output=True, check=True)
    return parse_loss(result.stdout)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--jobs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--dir", help="directory for optuna.db (default: a fresh temp dir)")
    args = parser.parse_args()

    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no INFO line per trial
    directory = args.dir or tempfile.mkdtemp(prefix="optuna-throughput-")
    storage = "sqlite:///" + os.path.join(directory, "optuna.db")

    t_study = time.perf_counter()
    study = optuna.create_study(storage=storage, direction="minimize",
                                sampler=RandomSampler(seed=args.seed))
    t0 = time.perf_counter()
    study.optimize(objective, n_trials=args.trials, n_jobs=args.jobs)
    t1 = time.perf_counter()

    completed = len(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)))
    total = len(study.get_trials(deepcopy=False))
    optimize_s = t1 - t0
    process_s = time.perf_counter() - _SCRIPT_START
    print(json.dumps({
        "system": "optuna",
        "version": optuna.__version__,
        "storage": storage,
        "trials_completed": completed,
        "trials_total": total,
        "best_loss": study.best_value if completed else None,
        "optimize_s": optimize_s,
        "create_study_plus_optimize_s": t1 - t_study,
        "script_s": process_s,
        "trials_per_s_optimize": completed / optimize_s,
        "trials_per_s_script": completed / process_s,
    }))
    return 0 if completed == args.trials else 1


if __name__ == "__main__":
    sys.exit(main())
