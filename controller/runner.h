// The experiment loop.
//
// ExperimentRunner runs one stored experiment on an event loop: it keeps parallelTrialCount
// trials running, asks the algorithm for assignments, writes each trial to the store before its
// job starts, feeds the job's output to the metrics collector, stores every observation, reduces
// the objective when a trial ends, and ends the experiment with Katib's reasons:
//   ExperimentGoalReached          a succeeded trial reached objective.goal        -> Succeeded
//   ExperimentMaxFailedTrialsReached  failed trials reached maxFailedTrialCount     -> Failed
//   ExperimentMaxTrialsReached     maxTrialCount trials completed                  -> Succeeded
//   ExperimentSuggestionEndReached the algorithm has nothing left to propose       -> Succeeded
// checked in that order after every trial ends. Trials still running then are stopped and
// recorded as Killed, with their observations. Failed and MetricsUnavailable (exited 0 without
// reporting the objective) trials count as failed, as in Katib.
//
// With an EarlyStopper (spec.earlyStopping), every batch of observations is stored first and then
// shown to the stopper with the curves of every trial; a trial it stops ends as EarlyStopped
// (reason TrialEarlyStopped), keeping its objective so far. EarlyStopped trials count towards
// maxTrialCount, never towards maxFailedTrialCount.
//
// Cross-validated experiments (tuneup.dev/cv-folds, api/cross_validation.h): each trial runs as
// folds x repeats jobs of its own ("<trial>-fold-<i>", with TUNEUP_FOLD, TUNEUP_FOLDS and
// TUNEUP_REPEAT), and parallelTrialCount counts jobs. Each fold keeps its own attempts, job
// identity and observations (Observation::fold); the trial's objective is the mean of its folds'
// objectives. A failed fold fails the trial and stops its other folds; racing (tuneup.dev/
// cv-race, controller/fold_race.h) and early-stopping rules (on the mean of the fold curves) end
// it EarlyStopped; a preempted fold re-runs alone. With tuneup.dev/cv-final the best trial runs
// once more with TUNEUP_FINAL=1 after the search has succeeded (Trial::final_evaluation).
//
// Resuming is starting again: trials the store holds as Pending or Running (left by an
// interrupted or crashed run) are re-run first, with the same assignment, as a new attempt.
// Interrupt() stops every running trial and re-queues it (Pending), leaving the experiment
// Running so the next run resumes it.
//
// Database outages: every write goes through a StoreWriter (controller/store_writer.h). While the
// store is unavailable, trials keep running and writes are buffered in order, then stored once it
// is back; `done` comes only after the last write is stored. A write that cannot be made ends the
// experiment, aborted with the database's error. Reads (at Start, and by Push collectors) go to
// the store directly.
//
// The store, the executor and the clock are injected; everything happens on the io_context's
// thread.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "api/experiment_status.h"
#include "common/clock.h"
#include "controller/executor.h"
#include "controller/store_writer.h"
#include "controller/trial_collector.h"
#include "db/store.h"
#include "suggestion/algorithm.h"
#include "suggestion/early_stopping.h"
#include "suggestion/timed_suggest.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct RunnerOptions {
  std::string workdir;       // absolute; trials run in <workdir>/trials/<trial name>/
  std::string manifest_dir;  // absolute; relative workingDirs resolve here
  // Where the store is (TUNEUP_DB for trials that report by themselves, `tuneup report`).
  std::string store_location;
  // The tuneup binary (TUNEUP_BINARY), so that trials can run `$TUNEUP_BINARY report`.
  std::string tuneup_binary;
  // Limits and timings of the metrics collectors (controller/trial_collector.h).
  CollectorOptions collector;
  // Retries and buffering while the database is unavailable (controller/store_writer.h);
  // spill_path defaults to <workdir>/store-buffer-<experiment>.bin.
  StoreWriterOptions store_writer;
  // Overrides the experiment's tuneup.dev/priority annotation (`tuneup run --priority`).
  std::optional<Priority> priority;
  // Told how long each call of the algorithm took (`tuneup serve`'s /metrics); may be null.
  // Must outlive the runner.
  SuggestionObserver* suggestion_observer = nullptr;
};

// Progress, for whoever is watching (the CLI's progress line, tests). Called on the loop thread.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  virtual void OnTrialStarted(const Trial& trial) { (void)trial; }
  virtual void OnTrialFinished(const Trial& trial) { (void)trial; }
  virtual void OnWarning(const std::string& trial, std::string_view message) {
    (void)trial;
    (void)message;
  }
  // The final evaluation of a cross-validated experiment's best trial (Trial::final_evaluation)
  // has ended.
  virtual void OnFinalEvaluation(const Trial& trial) { (void)trial; }
  // The database went away, came back, or is being waited for.
  virtual void OnStoreMessage(std::string_view message) { (void)message; }
};

struct RunOutcome {
  ExperimentStatus status;   // as stored at the end
  bool interrupted = false;  // stopped by Interrupt(); the experiment can be resumed
  std::string error;         // non-empty when the run was aborted by an error (store, algorithm)
};

class ExperimentRunner {
 public:
  ExperimentRunner(boost::asio::io_context& io, Store& store, Executor& executor,
                   const Clock& clock, RunnerOptions options, RunObserver* observer = nullptr);
  ~ExperimentRunner();

  // Starts (or resumes) the experiment `record`, which must be in the store, with `algorithm`
  // and, when the experiment stops trials early, `stopper` (may be null). `done` is called exactly
  // once, on the loop, when the experiment has ended, was interrupted or was aborted by an error.
  // Call once.
  void Start(const ExperimentRecord& record, std::unique_ptr<Algorithm> algorithm,
             std::unique_ptr<EarlyStopper> stopper, std::function<void(const RunOutcome&)> done);

  // Stops running trials (their whole process groups) and re-queues them. A second call stops
  // them without a grace period.
  void Interrupt();

  // Background tuning: Yield(true) makes a low-priority experiment give the machine back: its
  // running trials are stopped and re-queued as preempted (never failed), and none starts until
  // Yield(false). Experiments of normal or high priority do not yield. Returns whether this
  // experiment yields.
  bool Yield(bool yield);

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup
