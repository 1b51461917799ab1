#!/usr/bin/python3
"""Train a small neural network on scikit-learn's bundled handwritten digits.

A real trainer for tuneup's quick start: it takes its hyperparameters as command-line flags,
trains for a number of epochs and prints `epoch=N loss=X accuracy=Y` after each one, which
tuneup's StdOut metrics collector reads as it goes (Katib's `name=value` format).
Needs Debian's python3-sklearn (run it with /usr/bin/python3).

Checkpoints: when tuneup sets TUNEUP_CHECKPOINT_DIR, the model is saved there after every epoch,
and a checkpoint found there at start (a Hyperband or ASHA promotion starts with a copy of the
earlier trial's) is resumed if it was made with the same hyperparameters: the trial then trains
only the epochs after the checkpoint's. Without the variable (e.g. under Katib) it trains from
scratch.
"""
import argparse
import json
import os
import pickle
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


CHECKPOINT = "model.pkl"


def load_checkpoint(directory, hyperparameters):
    """The (epoch, model) saved in `directory` with the same hyperparameters, else (0, None)."""
    path = os.path.join(directory, CHECKPOINT)
    if not os.path.exists(path):
        return 0, None
    with open(path, "rb") as f:
        saved = pickle.load(f)
    if saved.get("hyperparameters") != hyperparameters:
        print(f"ignoring {path}: made with other hyperparameters", file=sys.stderr)
        return 0, None
    return saved["epoch"], saved["model"]


def save_checkpoint(directory, hyperparameters, epoch, model):
    # Written beside and renamed over, so a trial killed mid-write leaves the previous epoch's.
    path = os.path.join(directory, CHECKPOINT)
    with open(path + ".tmp", "wb") as f:
        pickle.dump({"hyperparameters": hyperparameters, "epoch": epoch, "model": model}, f)
    os.replace(path + ".tmp", path)


def report(**metrics: float) -> None:
    """Stores metrics of this trial directly (collector kind Push): tuneup gives every trial the
    binary that runs it (TUNEUP_BINARY) and the trial's name and store (KATIB_TRIAL_NAME,
    TUNEUP_DB), which `tuneup report` reads. An argv list, never a shell command line."""
    binary = os.environ.get("TUNEUP_BINARY", "tuneup")
    arguments = [f"{name}={float(value)!r}" for name, value in metrics.items()]
    subprocess.run([binary, "report", *arguments], check=True)


def serve_gauges(port: int) -> dict:
    """Starts a Prometheus endpoint (Debian's python3-prometheus-client) on this machine."""
    from prometheus_client import Gauge, start_http_server
    start_http_server(port, addr="127.0.0.1")
    return {"loss": Gauge("loss", "validation log-loss of the last epoch"),
            "accuracy": Gauge("accuracy", "validation accuracy of the last epoch")}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, required=True, help="initial learning rate")
    parser.add_argument("--alpha", type=float, required=True, help="L2 penalty")
    parser.add_argument("--hidden", type=int, required=True, help="hidden units")
    parser.add_argument("--activation", choices=["relu", "tanh", "logistic"], required=True)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--metrics-file", help="also append each epoch's metrics to this file as a "
                        "JSON object per line (Katib's File collector, format JSON)")
    parser.add_argument("--push", action="store_true",
                        help="report each epoch's metrics with `tuneup report` (Katib's Push "
                        "collector) instead of printing them")
    parser.add_argument("--prometheus-port", type=int,
                        help="serve each epoch's metrics as Prometheus gauges on this port "
                        "(Katib's PrometheusMetric collector) instead of printing them")
    args = parser.parse_args()

    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    classes = np.unique(digits.target)

    hyperparameters = {"lr": args.lr, "alpha": args.alpha, "hidden": args.hidden,
                       "activation": args.activation, "seed": args.seed}
    checkpoints = os.environ.get("TUNEUP_CHECKPOINT_DIR")
    done, model = load_checkpoint(checkpoints, hyperparameters) if checkpoints else (0, None)
    if model is not None and done >= args.epochs:
        print(f"ignoring the checkpoint: it is after epoch {done}, this trial trains "
              f"{args.epochs}", file=sys.stderr)
        done, model = 0, None
    if model is None:
        model = MLPClassifier(hidden_layer_sizes=(args.hidden,), activation=args.activation,
                              alpha=args.alpha, learning_rate_init=args.lr, batch_size=64,
                              random_state=args.seed)
    else:
        source = os.environ.get("TUNEUP_RESUME_FROM", "an earlier run")
        print(f"resuming after epoch {done} from the checkpoint of {source}", file=sys.stderr)
    gauges = serve_gauges(args.prometheus_port) if args.prometheus_port else None
    warnings.simplefilter("ignore", ConvergenceWarning)
    for epoch in range(done + 1, args.epochs + 1):
        model.partial_fit(x_train, y_train, classes=classes)
        probabilities = np.clip(model.predict_proba(x_val), 1e-12, 1.0)
        loss = log_loss(y_val, probabilities, labels=classes)
        accuracy = float((model.predict(x_val) == y_val).mean())
        if not np.isfinite(loss):
            print(f"epoch={epoch} diverged", file=sys.stderr)
            return 1
        if args.push:
            report(loss=loss, accuracy=accuracy)
        elif gauges:
            gauges["loss"].set(loss)
            gauges["accuracy"].set(accuracy)
        else:
            print(f"epoch={epoch} loss={loss:.6f} accuracy={accuracy:.6f}", flush=True)
        if args.metrics_file:
            # Katib's JSON collector wants values as strings; tuneup takes numbers too.
            record = {"epoch": epoch, "loss": loss, "accuracy": f"{accuracy:.6f}",
                      "timestamp": datetime.now(timezone.utc).isoformat()}
            with open(args.metrics_file, "a", encoding="utf-8") as f:
                f.write(json.dumps(record) + "\n")
        if checkpoints:
            save_checkpoint(checkpoints, hyperparameters, epoch, model)
    if gauges:
        # A scraper reads the endpoint every so often: keep serving a moment so that it sees the
        # last epoch's values before the process (and the server with it) ends.
        time.sleep(1.5)
    return 0


if __name__ == "__main__":
    sys.exit(main())
