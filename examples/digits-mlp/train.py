#!/usr/bin/python3
"""Train a small neural network on scikit-learn's bundled handwritten digits.

A real trainer for tuneup's quick start: it takes its hyperparameters as command-line flags,
trains for a number of epochs and prints `epoch=N loss=X accuracy=Y` after each one, which
tuneup's StdOut metrics collector reads as it goes (Katib's `name=value` format).
Needs Debian's python3-sklearn (run it with /usr/bin/python3).
"""
import argparse
import sys
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.metrics import log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lr", type=float, required=True, help="initial learning rate")
    parser.add_argument("--alpha", type=float, required=True, help="L2 penalty")
    parser.add_argument("--hidden", type=int, required=True, help="hidden units")
    parser.add_argument("--activation", choices=["relu", "tanh", "logistic"], required=True)
    parser.add_argument("--epochs", type=int, default=25)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    digits = load_digits()
    x_train, x_val, y_train, y_val = train_test_split(
        digits.data, digits.target, test_size=0.3, random_state=0, stratify=digits.target)
    scaler = StandardScaler().fit(x_train)
    x_train, x_val = scaler.transform(x_train), scaler.transform(x_val)
    classes = np.unique(digits.target)

    model = MLPClassifier(hidden_layer_sizes=(args.hidden,), activation=args.activation,
                          alpha=args.alpha, learning_rate_init=args.lr, batch_size=64,
                          random_state=args.seed)
    warnings.simplefilter("ignore", ConvergenceWarning)
    for epoch in range(1, args.epochs + 1):
        model.partial_fit(x_train, y_train, classes=classes)
        probabilities = np.clip(model.predict_proba(x_val), 1e-12, 1.0)
        loss = log_loss(y_val, probabilities, labels=classes)
        accuracy = float((model.predict(x_val) == y_val).mean())
        if not np.isfinite(loss):
            print(f"epoch={epoch} diverged", file=sys.stderr)
            return 1
        print(f"epoch={epoch} loss={loss:.6f} accuracy={accuracy:.6f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
