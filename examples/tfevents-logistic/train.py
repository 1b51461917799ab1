#!/usr/bin/env python3
"""Logistic regression trained by mini-batch SGD on a fixed synthetic problem, logging TensorBoard
event files as a TensorFlow/PyTorch trainer would: the training loss under LOGDIR/train and the
validation loss and accuracy under LOGDIR/validation, one scalar per epoch (tensorboardX's
SummaryWriter, the event writer without TensorFlow). It prints nothing: the metrics reach tuneup
only through the event files (Katib's TensorFlowEvent collector).

Needs numpy and tensorboardX:  pip install numpy tensorboardX
"""

import argparse
import os
import sys

import numpy as np
from tensorboardX import SummaryWriter


def make_problem(seed: int = 7):
    """A 20-feature binary problem with label noise, the same for every trial."""
    rng = np.random.default_rng(seed)
    weights = rng.normal(size=20)
    x = rng.normal(size=(3000, 20))
    y = (x @ weights + rng.normal(scale=2.0, size=3000) > 0).astype(float)
    return x[:2000], y[:2000], x[2000:], y[2000:]


def loss_and_accuracy(w: np.ndarray, x: np.ndarray, y: np.ndarray):
    p = np.clip(1.0 / (1.0 + np.exp(-(x @ w))), 1e-12, 1 - 1e-12)
    loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    return loss, float(np.mean((p > 0.5) == (y > 0.5)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, required=True, help="SGD learning rate")
    parser.add_argument("--l2", type=float, required=True, help="L2 penalty")
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--logdir", required=True, help="where the event files go")
    args = parser.parse_args()

    x_train, y_train, x_val, y_val = make_problem()
    rng = np.random.default_rng(0)
    w = np.zeros(x_train.shape[1])
    train = SummaryWriter(os.path.join(args.logdir, "train"), flush_secs=1)
    validation = SummaryWriter(os.path.join(args.logdir, "validation"), flush_secs=1)
    for epoch in range(1, args.epochs + 1):
        order = rng.permutation(len(x_train))
        for start in range(0, len(order), 50):
            batch = order[start:start + 50]
            p = 1.0 / (1.0 + np.exp(-(x_train[batch] @ w)))
            gradient = x_train[batch].T @ (p - y_train[batch]) / len(batch) + args.l2 * w
            w -= args.lr * gradient
        train_loss, _ = loss_and_accuracy(w, x_train, y_train)
        val_loss, val_accuracy = loss_and_accuracy(w, x_val, y_val)
        if not np.isfinite(train_loss):
            print(f"epoch {epoch}: diverged", file=sys.stderr)
            return 1
        train.add_scalar("loss", train_loss, epoch)
        validation.add_scalar("loss", val_loss, epoch)
        validation.add_scalar("accuracy", val_accuracy, epoch)
    train.close()
    validation.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
