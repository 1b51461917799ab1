"""Optuna's RDBStorage peer of the PostgreSQL store benchmark (bench/pg_store/run.sh runs it
beside bench_pg_store, tuneup's PostgresStore, on the same server; bench/README.md,
"PostgreSQL store").

  optuna_peer.py report URL ROWS TRIALS [ROUND]
      Intermediate values one at a time: TRIALS trials from study.ask() (untimed), then ROWS
      calls of trial.report(value, step), call i on trial i % TRIALS (Optuna's only way to store
      an intermediate value of a running trial; one transaction per value). Timed: the calls.
  optuna_peer.py add URL ROWS BATCH [ROUND]
      Intermediate values in bulk: ROWS / BATCH calls of study.add_trial(create_trial(...)), each
      a finished trial carrying BATCH intermediate values, written by RDBStorage in one
      transaction (Optuna's only way to store several intermediate values in one transaction).
      Timed: the calls.
  optuna_peer.py experiment URL TRIALS VALUES [ROUND]
      A whole study, as study.optimize() would drive it with an objective that reports VALUES
      values: create_study; per trial study.ask(), two suggest_float (the same two parameters as
      tuneup's trials), VALUES x trial.report(value, step), study.tell(trial, objective).
      Timed: all of it, and each kind of call on its own.

The URL is a SQLAlchemy URL (postgresql+psycopg2://...) of a fresh database; RDBStorage(URL),
which connects and creates Optuna's tables, is timed apart and not counted. The storage is used
as create_study(storage=URL) uses it: RDBStorage wrapped in Optuna's _CachedStorage. Afterwards,
untimed, the rows of trial_intermediate_values are counted; exits 1 unless all are there.
Prints one JSON line.
"""

import json
import random
import sys
import time
from collections import defaultdict

import optuna
import sqlalchemy
from optuna.distributions import FloatDistribution
from optuna.samplers import RandomSampler
from optuna.storages import RDBStorage
from optuna.trial import TrialState, create_trial


def fail(message):
    sys.exit(f"optuna_peer.py: FAILED: {message}")


def open_storage(url):
    start = time.perf_counter()
    storage = RDBStorage(url)
    return storage, time.perf_counter() - start


def study_of(storage):
    # A seeded RandomSampler: sampling costs next to nothing, so the study's time is its storage's.
    return optuna.create_study(storage=storage, study_name="pg-store", direction="minimize",
                               sampler=RandomSampler(seed=42))


def loss(step, rng):
    """A loss curve with full-precision values, as bench_pg_store writes."""
    return 1.0 / (1.0 + 0.1 * step) * rng.uniform(0.9, 1.1)


def stored_rows(storage):
    with storage.engine.connect() as connection:
        return connection.execute(
            sqlalchemy.text("SELECT count(*) FROM trial_intermediate_values")).scalar_one()


def percentiles(seconds):
    seconds = sorted(seconds)

    def at(q):
        return seconds[min(len(seconds) - 1, int(q * len(seconds)))] * 1e3
    return {"p50": at(0.5), "p90": at(0.9), "p99": at(0.99), "max": seconds[-1] * 1e3}


def report(url, rows, trial_count, rnd):
    storage, open_s = open_storage(url)
    study = study_of(storage)
    trials = [study.ask() for _ in range(trial_count)]
    rng = random.Random(42)
    steps = [0] * trial_count
    values = []
    for i in range(rows):  # made beforehand, so that only the storage is timed
        t = i % trial_count
        values.append((trials[t], loss(steps[t], rng), steps[t]))
        steps[t] += 1
    call_s = []
    start = time.perf_counter()
    for trial, value, step in values:
        call_start = time.perf_counter()
        trial.report(value, step)
        call_s.append(time.perf_counter() - call_start)
    seconds = time.perf_counter() - start
    if stored_rows(storage) != rows:
        fail(f"{stored_rows(storage)} intermediate values stored, {rows} reported")
    return {"workload": "append", "method": "trial.report", "round": rnd, "rows": rows,
            "batch": 1, "calls": rows, "trials": trial_count, "seconds": seconds,
            "rows_per_s": rows / seconds, "call_ms": percentiles(call_s), "open_seconds": open_s}


def add(url, rows, batch, rnd):
    storage, open_s = open_storage(url)
    study = study_of(storage)
    rng = random.Random(42)
    distributions = {"lr": FloatDistribution(1e-4, 1e-1, log=True),
                     "momentum": FloatDistribution(0.0, 1.0)}
    made = []
    for first in range(0, rows, batch):  # made beforehand, so that only the storage is timed
        n = min(batch, rows - first)
        intermediate = {step: loss(step, rng) for step in range(n)}
        made.append(create_trial(state=TrialState.COMPLETE, value=min(intermediate.values()),
                                 params={"lr": 1e-4 * 1e3 ** rng.random(),
                                         "momentum": rng.random()},
                                 distributions=distributions, intermediate_values=intermediate))
    call_s = []
    start = time.perf_counter()
    for trial in made:
        call_start = time.perf_counter()
        study.add_trial(trial)
        call_s.append(time.perf_counter() - call_start)
    seconds = time.perf_counter() - start
    if stored_rows(storage) != rows:
        fail(f"{stored_rows(storage)} intermediate values stored, {rows} added")
    return {"workload": "append", "method": "study.add_trial", "round": rnd, "rows": rows,
            "batch": batch, "calls": len(made), "trials": len(made), "seconds": seconds,
            "rows_per_s": rows / seconds, "call_ms": percentiles(call_s), "open_seconds": open_s}


def experiment(url, trial_count, values, rnd):
    storage, open_s = open_storage(url)
    rng = random.Random(42)
    ops = defaultdict(lambda: [0.0, 0])

    def timed(op, call, *args, **kwargs):
        call_start = time.perf_counter()
        result = call(*args, **kwargs)
        entry = ops[op]
        entry[0] += time.perf_counter() - call_start
        entry[1] += 1
        return result

    start = time.perf_counter()
    study = timed("create_study", study_of, storage)
    for _ in range(trial_count):
        trial = timed("study.ask", study.ask)
        timed("trial.suggest_float", trial.suggest_float, "lr", 1e-4, 1e-1, log=True)
        timed("trial.suggest_float", trial.suggest_float, "momentum", 0.0, 1.0)
        best = None
        for step in range(values):
            value = loss(step, rng)
            timed("trial.report", trial.report, value, step)
            best = value if best is None else min(best, value)
        timed("study.tell", study.tell, trial, best)
    seconds = time.perf_counter() - start

    complete = study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,))
    if len(complete) != trial_count or stored_rows(storage) != trial_count * values:
        fail(f"{len(complete)} trials complete of {trial_count}, {stored_rows(storage)}"
             f" intermediate values of {trial_count * values}")
    return {"workload": "experiment", "round": rnd, "trials": trial_count,
            "values_per_trial": values, "rows": trial_count * values, "seconds": seconds,
            "trials_per_s": trial_count / seconds, "rows_per_s": trial_count * values / seconds,
            "ops": {op: {"calls": n, "seconds": s, "per_s": n / s} for op, (s, n) in ops.items()},
            "open_seconds": open_s}


def main(argv):
    optuna.logging.set_verbosity(optuna.logging.WARNING)  # no INFO line per trial
    args = argv[1:]
    rnd = lambda i: int(args[i]) if len(args) > i else 0  # noqa: E731
    if len(args) in (4, 5) and args[0] == "report":
        line = report(args[1], int(args[2]), int(args[3]), rnd(4))
    elif len(args) in (4, 5) and args[0] == "add":
        line = add(args[1], int(args[2]), int(args[3]), rnd(4))
    elif len(args) in (4, 5) and args[0] == "experiment":
        line = experiment(args[1], int(args[2]), int(args[3]), rnd(4))
    else:
        sys.exit(__doc__)
    versions = {"optuna": optuna.__version__, "sqlalchemy": sqlalchemy.__version__}
    print(json.dumps({"system": "optuna", **line, "versions": versions}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
