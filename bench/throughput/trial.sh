#!/bin/sh
# The trial program of the throughput benchmark, run by tuneup, Optuna and Ray Tune alike.
# argv: the two parameter values. It only prints the objective: the first value is the loss.
# No awk/python/bc: the benchmark measures the tuners, not this program.
echo "loss=$1"
