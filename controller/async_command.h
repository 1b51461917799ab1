// Running short external commands (sbatch, squeue, scancel, ...) without blocking the event loop.
//
// A command is an argv run with posix_spawnp (never a shell), stdin from /dev/null, its stdout
// and stderr collected through pipes the event loop reads. When it has exited and both pipes are
// drained, `done` gets the exit code and the output. At most `max_running` commands run at once;
// later ones wait in order. A command that runs longer than `timeout` is killed (SIGKILL) and
// reported with exit code -1 and a message in `error`.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct CommandResult {
  int exit_code = -1;  // -1: could not be started, killed by a signal, or timed out
  std::string out;
  std::string err;
  std::string error;  // why it could not be run or did not end normally; "" otherwise
  bool ok() const { return exit_code == 0; }
};

struct CommandRunnerOptions {
  size_t max_running = 4;
  std::chrono::milliseconds timeout{60'000};
  // Prepended to argv[0] when it has no '/' (e.g. "/usr/bin"); empty: the PATH is searched.
  std::string directory;
};

class CommandRunner {
 public:
  CommandRunner(boost::asio::io_context& io, CommandRunnerOptions options = {});
  // Commands still running are killed; their `done` is never called.
  ~CommandRunner();
  CommandRunner(const CommandRunner&) = delete;
  CommandRunner& operator=(const CommandRunner&) = delete;

  // Runs `argv` (argv[0] the program). `done` runs on the event loop, never inside Run.
  void Run(std::vector<std::string> argv, std::function<void(const CommandResult&)> done);

  // Commands started or waiting.
  size_t pending() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// "sbatch --parsable ..." as one line for messages: each argument shown, quoted when needed.
std::string CommandLine(const std::vector<std::string>& argv);

}  // namespace tuneup
