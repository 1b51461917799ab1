#!/bin/sh
# The trial program of the Slurm overhead benchmark, run by tuneup's Slurm jobs and by the plain
# sbatch jobs alike: it only prints the objective.
echo "loss=$1"
