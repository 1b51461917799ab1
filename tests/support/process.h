// Running a program as a child process, for end-to-end tests: argv exactly as given (posix_spawn,
// no shell), stdout and stderr captured to files, and a deadline on every wait so that a hung
// child fails the test instead of hanging it.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tuneup::testing {

class TempDir;

struct ProcessOptions {
  // Directory the child starts in ("" = the test's current directory).
  std::string working_dir;
  // Set in the child's environment on top of the test's own (later entries win).
  std::vector<std::pair<std::string, std::string>> env;
};

struct ProcessResult {
  int exit_code = -1;      // when it exited by itself
  int signal = 0;          // the signal that ended it, if any
  bool timed_out = false;  // Wait's limit passed: the child was SIGKILLed
  std::string out;
  std::string err;
  std::chrono::steady_clock::duration elapsed{};  // from start (or the last Signal) to exit

  // For failure messages: exit status and both streams.
  std::string Describe() const;
};

// A running child. The destructor SIGKILLs and reaps a child that is still running.
class Process {
 public:
  // Starts argv[0] (an absolute path) with argv. Throws std::runtime_error if it cannot.
  explicit Process(const std::vector<std::string>& argv, const ProcessOptions& options = {});
  ~Process();
  Process(const Process&) = delete;
  Process& operator=(const Process&) = delete;

  pid_t pid() const { return pid_; }

  // Sends `signal` to the child and restarts the elapsed-time measurement from now.
  void Signal(int signal);

  // Waits at most `limit` for the child to exit; SIGKILLs it after that (timed_out).
  ProcessResult Wait(std::chrono::milliseconds limit = std::chrono::seconds(120));

 private:
  std::unique_ptr<TempDir> output_dir_;
  pid_t pid_ = -1;
  std::chrono::steady_clock::time_point start_;
};

// Starts argv, waits for it (at most `limit`) and returns what it did.
ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options = {},
                         std::chrono::milliseconds limit = std::chrono::seconds(120));

// Live processes (zombies excluded) that have `token` as one of their arguments (argv[0]
// included), exactly.
std::vector<pid_t> ProcessesWithToken(const std::string& token);

}  // namespace tuneup::testing
