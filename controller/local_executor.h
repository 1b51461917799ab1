// Trials as processes on this machine.
//
// Each job runs under tuneup-job (controller/job_spec.h), started with posix_spawn in a session
// of its own and released once the runner has stored its identity (on_created): the keeper
// execve()s the trial (no shell ever sees an argument) in a process group of its own, stdin from
// /dev/null, stdout and stderr appended to stdout.log / stderr.log in the trial directory, which
// this executor follows (OutputTail) and hands to on_output. The executable is looked up on the
// job's PATH (its env, else tuneup's). The job ends when its keeper has exited, with what the
// keeper recorded in job.status; as in a container, processes the trial left behind in its group
// are then killed. Kill sends SIGTERM (passed on to the trial's group) and kills the group after
// the grace period. The container image is ignored.
//
// Jobs outlive the controller: the identity (keeper pid, its start time, the job's directory)
// lets Adopt follow a job started by a controller that died, through a pidfd, and collect one
// that ended meanwhile from its files.
#pragma once

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "controller/executor.h"
#include "controller/job_launch.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct LocalExecutorOptions {
  // SIGTERM -> SIGKILL delay when a job is stopped.
  std::chrono::milliseconds kill_grace{10'000};
  // How often running jobs' output files are read in any case (inotify wakes the reader as soon
  // as they grow; this is for when it cannot, see controller/output_tail.h).
  std::chrono::milliseconds output_poll{100};
  // Added to tuneup's own niceness for the jobs (0: the same priority as tuneup).
  int nice = 0;
  // The tuneup-job binary; empty: FindJobKeeper() (controller/job_launch.h).
  std::string keeper = {};
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
  // Jobs not released yet: a local job starts as soon as it is released.
  size_t waiting() const override;

  // Stops following every job and leaves each as it is, as if this process had died: running
  // jobs run on (a later Adopt takes them over), jobs not yet released never run. No callback
  // follows.
  void Detach();

 private:
  struct Job;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup
