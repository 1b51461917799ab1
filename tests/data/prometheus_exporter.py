#!/usr/bin/python3
"""A trial's metrics endpoint for tests/prometheus_scraper_test.cc: the real prometheus_client
(Debian's python3-prometheus-client) serving a gauge, a labelled gauge, a counter and a histogram
whose values the test sets through a state file.

Usage: prometheus_exporter.py --state FILE --port-file FILE [--port N]

The state file holds one line per fact, and is read again whenever it changes (the test replaces
it whole, by rename):
  gauge loss 0.5               a gauge without labels
  gauge accuracy val 0.9       the gauge `accuracy` with label phase="val"
  counter steps 3              the counter's total (exposed as steps_total); it only grows
  observe duration 0.25        one histogram observation per line; lines only get added
Once the server listens on 127.0.0.1, its port is written to the port file (by rename, so the
test never reads half of it). Without --port a free port is chosen. The process runs until it is
killed, or for five minutes at most.
"""

import argparse
import os
import socket
import sys
import time

from prometheus_client import Counter, Gauge, Histogram, start_http_server

LOSS = Gauge("loss", "Training loss.")
ACCURACY = Gauge("accuracy", "Accuracy by phase.", ["phase"])
STEPS = Counter("steps", "Training steps done.")
DURATION = Histogram("duration", "Step durations, in seconds.", buckets=(0.1, 0.5, 1.0))

LIFETIME_SECONDS = 300


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def serve(port):
    """Starts the server on `port`, or on a free one (retrying if another process takes it)."""
    if port:
        start_http_server(port, addr="127.0.0.1")
        return port
    for _ in range(50):
        candidate = free_port()
        try:
            start_http_server(candidate, addr="127.0.0.1")
            return candidate
        except OSError:
            continue
    sys.exit("prometheus_exporter: no free port found")


def write_atomically(path, text):
    with open(path + ".tmp", "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(path + ".tmp", path)


class Applier:
    """Applies state files; counters and histograms only move forward."""

    def __init__(self):
        self.steps = 0.0
        self.observed = 0

    def apply(self, text):
        observations = []
        for line in text.splitlines():
            words = line.split()
            if not words:
                continue
            kind, name = words[0], words[1]
            if kind == "gauge" and name == "loss":
                LOSS.set(float(words[2]))
            elif kind == "gauge" and name == "accuracy":
                ACCURACY.labels(phase=words[2]).set(float(words[3]))
            elif kind == "counter" and name == "steps":
                total = float(words[2])
                if total > self.steps:
                    STEPS.inc(total - self.steps)
                    self.steps = total
            elif kind == "observe" and name == "duration":
                observations.append(float(words[2]))
            else:
                sys.exit(f"prometheus_exporter: cannot apply {line!r}")
        for value in observations[self.observed:]:
            DURATION.observe(value)
        self.observed = max(self.observed, len(observations))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--state", required=True)
    parser.add_argument("--port-file", required=True)
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()

    applier = Applier()
    applied = None
    if os.path.exists(args.state):
        with open(args.state, encoding="utf-8") as state:
            applied = state.read()
        applier.apply(applied)
    write_atomically(args.port_file, str(serve(args.port)))

    deadline = time.monotonic() + LIFETIME_SECONDS
    while time.monotonic() < deadline:
        try:
            with open(args.state, encoding="utf-8") as state:
                text = state.read()
        except FileNotFoundError:
            text = applied
        if text != applied:
            applier.apply(text)
            applied = text
        time.sleep(0.01)


if __name__ == "__main__":
    main()
