// Trials as processes on this machine.
//
// Each job is started with posix_spawn (execve underneath: no shell ever sees an argument) in a
// process group of its own, stdin from /dev/null, stdout and stderr through pipes that the event
// loop reads: every byte is appended to stdout.log / stderr.log in the trial directory and handed
// to the job's on_output as it arrives. The executable is looked up on the job's PATH (its env,
// else tuneup's). The job ends when its main process has exited and its output is drained; as in
// a container, processes it left behind in its group are then killed. Kill sends SIGTERM to the
// whole group and SIGKILL after the grace period. The container image is ignored.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "controller/executor.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct LocalExecutorOptions {
  // SIGTERM -> SIGKILL delay when a job is stopped.
  std::chrono::milliseconds kill_grace{10'000};
  // How long output pipes may stay open after the main process exited (a daemonised grandchild
  // that escaped the process group keeps them open) before tuneup stops waiting for them.
  std::chrono::milliseconds drain_timeout{5'000};
  // Added to tuneup's own niceness for the jobs (0: the same priority as tuneup).
  int nice = 0;
};

class LocalExecutor final : public Executor {
 public:
  LocalExecutor(boost::asio::io_context& io, LocalExecutorOptions options = {});
  ~LocalExecutor() override;

  void Launch(const TrialJob& job, JobCallbacks callbacks) override;
  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) override;
  void Kill(std::string_view trial) override;
  void KillAllNow() override;
  size_t running() const override;

 private:
  struct Job;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The absolute path of `program` as execve should get it: a name with '/' is taken relative to
// `working_dir`; a bare name is searched in the ':'-separated `path` list. Returns "" when no
// executable file is found.
std::string ResolveExecutable(const std::string& program, const std::string& path,
                              const std::string& working_dir);

}  // namespace tuneup
