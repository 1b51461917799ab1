// Where trials run.
//
// An Executor launches a trial's job, reports its output and its end, and stops it on request.
// It hides whether the job is a local process, a Slurm job or a Kubernetes Job: the runner only
// sees TrialJob in, output bytes and one JobResult out. All callbacks run on the event loop the
// executor was created with; an executor is used from that loop only.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/experiment.h"
#include "api/tuneup_annotations.h"

namespace tuneup {

// A trial's job: the primary container of the trial template with every placeholder filled in.
struct TrialJob {
  std::string experiment;
  // The job's name, which executors key it by: the trial's name, or for one job of a
  // cross-validated trial "<trial>-fold-<i>" (api/cross_validation.h).
  std::string trial;
  // The trial it belongs to (Katib's trial label, KATIB_TRIAL_NAME); empty: `trial`.
  std::string trial_name;
  // Which run of the trial this is (api/trial.h): executors name per-attempt resources with it.
  int attempt = 0;
  // command + args of the primary container, each element one argv entry (never split, never
  // given to a shell).
  std::vector<std::string> argv;
  // The container's env, in order, plus tuneup's own variables (TUNEUP_TRIAL_DIR, ...).
  std::vector<std::pair<std::string, std::string>> env;
  // Absolute directory the job runs in.
  std::string working_dir;
  // The trial's own directory (output files, metrics); exists before Launch.
  std::string trial_dir;
  // The container image as written (local processes cannot use it).
  std::string image;
  // The whole rendered trialSpec, for executors that submit it as is (Kubernetes).
  Json rendered_spec;
  // The primary container's `resources` (requests, limits) as rendered; null when it has none.
  // Executors that reserve resources per job read it (Slurm: CPUs, memory, GPUs).
  Json resources;
  // The name of the primary container in rendered_spec (trialTemplate.primaryContainerName;
  // "" = the first container), whose output is the job's output.
  std::string primary_container;
  // How the job competes with other work (api/tuneup_annotations.h): each executor maps it to
  // what its platform has (locally: low = SCHED_IDLE and nice 19).
  Priority priority = Priority::kNormal;
  // The experiment's tuneup.dev/slurm-* settings (api/tuneup_annotations.h), for the Slurm
  // executor; other executors ignore them.
  SlurmSettings slurm;
};

enum class OutputStream { kStdout, kStderr };

struct JobResult {
  enum class Kind {
    kExited,        // the process ended by itself: see exit_code / signal
    kKilled,        // stopped on request (Kill)
    kLaunchFailed,  // could not be started: see message
    // The cluster took the job away: preempted by a higher-priority job, evicted, requeued by
    // the scheduler. Not the trial's doing: the runner re-runs the trial with the same
    // assignment, as a new attempt, as often as it happens, and never counts it as failed.
    kPreempted,
    // The infrastructure failed under the job (a node died, a node never booted). Re-run like a
    // preemption, but at most the experiment's infrastructure retry budget per trial
    // (api/tuneup_annotations.h); beyond it the trial fails.
    kInfrastructureFailed,
    // Adopt only: the job was created but provably never ran (its controller died before
    // releasing it). The runner starts the trial again as if it had never been launched.
    kNeverStarted,
  };
  Kind kind = Kind::kExited;
  int exit_code = -1;  // for kExited without a signal
  int signal = 0;      // the signal that ended it, if any
  std::string message;

  bool succeeded() const { return kind == Kind::kExited && signal == 0 && exit_code == 0; }
};

// How a job talks back. on_created is called at most once, first; on_output any number of
// times, then on_exit exactly once; no call follows on_exit.
struct JobCallbacks {
  std::function<void(OutputStream stream, std::string_view bytes)> on_output;
  std::function<void(const JobResult& result)> on_exit;
  // Crash safety: the job exists but cannot run until `release` is called. `identity` is what
  // Adopt needs to find the job again after this process died (an executor-specific string,
  // stored with the trial before release). A job whose controller dies before release never
  // runs. Without on_created the executor releases the job at once.
  std::function<void(const std::string& identity, std::function<void()> release)> on_created = {};
};

class Executor {
 public:
  virtual ~Executor() = default;

  // Starts `job`. A job that cannot be started is reported through on_exit (kLaunchFailed), like
  // every other ending, so the caller has one path for all of them.
  virtual void Launch(const TrialJob& job, JobCallbacks callbacks) = 0;

  // Re-attaches to the job of `job.trial` that an earlier controller process launched and
  // reported through on_created as `identity`. A job still running is followed as if launched
  // here; its output is replayed from its beginning (on_output), so the caller must skip what it
  // already stored. A job that ended meanwhile replays its output and reports how it ended. A job
  // that never ran ends with kNeverStarted; one that ran but left no trace of how it ended with
  // kInfrastructureFailed. An identity this executor cannot read ends with kLaunchFailed.
  virtual void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) = 0;

  // Asks the job of `trial` to stop: the whole job (every process it started), gracefully first,
  // forcibly after the executor's grace period. on_exit follows with kKilled (or kExited if it
  // ended on its own first). Unknown or finished trials are ignored.
  virtual void Kill(std::string_view trial) = 0;

  // Stops every job at once, without a grace period (a second Ctrl-C).
  virtual void KillAllNow() = 0;

  // Jobs launched and not yet reported finished (those waiting() to start included).
  virtual size_t running() const = 0;

  // Of the running() jobs, those that have not started to run yet: not released by the caller
  // yet (on_created), or waiting in the cluster's queue (a pending Slurm job, a Kubernetes Job
  // whose pod has not run yet). For monitoring (`tuneup serve`'s /metrics).
  virtual size_t waiting() const = 0;
};

}  // namespace tuneup
