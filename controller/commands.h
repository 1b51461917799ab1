// The subcommands behind the CLI, callable without argument parsing.
#pragma once

#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

namespace tuneup {

// `tuneup validate FILE...`: checks every Experiment in every file. Prints a one-line summary
// per valid experiment (plus what keeps it from running here, if anything) and every problem
// of the invalid ones. Returns kExitOk when all are valid, kExitFailed otherwise.
int ValidateCommand(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

struct RunOptions {
  std::string manifest;
  std::string workdir = ".";          // trials/ and the default database live here
  std::optional<std::string> db;      // SQLite path; default <workdir>/tuneup.db
  int kill_grace_seconds = 10;        // SIGTERM -> SIGKILL delay when stopping trials
  int file_poll_ms = 200;             // how often a File collector's file is read
  std::optional<bool> live_progress;  // default: when stderr is a terminal
};

// `tuneup run FILE`: runs (or resumes, or reports) the experiment. Returns kExitOk when it
// Succeeded, kExitFailed when it Failed, kExitUsage for an invalid manifest or a conflicting
// stored experiment, kExitInterrupted after SIGINT/SIGTERM.
int RunCommand(const RunOptions& options, std::ostream& out, std::ostream& err);

}  // namespace tuneup
