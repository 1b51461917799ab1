#!/usr/bin/python3
"""Cross-validate an RBF support vector machine on scikit-learn's bundled handwritten digits.

The trainer of examples/sklearn-cv: it takes the hyperparameters C and gamma as command-line
flags and prints its score as `accuracy=VALUE` (Katib's StdOut metrics format). Needs Debian's
python3-sklearn: run it with /usr/bin/python3.

The data: 20 % of the 1,797 digits are held out as a test set (stratified, fixed seed
--test-seed), always the same whatever the fold or repeat; cross-validation runs on the other
80 % with StratifiedKFold(n_splits=folds, shuffle=True, random_state=--cv-seed + repeat). Each
fold fits StandardScaler + SVC on its training part only.

What it runs depends on the environment tuneup gives a cross-validated trial
(tuneup.dev/cv-folds):

  TUNEUP_FOLD=i TUNEUP_FOLDS=k [TUNEUP_REPEAT=r]   one fold job: fit on the other k-1 folds,
      print the accuracy on fold i (0-based) of repeat r (default 0). tuneup averages the folds.
  TUNEUP_FINAL=1 (no TUNEUP_FOLD)   the final evaluation (tuneup.dev/cv-final): fit on all the
      non-test data, print `test-accuracy=` and `accuracy=` (the same value, so that the
      objective metric exists), both measured on the held-out test set.
  --serial-folds K   all K folds of repeat TUNEUP_REPEAT (default 0) one after another in this
      process, printing the mean as `accuracy=` (bench/cv_folds's baseline). Refused together
      with TUNEUP_FOLD or TUNEUP_FINAL.
  none of these    as --serial-folds 5, with a note on stderr: this is what the same manifest
      does under Katib, which ignores tuneup's annotations and sets no TUNEUP_FOLD.

Progress and timings go to stderr; only metrics go to stdout. Bad flags or environment values
exit 2 with a message naming them.
"""
import argparse
import math
import os
import sys
import time

# Measured from here: the interpreter's own start is not visible from inside.
START = time.perf_counter()

import numpy as np  # noqa: E402
from sklearn.datasets import load_digits  # noqa: E402
from sklearn.model_selection import StratifiedKFold, train_test_split  # noqa: E402
from sklearn.pipeline import make_pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.svm import SVC  # noqa: E402

IMPORTED = time.perf_counter()

MAX_FOLDS = 100  # tuneup.dev/cv-folds allows 2..100
DEFAULT_FOLDS = 5


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"{text!r} is not a finite number > 0")
    return value


def fold_count(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not an integer") from None
    if not 2 <= value <= MAX_FOLDS:
        raise argparse.ArgumentTypeError(f"{value} is not a fold count from 2 to {MAX_FOLDS}")
    return value


def env_int(name: str, low: int, high: int, fail):
    """The integer in environment variable `name` (low..high inclusive), or None when unset."""
    text = os.environ.get(name)
    if text is None:
        return None
    try:
        value = int(text.strip())
    except ValueError:
        fail(f"environment variable {name}={text!r} is not an integer")
    if not low <= value <= high:
        fail(f"environment variable {name}={value} is out of range {low}..{high}")
    return value


def env_flag(name: str, fail) -> bool:
    text = os.environ.get(name, "").strip().lower()
    if text in ("", "0", "false"):
        return False
    if text in ("1", "true"):
        return True
    fail(f"environment variable {name}={os.environ[name]!r} is not 1/true or 0/false")


def fit_and_score(args, x_fit, y_fit, x_eval, y_eval) -> float:
    model = make_pipeline(StandardScaler(), SVC(C=args.C, gamma=args.gamma, cache_size=500))
    model.fit(x_fit, y_fit)
    return float(model.score(x_eval, y_eval))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--C", type=positive_float, required=True,
                        help="SVC regularisation parameter (> 0)")
    parser.add_argument("--gamma", type=positive_float, required=True,
                        help="RBF kernel coefficient (> 0), on standardised pixels")
    parser.add_argument("--serial-folds", type=fold_count, metavar="K",
                        help="run all K folds in this process and print their mean")
    parser.add_argument("--test-fraction", type=float, default=0.2,
                        help="share of the data held out as the test set (default 0.2)")
    parser.add_argument("--test-seed", type=int, default=0,
                        help="seed of the test split (default 0; the same for every job)")
    parser.add_argument("--cv-seed", type=int, default=0,
                        help="the folds of repeat r are shuffled with seed CV_SEED + r (default 0)")
    args = parser.parse_args()
    if not 0 < args.test_fraction < 1:
        parser.error(f"--test-fraction {args.test_fraction} is not between 0 and 1")

    fail = parser.error  # prints usage and the message, exits 2
    fold = env_int("TUNEUP_FOLD", 0, MAX_FOLDS - 1, fail)
    folds = env_int("TUNEUP_FOLDS", 2, MAX_FOLDS, fail)
    repeat = env_int("TUNEUP_REPEAT", 0, 10**6, fail)
    final = env_flag("TUNEUP_FINAL", fail)
    if final and fold is not None:
        fail(f"TUNEUP_FINAL=1 and TUNEUP_FOLD={fold} both set: the final evaluation has no fold")
    if args.serial_folds and (fold is not None or final):
        fail("--serial-folds runs every fold itself: it cannot be combined with "
             "TUNEUP_FOLD or TUNEUP_FINAL")
    if fold is not None and folds is None:
        fail(f"TUNEUP_FOLD={fold} is set but TUNEUP_FOLDS is not")
    if fold is None and folds is not None and not final and not args.serial_folds:
        fail(f"TUNEUP_FOLDS={folds} is set but TUNEUP_FOLD is not")
    if fold is not None and fold >= folds:
        fail(f"TUNEUP_FOLD={fold} is not a fold of TUNEUP_FOLDS={folds} (0-based)")
    repeat = repeat or 0

    x, y = load_digits(return_X_y=True)
    x_cv, x_test, y_cv, y_test = train_test_split(
        x, y, test_size=args.test_fraction, stratify=y, random_state=args.test_seed)

    if final:
        began = time.perf_counter()
        accuracy = fit_and_score(args, x_cv, y_cv, x_test, y_test)
        print(f"final: fitted on {len(y_cv)} digits, tested on {len(y_test)}: "
              f"fit+score {time.perf_counter() - began:.3f} s, imports "
              f"{IMPORTED - START:.3f} s", file=sys.stderr)
        print(f"test-accuracy={accuracy:.6f}")
        print(f"accuracy={accuracy:.6f}")
        return 0

    if fold is None:
        if not args.serial_folds:
            print(f"no TUNEUP_FOLD in the environment (not run as a tuneup fold job): running "
                  f"all {DEFAULT_FOLDS} folds in this process", file=sys.stderr)
        k = args.serial_folds or folds or DEFAULT_FOLDS
        wanted = list(range(k))
    else:
        k = folds
        wanted = [fold]

    smallest_class = int(np.bincount(y_cv).min())
    if k > smallest_class:
        fail(f"{k} stratified folds need at least {k} digits of each class; the smallest class "
             f"has {smallest_class} outside the test set")
    splitter = StratifiedKFold(n_splits=k, shuffle=True, random_state=args.cv_seed + repeat)
    scores = []
    for index, (fit_rows, eval_rows) in enumerate(splitter.split(x_cv, y_cv)):
        if index not in wanted:
            continue
        began = time.perf_counter()
        accuracy = fit_and_score(args, x_cv[fit_rows], y_cv[fit_rows],
                                 x_cv[eval_rows], y_cv[eval_rows])
        scores.append(accuracy)
        print(f"fold {index}/{k} (repeat {repeat}): {len(fit_rows)} fit, {len(eval_rows)} "
              f"evaluated, accuracy {accuracy:.6f}, fit+score {time.perf_counter() - began:.3f} s",
              file=sys.stderr)
    mean = float(np.mean(scores))
    if len(scores) > 1:
        print(f"mean over {len(scores)} folds: {mean:.6f} ± {float(np.std(scores, ddof=1)):.6f}",
              file=sys.stderr)
    print(f"imports {IMPORTED - START:.3f} s, total in Python {time.perf_counter() - START:.3f} s",
          file=sys.stderr)
    print(f"accuracy={mean:.6f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
