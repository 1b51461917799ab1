#include "controller/slurm_sbatch.h"

#include <charconv>
#include <cstdio>
#include <filesystem>

#include "controller/slurm_resources.h"

namespace tuneup {

namespace {

// FNV-1a, 32 bits: short, stable across builds and machines.
uint32_t Fnv1a(std::string_view text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

// sbatch expands %j, %x, ... in --output and --error; %% is a literal %.
std::string EscapeFilenamePattern(std::string_view path) {
  std::string result;
  for (char c : path) {
    if (c == '%') result += '%';
    result += c;
  }
  return result;
}

void SetIfGiven(std::string& target, const std::string& value) {
  if (!value.empty()) target = value;
}

}  // namespace

std::string ShellQuote(std::string_view text) {
  std::string quoted = "'";
  for (char c : text) {
    if (c == '\'') {
      quoted += "'\\''";
    } else {
      quoted += c;
    }
  }
  quoted += '\'';
  return quoted;
}

std::string BatchScript(const std::string& keeper, const std::string& spec_path) {
  return "#!/bin/sh\n"
         "# Written by tuneup. The trial's argv and environment are in the job spec, which\n"
         "# tuneup-job runs with execve: no shell ever sees them.\n"
         "exec " +
         ShellQuote(keeper) + " " + ShellQuote(spec_path) + "\n";
}

std::string SlurmJobName(const TrialJob& job) {
  char hash[9];
  std::snprintf(hash, sizeof hash, "%08x", Fnv1a(job.trial_dir));
  std::string name =
      "tuneup." + job.experiment + "." + job.trial + "." + std::to_string(job.attempt) + "." + hash;
  // squeue --name takes a comma-separated list; names never hold a comma (Kubernetes names),
  // but a job name must not break that.
  for (char& c : name)
    if (c == ',' || c == '\n' || c == ' ') c = '_';
  return name;
}

SlurmPlacement SlurmPlacementFor(const TrialJob& job, const SlurmOptions& options) {
  SlurmPlacement placement{options.partition, options.qos, options.account, options.time, 0};
  if (job.priority == Priority::kLow) {
    SetIfGiven(placement.partition, options.low_partition);
    SetIfGiven(placement.qos, options.low_qos);
    placement.nice = options.low_nice;
  } else if (job.priority == Priority::kHigh) {
    SetIfGiven(placement.partition, options.high_partition);
    SetIfGiven(placement.qos, options.high_qos);
  }
  SetIfGiven(placement.partition, job.slurm.partition);
  SetIfGiven(placement.qos, job.slurm.qos);
  SetIfGiven(placement.account, job.slurm.account);
  SetIfGiven(placement.time, job.slurm.time);
  return placement;
}

std::vector<std::string> SbatchArgv(const TrialJob& job, const SlurmOptions& options,
                                    const std::string& script) {
  namespace fs = std::filesystem;
  const SlurmResources resources = SlurmResourcesOf(job.resources);
  const SlurmPlacement placement = SlurmPlacementFor(job, options);
  const std::string dir = EscapeFilenamePattern(job.trial_dir);
  // Every value is one argv entry in --name=value form: a value that starts with '-' is never
  // taken for an option, and no shell is involved.
  std::vector<std::string> argv = {
      "sbatch",
      "--parsable",
      "--hold",
      "--job-name=" + SlurmJobName(job),
      "--chdir=" + job.trial_dir,
      "--output=" + (fs::path(dir) / "slurm-%j.out").string(),
      "--error=" + (fs::path(dir) / "slurm-%j.err").string(),
  };
  if (!placement.partition.empty()) argv.push_back("--partition=" + placement.partition);
  if (!placement.qos.empty()) argv.push_back("--qos=" + placement.qos);
  if (!placement.account.empty()) argv.push_back("--account=" + placement.account);
  if (!placement.time.empty()) argv.push_back("--time=" + placement.time);
  if (placement.nice != 0) argv.push_back("--nice=" + std::to_string(placement.nice));
  if (resources.cpus > 0) argv.push_back("--cpus-per-task=" + std::to_string(resources.cpus));
  if (resources.memory_mb > 0) argv.push_back("--mem=" + std::to_string(resources.memory_mb) + "M");
  if (resources.gpus > 0) argv.push_back("--gres=gpu:" + std::to_string(resources.gpus));
  argv.push_back(script);
  return argv;
}

std::optional<int64_t> ParseSbatchJobId(std::string_view output) {
  while (!output.empty() && (output.back() == '\n' || output.back() == ' '))
    output.remove_suffix(1);
  size_t newline = output.rfind('\n');  // sbatch may print warnings before the id
  if (newline != std::string_view::npos) output.remove_prefix(newline + 1);
  output = output.substr(0, output.find(';'));
  int64_t id = 0;
  auto [end, ec] = std::from_chars(output.data(), output.data() + output.size(), id);
  if (ec != std::errc() || end != output.data() + output.size() || id <= 0) return std::nullopt;
  return id;
}

}  // namespace tuneup
