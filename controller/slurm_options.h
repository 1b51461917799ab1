// How the Slurm executor submits and follows trials (`tuneup run --executor slurm --slurm-...`).
#pragma once

#include <chrono>
#include <cstddef>
#include <string>

namespace tuneup {

struct SlurmOptions {
  // Defaults for every experiment (sbatch --partition, --qos, --account, --time; empty: Slurm's
  // own default). An experiment's tuneup.dev/slurm-* annotations override them.
  std::string partition;
  std::string qos;
  std::string account;
  std::string time;

  // The priority mapping (TrialJob.priority). Low-priority trials go to low_partition / low_qos
  // when set (else to the defaults above) with --nice=low_nice, so they start after other work of
  // the same partition and are the ones a preempting partition or QOS takes the nodes from.
  // High-priority trials go to high_partition / high_qos when set; no --nice (a negative nice
  // needs a Slurm operator). Normal priority uses the defaults.
  std::string low_partition;
  std::string low_qos;
  int low_nice = 10'000;
  std::string high_partition;
  std::string high_qos;

  // Time between two squeue calls (one call per poll for all jobs); also how often the jobs'
  // output files are read.
  std::chrono::milliseconds poll_interval{1000};
  // How long a job's files may lag behind Slurm after it ended (a shared filesystem's attribute
  // cache) before the job is judged by what is there.
  std::chrono::milliseconds status_grace{10'000};
  // A Slurm command that has not ended after this long is killed (and counts as failed).
  std::chrono::milliseconds command_timeout{60'000};
  // Slurm commands running at once; more wait their turn (so 100 launches do not start 100
  // sbatch processes against slurmctld at the same time).
  size_t max_concurrent_commands = 4;

  // The tuneup-job binary the batch script runs (must be reachable on the compute nodes at the
  // same path); empty: the one beside the tuneup binary.
  std::string keeper;
  // Directory of sbatch, squeue, scontrol and scancel; empty: found on PATH.
  std::string commands_dir;
};

}  // namespace tuneup
