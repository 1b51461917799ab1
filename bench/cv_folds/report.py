#!/usr/bin/python3
"""bench/cv_folds: timing, reading tuneup's store, checks and the tables (bench/README.md,
"Cross-validation: fold jobs"). Standard library only; run with Debian's /usr/bin/python3.

  report.py time OUT.json -- COMMAND...     runs COMMAND (stdout/stderr inherited), writes its
      wall time and CPU time (its whole process tree: user + sys of the waited-for children) to
      OUT.json, exits with COMMAND's exit code.
  report.py calibrate --python PY --trainer train.py --runs N --folds K --C C --gamma G
      times the trainer alone: K fold jobs one after another (one process each, TUNEUP_FOLD set
      as tuneup sets it) and one `--serial-folds K` process, N times; prints JSON lines.
  report.py summarize --system S --run R --workdir DIR --db FILE --time TIME.json --trials N
      --folds K --load-before L
      reads one run's store and work directory, checks it completed, prints one JSON line.
  report.py table RAW.jsonl
      the tables and ratios; checks that every run evaluated the same configurations (and, for
      fold jobs against serial folds, the same fold scores); exits 1 when a check fails.

A run's store: the `trials` table (name, sequence, assignment, status, objective, ...). For a
cross-validated experiment each trial row also carries a JSON column `cross_validation`,
{"folds": [{"index", "fold", "repeat", "status", "attempt", "objective", "startTime", ...}]}
(api/cross_validation.h, FoldResultToJson; a bare list of those entries is read too). When the
store has no such column (a tuneup that runs fold jobs but does not store them per fold yet),
the fold jobs are read from the work directory instead: trials/<trial>/fold-<i>/ with its
job.status and stdout.log. Each run's record says which (`fold_source`); a cross-validated
trial with no fold results in either place is an error, never a silent zero.
"""
import argparse
import glob
import json
import math
import os
import resource
import sqlite3
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
from markdown_table import table  # noqa: E402

# Fold objectives are printed with 6 decimals by train.py; a trial's mean over its fold jobs
# (computed by tuneup) and the mean printed by --serial-folds (computed by train.py) may then
# differ by rounding only.
SAME_SCORE = 2e-6
CV_SYSTEMS = ("parallel", "race")


def fail(message):
    print(f"report.py: FAILED: {message}", file=sys.stderr)
    sys.exit(1)


# --- time ------------------------------------------------------------------------------------

def cmd_time(args):
    command = args.command[1:] if args.command[:1] == ["--"] else args.command
    if not command:
        fail("time: no command")
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    rc = subprocess.call(command)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(args.out, "w", encoding="utf-8") as f:
        json.dump({"wall_s": wall, "cpu_user_s": after.ru_utime - before.ru_utime,
                   "cpu_sys_s": after.ru_stime - before.ru_stime, "rc": rc}, f)
    sys.exit(rc if rc >= 0 else 128 - rc)


# --- calibrate -------------------------------------------------------------------------------

def run_trainer(python, trainer, extra_env, argv):
    env = dict(os.environ)
    for name in ("TUNEUP_FOLD", "TUNEUP_FOLDS", "TUNEUP_REPEAT", "TUNEUP_FINAL"):
        env.pop(name, None)
    env.update(extra_env)
    start = time.perf_counter()
    done = subprocess.run([python, trainer, *argv], env=env, capture_output=True, text=True,
                          cwd=os.path.dirname(trainer))
    wall = time.perf_counter() - start
    if done.returncode != 0:
        fail(f"calibrate: {trainer} {' '.join(argv)} with {extra_env} exited "
             f"{done.returncode}: {done.stderr.strip()[-500:]}")
    values = [line.split("=", 1)[1] for line in done.stdout.splitlines()
              if line.startswith("accuracy=")]
    if len(values) != 1:
        fail(f"calibrate: expected one accuracy= line, got {done.stdout!r}")
    return wall, float(values[0])


def cmd_calibrate(args):
    hyper = [f"--C={args.C}", f"--gamma={args.gamma}"]
    for run in range(1, args.runs + 1):
        fold_walls, fold_scores = [], []
        for fold in range(args.folds):
            wall, score = run_trainer(args.python, args.trainer,
                                      {"TUNEUP_FOLD": str(fold), "TUNEUP_FOLDS": str(args.folds),
                                       "TUNEUP_REPEAT": "0"}, hyper)
            fold_walls.append(wall)
            fold_scores.append(score)
        serial_wall, serial_score = run_trainer(args.python, args.trainer, {},
                                                hyper + [f"--serial-folds={args.folds}"])
        mean = sum(fold_scores) / len(fold_scores)
        if abs(mean - serial_score) > SAME_SCORE:
            fail(f"calibrate: the mean of the {args.folds} fold jobs ({mean:.6f}) is not the "
                 f"--serial-folds score ({serial_score:.6f})")
        print(json.dumps({"kind": "calibration", "run": run, "C": args.C, "gamma": args.gamma,
                          "folds": args.folds, "fold_job_walls_s": fold_walls,
                          "fold_scores": fold_scores, "serial_wall_s": serial_wall,
                          "serial_score": serial_score,
                          "load": open("/proc/loadavg").read().split()[0]}))


# --- plain ---------------------------------------------------------------------------------

def cmd_plain(args):
    """The fold jobs of a serial run's configurations without tuneup: `workers` processes at a
    time, each one fold (TUNEUP_FOLD set as tuneup sets it), started from a thread pool. What
    the fold jobs cost by themselves; tuneup's parallel run minus this is tuneup's share."""
    import concurrent.futures
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    rows = db.execute("SELECT sequence, assignment FROM trials ORDER BY sequence").fetchall()
    if len(rows) != args.trials:
        fail(f"plain: {len(rows)} trials in {args.db}, expected {args.trials}")
    trials = [{"name": f"plain-{seq + 1:04d}", "sequence": seq,
               "assignment": {a["name"]: a["value"] for a in json.loads(text)}}
              for seq, text in rows]
    jobs = [(t, fold) for t in trials for fold in range(args.folds)]

    def run(job):
        trial, fold = job
        env = dict(os.environ, TUNEUP_FOLD=str(fold), TUNEUP_FOLDS=str(args.folds),
                   TUNEUP_REPEAT="0")
        env.pop("TUNEUP_FINAL", None)
        done = subprocess.run([args.python, args.trainer, f"--C={trial['assignment']['C']}",
                               f"--gamma={trial['assignment']['gamma']}"], env=env,
                              capture_output=True, text=True, cwd=os.path.dirname(args.trainer))
        values = [l.split("=", 1)[1] for l in done.stdout.splitlines()
                  if l.startswith("accuracy=")]
        if done.returncode != 0 or len(values) != 1:
            return job, None, f"exit {done.returncode}: {done.stderr.strip()[-300:]}"
        return job, float(values[0]), None

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.workers) as pool:
        results = list(pool.map(run, jobs))
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    scores = {}
    for (trial, fold), value, error in results:
        if error:
            fail(f"plain run {args.run}: fold {fold} of trial #{trial['sequence'] + 1}: {error}")
        scores.setdefault(trial["sequence"], []).append(value)
    for t in trials:
        t["status"] = "Succeeded"
        t["objective"] = sum(scores[t["sequence"]]) / args.folds
    best = max(trials, key=lambda t: t["objective"])  # train.py's accuracy: maximize
    print(json.dumps({"kind": "run", "system": "plain", "run": args.run, "workers": args.workers,
                      "trials_expected": args.trials, "folds": args.folds,
                      "direction": "maximize", "load_before": args.load_before,
                      "load_after": open("/proc/loadavg").read().split()[0], "wall_s": wall,
                      "cpu_s": (after.ru_utime - before.ru_utime)
                      + (after.ru_stime - before.ru_stime),
                      "statuses": {"Succeeded": len(trials)},
                      "best": {"sequence": best["sequence"], "name": best["name"],
                               "objective": best["objective"],
                               "assignment": best["assignment"]},
                      "trials": trials, "fold_jobs_started": len(jobs),
                      "fold_jobs_succeeded": len(jobs), "fold_dirs": 0}))


# --- summarize -------------------------------------------------------------------------------

def fold_entries(raw):
    """The fold jobs' entries of a trial's cross_validation JSON (a list, or {"folds": [...]});
    the final evaluation (index -2) is left out."""
    if raw is None or raw == "":
        return None
    value = json.loads(raw) if isinstance(raw, str) else raw
    if isinstance(value, dict):
        value = value.get("folds", [])
    if not isinstance(value, list):
        fail(f"cross_validation is neither a list nor an object with \"folds\": {raw!r}")
    return [e for e in value if isinstance(e, dict) and e.get("index", 0) >= 0]


def job_seconds(entry):
    """How long a fold job ran, from the work directory's job.status or the store's startTime
    and completionTime (RFC 3339); None when unknown."""
    if entry.get("seconds") is not None:
        return entry["seconds"]
    begin, end = entry.get("startTime"), entry.get("completionTime")
    if not (isinstance(begin, str) and isinstance(end, str)):
        return None
    try:
        from datetime import datetime
        return (datetime.fromisoformat(end.replace("Z", "+00:00"))
                - datetime.fromisoformat(begin.replace("Z", "+00:00"))).total_seconds()
    except ValueError:
        return None


def started(entry):
    """Whether a fold job ran (or was running when stopped): it has a start time or an attempt,
    and is not waiting to start."""
    if entry.get("status") == "Pending" and not entry.get("startTime"):
        return False
    return bool(entry.get("startTime")) or int(entry.get("attempt", 0)) > 0


def folds_from_workdir(workdir, trial, metric):
    """A trial's fold jobs as its work directory shows them, in the form fold_entries gives:
    one per trials/<trial>/fold-<i>/ directory that has a job.status (the job ran) or output;
    Succeeded when job.status says exit 0 and stdout.log has `metric=VALUE` (the last one is
    the fold's objective: train.py prints one)."""
    entries = []
    for path in sorted(glob.glob(os.path.join(glob.escape(workdir), "trials", glob.escape(trial),
                                              "fold-*"))):
        suffix = os.path.basename(path)[len("fold-"):]
        if not suffix.isdigit():
            continue
        status_file = os.path.join(path, "job.status")
        job = {}
        if os.path.exists(status_file):
            with open(status_file, encoding="utf-8") as f:
                job = json.load(f)
        elif not os.path.exists(os.path.join(path, "stdout.log")):
            continue
        values = []
        if os.path.exists(os.path.join(path, "stdout.log")):
            with open(os.path.join(path, "stdout.log"), encoding="utf-8") as f:
                values = [float(l.split("=", 1)[1]) for l in f
                          if l.startswith(metric + "=")]
        ok = job.get("exit_code") == 0 and not job.get("signal") and values
        entries.append({"index": int(suffix), "status": "Succeeded" if ok else "Ended",
                        "attempt": 1, "startTime": job.get("started_at", "?"),
                        "seconds": (job["ended_at"] - job["started_at"])
                        if "ended_at" in job and "started_at" in job else None,
                        "objective": values[-1] if ok else None})
    return entries


def cmd_summarize(args):
    with open(args.time, encoding="utf-8") as f:
        timing = json.load(f)
    db = sqlite3.connect(f"file:{args.db}?mode=ro", uri=True)
    db.row_factory = sqlite3.Row
    columns = {row["name"] for row in db.execute("PRAGMA table_info(trials)")}
    cv = args.system in CV_SYSTEMS
    # Where the fold jobs' results come from: the store's trials.cross_validation column, or
    # (a tuneup that runs fold jobs but does not store them per fold yet) the fold directories.
    fold_source = "store" if "cross_validation" in columns else "workdir"
    experiments = db.execute("SELECT name, spec, state, reason FROM experiments").fetchall()
    if len(experiments) != 1:
        fail(f"{args.db}: expected one experiment, found {len(experiments)}")
    experiment = experiments[0]
    spec = json.loads(experiment["spec"])
    direction = spec["spec"]["objective"]["type"]
    select = "name, sequence, assignment, status, objective" + (
        ", cross_validation" if "cross_validation" in columns else "")
    rows = db.execute(f"SELECT {select} FROM trials WHERE experiment = ? ORDER BY sequence",
                      (experiment["name"],)).fetchall()
    where = f"{args.system} run {args.run} ({args.workdir})"
    if len(rows) != args.trials:
        fail(f"{where}: {len(rows)} trials in the store, expected {args.trials}")
    allowed = {"Succeeded", "EarlyStopped"} if args.system == "race" else {"Succeeded"}
    trials, statuses = [], {}
    for row in rows:
        statuses[row["status"]] = statuses.get(row["status"], 0) + 1
        if row["status"] not in allowed:
            fail(f"{where}: trial {row['name']} ended {row['status']}, expected one of "
                 f"{sorted(allowed)}")
        assignment = {a["name"]: a["value"] for a in json.loads(row["assignment"])}
        trial = {"name": row["name"], "sequence": row["sequence"], "assignment": assignment,
                 "status": row["status"], "objective": row["objective"]}
        if cv:
            if fold_source == "store":
                entries = fold_entries(row["cross_validation"])
            else:
                entries = folds_from_workdir(args.workdir, row["name"],
                                             spec["spec"]["objective"]["objectiveMetricName"])
            if not entries:
                fail(f"{where}: no fold results for trial {row['name']} (in the store's "
                     f"cross_validation column or as {args.workdir}/trials/{row['name']}/fold-*/)")
            trial["folds_started"] = sum(1 for e in entries if started(e))
            trial["folds_succeeded"] = sum(1 for e in entries if e.get("status") == "Succeeded")
            trial["fold_objectives"] = {int(e["index"]): e.get("objective") for e in entries
                                        if e.get("status") == "Succeeded"}
            trial["fold_seconds"] = [x for x in (job_seconds(e) for e in entries if started(e))
                                     if x is not None]
            trial["fold_dirs"] = len(glob.glob(os.path.join(glob.escape(args.workdir), "trials",
                                                            glob.escape(row["name"]), "fold-*")))
            if row["status"] == "Succeeded" and trial["folds_succeeded"] != args.folds:
                fail(f"{where}: trial {row['name']} Succeeded with {trial['folds_succeeded']} "
                     f"succeeded folds, expected {args.folds}")
            if row["status"] == "EarlyStopped" and trial["folds_succeeded"] >= args.folds:
                fail(f"{where}: trial {row['name']} is EarlyStopped but all its folds succeeded")
        trials.append(trial)
    complete = [t for t in trials if t["status"] == "Succeeded" and t["objective"] is not None]
    if not complete:
        fail(f"{where}: no Succeeded trial with an objective")
    pick = max if direction == "maximize" else min
    best = pick(complete, key=lambda t: t["objective"])
    record = {"kind": "run", "system": args.system, "run": args.run, "workers": args.workers,
              "trials_expected": args.trials, "folds": args.folds, "direction": direction,
              "experiment_state": experiment["state"], "experiment_reason": experiment["reason"],
              "load_before": args.load_before,
              "load_after": open("/proc/loadavg").read().split()[0],
              "wall_s": timing["wall_s"], "cpu_s": timing["cpu_user_s"] + timing["cpu_sys_s"],
              "statuses": statuses, "best": {"sequence": best["sequence"],
                                             "name": best["name"],
                                             "objective": best["objective"],
                                             "assignment": best["assignment"]},
              "trials": trials}
    if cv:
        record["fold_source"] = fold_source
        record["fold_jobs_started"] = sum(t["folds_started"] for t in trials)
        record["fold_jobs_succeeded"] = sum(t["folds_succeeded"] for t in trials)
        seconds = [x for t in trials for x in t["fold_seconds"]]
        # The mean time a fold job ran (start to end, as tuneup saw it): on a machine shared with
        # other work it grows with the contention, which the wall time alone does not show.
        record["fold_job_mean_s"] = sum(seconds) / len(seconds) if seconds else None
        record["fold_dirs"] = sum(t["fold_dirs"] for t in trials)
    else:
        record["fold_evaluations"] = args.folds * len(trials)  # inside the trial processes
    print(json.dumps(record))


# --- table -----------------------------------------------------------------------------------

def median(values):
    return statistics.median(values) if values else math.nan


def fmt(value, digits=2):
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) \
        else f"{value:.{digits}f}"


def check_same_configurations(runs, problems):
    """Every run (every system) evaluated the same assignments, trial by trial."""
    reference = None
    for r in runs:
        assignments = [(t["sequence"], t["assignment"]) for t in r["trials"]]
        if reference is None:
            reference = (r, assignments)
        elif assignments != reference[1]:
            problems.append(f"{r['system']} run {r['run']} evaluated other configurations than "
                            f"{reference[0]['system']} run {reference[0]['run']}")


def check_same_scores(runs, problems):
    """Succeeded trials have the same objective in every run and system (SVC is deterministic:
    fold jobs and serial folds compute the same fold scores)."""
    scores = {}
    for r in runs:
        for t in r["trials"]:
            if t["status"] != "Succeeded":
                continue
            seen = scores.setdefault(t["sequence"], (r, t["objective"]))
            if abs(seen[1] - t["objective"]) > SAME_SCORE:
                problems.append(f"trial #{t['sequence'] + 1}: objective {t['objective']} in "
                                f"{r['system']} run {r['run']}, {seen[1]} in "
                                f"{seen[0]['system']} run {seen[0]['run']}")


def cmd_table(args):
    lines = [json.loads(line) for line in open(args.raw, encoding="utf-8") if line.strip()]
    meta = next((l for l in lines if l.get("kind") == "meta"), {})
    runs = [l for l in lines if l.get("kind") == "run"]
    skipped = {l["system"]: l["reason"] for l in lines if l.get("kind") == "skipped"}
    calibration = [l for l in lines if l.get("kind") == "calibration"]
    by_system = {}
    for r in runs:
        by_system.setdefault(r["system"], []).append(r)
    problems = []

    if calibration:
        folds = calibration[0]["folds"]
        fold_walls = [w for c in calibration for w in c["fold_job_walls_s"]]
        serial_walls = [c["serial_wall_s"] for c in calibration]
        fold_job, serial = median(fold_walls), median(serial_walls)
        c = calibration[0]
        print(f"Trainer alone, one process at a time (C={c['C']}, gamma={c['gamma']}, "
              f"{len(calibration)} runs, 1-minute load {min(x['load'] for x in calibration)}.."
              f"{max(x['load'] for x in calibration)}):")
        print()
        table(["what", "median wall (s)", "range (s)"],
              [["one fold job (TUNEUP_FOLD set: start, imports, one fold)", fmt(fold_job, 3),
                f"{min(fold_walls):.3f}–{max(fold_walls):.3f}"],
               [f"{folds} fold jobs, one after another", fmt(folds * fold_job, 3), ""],
               [f"--serial-folds {folds} (one process)", fmt(serial, 3),
                f"{min(serial_walls):.3f}–{max(serial_walls):.3f}"],
               [f"ratio: {folds} fold jobs / serial", f"{folds * fold_job / serial:.2f}×", ""]],
              "lrr")
        print()

    rows = []
    order = ["parallel", "serial", "race", "plain"]
    for system in order + sorted(set(by_system) - set(order)):
        if system in skipped:
            rows.append([system, "SKIPPED"] + [""] * 7)
            continue
        rs = by_system.get(system)
        if not rs:
            continue
        walls = [r["wall_s"] for r in rs]
        cpus = [r["cpu_s"] for r in rs]
        if system == "plain":
            jobs_text = f"{rs[0]['fold_jobs_started']} (no tuneup)"
        elif system in CV_SYSTEMS:
            jobs = sorted({r["fold_jobs_started"] for r in rs})
            dirs = sorted({r["fold_dirs"] for r in rs})
            jobs_text = f"{jobs[0]}" if jobs[0] == jobs[-1] else f"{jobs[0]}–{jobs[-1]}"
            jobs_text += " (fold-* dirs: " + (f"{dirs[0]}" if dirs[0] == dirs[-1]
                                              else f"{dirs[0]}–{dirs[-1]}") + ")"
        else:
            jobs_text = f"0 ({rs[0]['fold_evaluations']} folds inside {len(rs[0]['trials'])} " \
                        f"trial processes)"
        statuses = sorted({", ".join(f"{n} {s}" for s, n in sorted(r["statuses"].items()))
                           for r in rs})
        bests = sorted({(r["best"]["objective"], r["best"]["name"]) for r in rs})
        job_means = [r["fold_job_mean_s"] for r in rs if r.get("fold_job_mean_s") is not None]
        rows.append([system, str(rs[0]["workers"]), fmt(median(walls)),
                     ", ".join(fmt(w) for w in walls), fmt(median(cpus), 1),
                     ", ".join(fmt(x) for x in job_means) if job_means else "–", jobs_text,
                     " / ".join(statuses),
                     " / ".join(f"{o:.6f} ({n})" for o, n in bests)])
    print(f"tuneup runs ({meta.get('trials', '?')} trials, {meta.get('folds', '?')} folds, "
          f"W = parallelTrialCount; runs alternate):")
    print()
    table(["system", "W", "median wall (s)", "runs (s)", "median CPU (s)",
           "mean fold job, per run (s)", "fold jobs run", "trials", "best objective (trial)"],
          rows, "lrrrrrlll")
    for system, reason in skipped.items():
        print(f"{system}: SKIPPED, {reason}")
    for system in CV_SYSTEMS:
        sources = sorted({r.get("fold_source", "?") for r in by_system.get(system, [])})
        if sources:
            print(f"{system}: fold jobs read from "
                  + " and ".join({"store": "the store's trials.cross_validation column",
                                  "workdir": "the work directory (trials/<trial>/fold-*/: "
                                             "this store has no cross_validation column)"}
                                 .get(x, x) for x in sources))
    print()

    if runs:
        check_same_configurations(runs, problems)
        check_same_scores(runs, problems)
    ratios = []
    par, ser, race, plain = (by_system.get(s)
                             for s in ("parallel", "serial", "race", "plain"))
    if plain and ser:
        ratios.append(["wall: fold jobs without tuneup / folds serial in one process",
                       f"{median([r['wall_s'] for r in plain]) / median([r['wall_s'] for r in ser]):.2f}×"])
    if plain and par:
        ratios.append(["wall: tuneup's fold jobs / the same fold jobs without tuneup",
                       f"{median([r['wall_s'] for r in par]) / median([r['wall_s'] for r in plain]):.2f}×"])
    if par and ser:
        w_par, w_ser = median([r["wall_s"] for r in par]), median([r["wall_s"] for r in ser])
        c_par, c_ser = median([r["cpu_s"] for r in par]), median([r["cpu_s"] for r in ser])
        ratios.append(["wall: fold jobs in parallel / folds serial in one process",
                       f"{w_par / w_ser:.2f}×"])
        ratios.append(["CPU: fold jobs in parallel / folds serial in one process",
                       f"{c_par / c_ser:.2f}×"])
    if par and race:
        w_par, w_race = median([r["wall_s"] for r in par]), median([r["wall_s"] for r in race])
        j_par = median([r["fold_jobs_started"] for r in par])
        j_race = median([r["fold_jobs_started"] for r in race])
        c_par, c_race = median([r["cpu_s"] for r in par]), median([r["cpu_s"] for r in race])
        ratios.append(["wall: racing / no racing", f"{w_race / w_par:.2f}×"])
        ratios.append(["CPU: racing / no racing", f"{c_race / c_par:.2f}×"])
        ratios.append(["fold jobs run: racing / no racing",
                       f"{j_race:g} / {j_par:g} = {j_race / j_par:.2f}×"])
        # Trial names differ between the systems' experiments: trials are matched by sequence.
        best_par = [(r["best"]["sequence"], r["best"]["objective"]) for r in par]
        best_race = [(r["best"]["sequence"], r["best"]["objective"]) for r in race]
        reference = best_par[0]
        same = all(b[0] == reference[0] and abs(b[1] - reference[1]) <= SAME_SCORE
                   for b in best_par + best_race)

        def listed(bests):
            return ", ".join(sorted({f"{o:.6f} (trial #{q + 1})" for q, o in bests}))
        ratios.append(["best objective: racing vs no racing",
                       ("equal, every run: " + listed(best_par)) if same else
                       f"DIFFERENT: racing {listed(best_race)}, no racing {listed(best_par)}"])
        stopped_best = [r for r in race for t in r["trials"]
                        if t["status"] == "EarlyStopped"
                        and t["sequence"] == par[0]["best"]["sequence"]]
        if stopped_best:
            ratios.append(["racing stopped the no-racing best trial in",
                           f"{len(stopped_best)} of {len(race)} runs"])
    if ratios:
        table(["ratio", ""], ratios, "lr")
        print()
    if meta:
        print(f"tuneup {meta.get('tuneup_binary')} (built {meta.get('tuneup_binary_mtime')}), "
              f"tree at commit {meta.get('tuneup_commit')} "
              f"(modified tracked files: {meta.get('tuneup_tree_modified_files')}), "
              f"python {meta.get('python')}, scikit-learn {meta.get('sklearn')}, "
              f"started {meta.get('started')}, load before {meta.get('load_before')}")
    if problems:
        for p in problems:
            print(f"report.py: FAILED: {p}", file=sys.stderr)
        sys.exit(1)
    print("checks: every run evaluated the same configurations"
          + ("; fold jobs and serial folds gave the same objective for every trial"
             if par and ser else ""))


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command_name", required=True)
    p = sub.add_parser("time")
    p.add_argument("out")
    p.add_argument("command", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_time)
    p = sub.add_parser("calibrate")
    p.add_argument("--python", required=True)
    p.add_argument("--trainer", required=True)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--folds", type=int, default=5)
    p.add_argument("--C", required=True)
    p.add_argument("--gamma", required=True)
    p.set_defaults(func=cmd_calibrate)
    p = sub.add_parser("plain")
    p.add_argument("--python", required=True)
    p.add_argument("--trainer", required=True)
    p.add_argument("--db", required=True, help="a serial run's store: its configurations")
    p.add_argument("--load-before", required=True)
    for name in ("--run", "--trials", "--folds", "--workers"):
        p.add_argument(name, type=int, required=True)
    p.set_defaults(func=cmd_plain)
    p = sub.add_parser("summarize")
    for name in ("--system", "--workdir", "--db", "--time", "--load-before"):
        p.add_argument(name, required=True)
    for name in ("--run", "--trials", "--folds", "--workers"):
        p.add_argument(name, type=int, required=True)
    p.set_defaults(func=cmd_summarize)
    p = sub.add_parser("table")
    p.add_argument("raw")
    p.set_defaults(func=cmd_table)
    args = parser.parse_args()
    args.func(args)


if __name__ == "__main__":
    main()
