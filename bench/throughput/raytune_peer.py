"""Ray Tune peer of the throughput benchmark (bench/throughput/run.sh runs it).

400 samples, at most 8 concurrent trials, random search (BasicVariantGenerator with a seed) over
two uniform floats; each trial is a function trainable that runs bench/throughput/trial.sh X Y as
a subprocess, parses `loss=` and reports it once. Ray runs locally: ray.init(num_cpus=8) so that
8 one-CPU trials fit on a 2-core machine, BasicVariantGenerator(max_concurrent=8) as the limit,
actors reused between trials (--reuse-actors no for Ray's default), no dashboard, Tune's storage and Ray's session files in
a fresh temp dir. Prints one JSON line with the counts and timings (the harness also times the
whole process).
"""

import time

_SCRIPT_START = time.perf_counter()  # before the imports: "script" time includes importing ray

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TRIAL = os.path.join(HERE, "trial.sh")


def trainable(config):
    from ray import tune

    result = subprocess.run([TRIAL, str(config["x"]), str(config["y"])], capture_output=True,
                            check=True)
    loss = None
    for line in result.stdout.decode().splitlines():
        if line.startswith("loss="):
            loss = float(line[len("loss="):])
    if loss is None:
        raise RuntimeError(f"trial printed no loss=: {result.stdout!r}")
    tune.report({"loss": loss})


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--trials", type=int, default=400)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--num-cpus", type=int, default=8,
                        help="CPUs Ray believes it has; each trial asks for 1")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--reuse-actors", choices=["yes", "no"], default="yes",
                        help="TuneConfig.reuse_actors (Ray's default is no: a new worker process "
                             "per trial)")
    parser.add_argument("--dir", help="directory for Ray's files (default: a fresh temp dir)")
    args = parser.parse_args()

    # Short paths: Ray's session dir holds Unix sockets (108-byte limit).
    directory = args.dir or tempfile.mkdtemp(prefix="rt-")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")  # no usage report attempt (no network)

    import ray
    from ray import tune
    from ray.tune.search import BasicVariantGenerator

    t_init = time.perf_counter()
    ray.init(num_cpus=args.num_cpus, include_dashboard=False, log_to_driver=False,
             logging_level="warning", _temp_dir=os.path.join(directory, "ray"))
    t0 = time.perf_counter()
    tuner = tune.Tuner(
        trainable,
        param_space={"x": tune.uniform(0.0, 1.0), "y": tune.uniform(0.0, 1.0)},
        tune_config=tune.TuneConfig(
            metric="loss",
            mode="min",
            num_samples=args.trials,
            # Ray ignores TuneConfig.max_concurrent_trials when search_alg is a SearchGenerator
            # such as BasicVariantGenerator (it warns so): the generator's own max_concurrent is
            # the limit that applies (and num_cpus / 1 CPU per trial caps it at 8 as well).
            search_alg=BasicVariantGenerator(max_concurrent=args.concurrency,
                                             random_state=args.seed),
            reuse_actors=args.reuse_actors == "yes",
        ),
        run_config=tune.RunConfig(
            name="throughput",
            storage_path=os.path.join(directory, "tune"),
            verbose=0,
        ),
    )
    results = tuner.fit()
    t1 = time.perf_counter()

    completed = sum(1 for r in results if r.error is None and r.metrics and "loss" in r.metrics)
    errors = results.num_errors
    best = results.get_best_result().metrics["loss"] if completed else None
    ray.shutdown()
    t2 = time.perf_counter()
    fit_s = t1 - t0
    print(json.dumps({
        "system": "ray",
        "version": ray.__version__,
        "settings": {"num_cpus": args.num_cpus, "max_concurrent": args.concurrency,
                     "reuse_actors": args.reuse_actors == "yes", "include_dashboard": False,
                     "storage_path": os.path.join(directory, "tune")},
        "trials_completed": completed,
        "trials_total": len(results),
        "errors": errors,
        "best_loss": best,
        "init_s": t0 - t_init,
        "fit_s": fit_s,
        "init_plus_fit_s": t1 - t_init,
        "shutdown_s": t2 - t1,
        "script_s": t2 - _SCRIPT_START,
        "trials_per_s_fit": completed / fit_s,
        "trials_per_s_init_plus_fit": completed / (t1 - t_init),
        "trials_per_s_script": completed / (t2 - _SCRIPT_START),
    }))
    if not args.dir:
        shutil.rmtree(directory, ignore_errors=True)
    return 0 if completed == args.trials and errors == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
