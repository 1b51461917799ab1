// What the Slurm executor submits for a trial: the batch script, the job's name and the sbatch
// command line. Pure functions, so that they are tested without a cluster.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "controller/executor.h"
#include "controller/slurm_options.h"

namespace tuneup {

// `text` as one sh word: in single quotes, each ' written as '\''.
std::string ShellQuote(std::string_view text);

// The batch script of a job: its only command execs `keeper spec_path`, both quoted. The
// trial's argv and environment are in the spec file, so no parameter value is ever in the script
// or seen by a shell.
std::string BatchScript(const std::string& keeper, const std::string& spec_path);

// The Slurm job name of `job`: tuneup.<experiment>.<trial>.<attempt>.<8 hex digits of a hash of
// the trial directory>. The same trial attempt of the same work directory always gets the same
// name; another work directory (another tuneup process) gets another.
std::string SlurmJobName(const TrialJob& job);

// Where and how a job is queued: options, then the priority mapping, then the experiment's
// annotations (TrialJob.slurm), later ones winning. Empty strings are not passed to sbatch.
struct SlurmPlacement {
  std::string partition;
  std::string qos;
  std::string account;
  std::string time;
  int nice = 0;
  bool operator==(const SlurmPlacement&) const = default;
};
SlurmPlacement SlurmPlacementFor(const TrialJob& job, const SlurmOptions& options);

// The sbatch command (argv[0] is "sbatch") that submits `script` for `job`, held: --parsable
// --hold, the job name, --chdir to the trial directory, --output/--error to
// slurm-<job id>.out/.err there, the placement, and CPUs, memory and GPUs from job.resources.
// Throws Error(kInvalidArgument) when job.resources cannot be read.
std::vector<std::string> SbatchArgv(const TrialJob& job, const SlurmOptions& options,
                                    const std::string& script);

// The job id in `sbatch --parsable` output ("123" or "123;cluster"); nullopt when there is none.
std::optional<int64_t> ParseSbatchJobId(std::string_view output);

}  // namespace tuneup
