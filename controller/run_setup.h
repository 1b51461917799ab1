// What `tuneup run` and `tuneup serve` build the same way from their command-line options: the
// executor and the runner's options.
#pragma once

#include <string>

#include "controller/commands.h"
#include "controller/executor_factory.h"
#include "controller/runner.h"

namespace tuneup {

// --executor and its --slurm-*, --kube* and --kill-grace options.
ExecutorChoice ExecutorChoiceFor(const RunOptions& options);

// The runner's options: trials under `workdir` (absolute), relative workingDirs resolved against
// `manifest_dir`, the store at `db_path` (TUNEUP_DB for trials that report by themselves), this
// process's binary as TUNEUP_BINARY, and the collector, outage and priority options.
RunnerOptions RunnerOptionsFor(const RunOptions& options, const std::string& workdir,
                               const std::string& manifest_dir, const std::string& db_path);

// The text of the file an option names ("" when `path` is empty). Throws Error(kInvalidArgument)
// naming the option and the file when it cannot be read.
std::string ReadOptionFile(const std::string& path, const char* option);

}  // namespace tuneup
