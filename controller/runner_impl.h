// The inside of ExperimentRunner (controller/runner.h), shared by the files that implement it:
// runner.cc (the loop, trials with one job) and runner_folds.cc (cross-validated trials, whose
// folds are jobs of their own). Not part of the interface.
#pragma once

#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <cstdint>
#include <deque>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/tuneup_annotations.h"
#include "controller/end_rules.h"
#include "controller/runner.h"
#include "controller/trial_job.h"

namespace tuneup {

class ExperimentRunner::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(boost::asio::io_context& io, Store& store, Executor& executor, const Clock& clock,
       RunnerOptions options, RunObserver* observer)
      : io_(io),
        store_(store),
        executor_(executor),
        clock_(clock),
        options_(std::move(options)),
        observer_(observer) {}

  void Start(const ExperimentRecord& record, std::unique_ptr<Algorithm> algorithm,
             std::unique_ptr<EarlyStopper> stopper, std::function<void(const RunOutcome&)> done);
  void Interrupt();
  bool Yield(bool yield);

 private:
  // A running job: a trial's, or one fold job of a cross-validated trial.
  struct Active {
    size_t index = 0;      // into trials_
    int fold = kTrialJob;  // which of the trial's jobs: kTrialJob, a fold index or kFinalJob
    std::unique_ptr<TrialCollector> collector;
    std::unique_ptr<std::ofstream> warnings_log;
    std::optional<std::string> early_stop;  // why the stopper stopped it, once it has
    // Adopted from a controller that died: observations its collector finds again that were
    // stored before (skipped when storing, counted down as they come).
    bool adopted = false;
    size_t already_stored = 0;
  };
  // Why a cross-validated trial ends before all its folds succeeded; its running folds are
  // stopped and it takes this status once the last of them has ended.
  struct Verdict {
    TrialStatus status = TrialStatus::kFailed;
    std::string reason;
    std::string message;
  };

  void ScheduleReconcile();
  void Reconcile();
  // Asks the executor to stop every running job (but a final evaluation, if told to keep it);
  // their ends arrive as OnExit events.
  void KillActive(bool keep_final_evaluation = false);
  void ProposeTrials(int slots);
  // The end of the experiment, if it has come (controller/end_rules.h).
  std::optional<ExperimentEnd> CheckEnd();
  void BeginEnding(const ExperimentEnd& end);
  // Everything has stopped: runs the final evaluation if one is due, else finishes.
  void FinishOrEvaluate();
  // The job of trial `index` was taken away (preempted, or the infrastructure failed): queues
  // the trial to run again, before any new one, or fails it when its infrastructure retries are
  // used up.
  void Requeue(size_t index, const JobResult& result);
  // Counts an infrastructure failure of trial `index` against its budget; a message when the
  // budget is used up.
  std::optional<std::string> CountInfrastructureFailure(size_t index, const JobResult& result);
  static bool TakenAway(const JobResult& result) {
    return result.kind == JobResult::Kind::kPreempted ||
           result.kind == JobResult::Kind::kInfrastructureFailed;
  }
  // Starts trial `index`'s job (a cross-validated trial's folds, as many as there are free
  // slots). Returns whether some of its jobs still wait for a slot.
  bool StartTrial(size_t index);
  // Renders the job `fold` of trial `index` in `job_dir` and makes its collector; on failure
  // fails the trial (returns null). A new job also gets its checkpoint directory; an adopted
  // one has it in use already.
  std::unique_ptr<Active> PrepareJob(size_t index, int fold, const std::filesystem::path& job_dir,
                                     TrialJob& job, bool adopting = false);
  JobCallbacks CallbacksFor(const std::string& name);
  // Launches a prepared job, its identity stored before it may run.
  void LaunchJob(const std::string& name, std::unique_ptr<Active> active, const TrialJob& job);
  // Stores the identity of a new job, then lets the job run.
  void OnJobCreated(const std::string& name, const std::string& identity,
                    std::function<void()> release);
  // Follows job `fold` of trial `index` (identity `identity`) left running by an earlier run.
  void AdoptJob(size_t index, int fold, const std::string& identity);
  void FailBeforeLaunch(size_t index, const std::string& reason, const std::string& message);
  void OnOutput(const std::string& name, OutputStream stream, std::string_view bytes);
  void OnExit(const std::string& name, const JobResult& result);
  // The job has ended and its collector has everything: records how the trial ended.
  void Complete(const std::string& name, const JobResult& result);
  void ScheduleFlush();
  void FlushObservations();
  // Adds the objective values among `observations` of job `fold` to the curve of trial `index`.
  void ExtendCurve(size_t index, int fold, std::span<const Observation> observations);
  void LoadCurves();
  // Asks the stopper about trial `index`, which has a running job; stops it when told to.
  void ConsiderStopping(size_t index);
  void SaveTrial(Trial& trial, TrialStatus previous, std::span<const Observation> observations);
  void MakeWriter();
  void Abort(const std::string& error);
  void Finish();
  void Warn(const std::string& job, std::string_view message);
  CollectorContext CollectorContextFor(const RenderRequest& request, int attempt);
  // A re-run of the job in `dir`: its earlier attempt's files are kept beside the new ones
  // (<dir>.attempt-<attempt>) and `attempt` counts the new one.
  static void StartNewAttempt(const std::filesystem::path& dir, int& attempt) {
    std::error_code ec;
    std::filesystem::path previous = dir;
    previous += ".attempt-" + std::to_string(attempt);
    if (std::filesystem::exists(dir, ec)) std::filesystem::rename(dir, previous, ec);
    ++attempt;
  }
  // The trial's job in the store's trial directory layout.
  std::filesystem::path TrialDir(const Trial& trial) const {
    return std::filesystem::path(options_.workdir) / "trials" / trial.name;
  }

  // Cross-validated trials (runner_folds.cc).
  bool CrossValidated() const { return settings_.cv.folds > 0; }
  int JobsPerTrial() const {
    return CrossValidated() ? settings_.cv.folds * settings_.cv.repeats : 1;
  }
  // Starts as many of trial `index`'s pending folds as parallelTrialCount allows. Returns
  // whether some must wait.
  bool StartFolds(size_t index);
  void StartFold(size_t index, int fold);
  // At Start: which of trial `index`'s folds an earlier run left running are adopted, which run
  // again.
  void ResumeFolds(size_t index, std::vector<std::pair<size_t, int>>& adopt);
  FoldResult& JobOf(Trial& trial, int fold) {
    return fold == kFinalJob ? *trial.final_evaluation : trial.folds[static_cast<size_t>(fold)];
  }
  void CompleteFold(std::unique_ptr<Active> active, const JobResult& result);
  // Decides (and stores) the state of cross-validated trial `index` from its folds.
  void SettleFolds(size_t index);
  // Ends trial `index` early with `verdict`: its running folds are stopped, the pending ones
  // never run.
  void EndFoldsEarly(size_t index, Verdict verdict);
  // Racing (tuneup.dev/cv-race): stops trial `index` when its folds so far show it cannot win.
  void ConsiderRacing(size_t index);
  size_t RunningJobsOf(size_t index) const;
  // The best trial that succeeded (on every fold, when cross-validated), other than `except`.
  std::optional<size_t> BestTrial(size_t except = SIZE_MAX) const;
  bool FinalEvaluationDue();
  void StartFinalEvaluation();

  void Recount(TrialStatus from, TrialStatus to) {
    --state_.counts[from];
    ++state_.counts[to];
  }
  void NoteObjective(const Trial& trial);

  boost::asio::io_context& io_;
  Store& store_;  // read directly; written through writer_
  std::unique_ptr<StoreWriter> writer_;
  Executor& executor_;
  const Clock& clock_;
  RunnerOptions options_;
  RunObserver* observer_;

  Experiment experiment_;
  ExperimentStatus status_;
  TuneupSettings settings_;  // tuneup's own annotations (api/tuneup_annotations.h)
  std::unique_ptr<Algorithm> algorithm_;
  std::unique_ptr<EarlyStopper> stopper_;
  std::function<void(const RunOutcome&)> done_;
  std::vector<Trial> trials_;
  // Each trial's objective values of its current attempt, in the order reported (index as
  // trials_); kept only for the stopper. A cross-validated trial's curve is the mean over its
  // folds' curves (fold_curves_), as long as the shortest of them.
  std::vector<std::vector<double>> curves_;
  std::map<size_t, std::map<int, std::vector<double>>> fold_curves_;
  std::map<std::string, std::unique_ptr<Active>, std::less<>> active_;  // by job name
  std::deque<size_t> queue_;            // Pending trials to (re)start before asking for new ones
  std::map<size_t, Verdict> verdicts_;  // cross-validated trials ending early
  RunState state_;                      // what the end rules look at
  std::optional<ExperimentEnd> ending_;
  bool final_evaluation_started_ = false;
  bool interrupted_ = false;
  bool interrupted_twice_ = false;
  bool interrupted_while_draining_ = false;
  bool yielding_ = false;  // a low-priority experiment giving the machine back
  std::string abort_error_;
  bool finished_ = false;
  bool reconcile_scheduled_ = false;
  bool flush_scheduled_ = false;
};

}  // namespace tuneup
