// Cross-validated trials (tuneup.dev/cv-folds): each fold is a job of its own with its own
// attempts; the trial is Running while any fold runs or waits for a slot, and ends once all its
// folds have succeeded (Succeeded, the mean of the folds' objectives) or, after a Verdict, once
// the last running fold has stopped.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <algorithm>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "api/cross_validation.h"
#include "controller/fold_race.h"
#include "controller/runner_impl.h"
#include "metrics-collector/metric_reducer.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

size_t ExperimentRunner::Impl::RunningJobsOf(size_t index) const {
  size_t running = 0;
  for (const auto& [name, active] : active_) {
    if (active->index == index && active->fold != kFinalJob) ++running;
  }
  return running;
}

bool ExperimentRunner::Impl::StartFolds(size_t index) {
  Trial& trial = trials_[index];
  if (trial.folds.empty()) {
    for (int i = 0; i < JobsPerTrial(); ++i) {
      FoldResult fold;
      fold.index = i;
      trial.folds.push_back(fold);
    }
  }
  const int parallel = experiment_.spec.parallel_trial_count.value_or(1);
  for (size_t i = 0; i < trial.folds.size(); ++i) {
    if (trial.folds[i].status != TrialStatus::kPending) continue;
    if (verdicts_.count(index) || ending_ || !abort_error_.empty()) return false;
    if (static_cast<int>(active_.size()) >= parallel) return true;
    StartFold(index, static_cast<int>(i));
  }
  return false;
}

void ExperimentRunner::Impl::StartFold(size_t index, int fold_index) {
  Trial& trial = trials_[index];
  FoldResult& fold = JobOf(trial, fold_index);
  const fs::path dir = TrialDir(trial) / FoldDirName(fold_index);
  std::error_code ec;
  if (fold.started_at) StartNewAttempt(dir, fold.attempt);
  fold.metrics.clear();
  fold.objective.reset();
  fold.completed_at.reset();
  fold.job.clear();  // an earlier attempt's job must never be adopted as this one
  fold.message.clear();
  if (fold_index != kFinalJob) fold_curves_[index].erase(fold_index);
  fs::create_directories(dir, ec);
  if (ec) {
    fold.status = TrialStatus::kFailed;
    fold.message = "cannot create " + dir.string() + ": " + ec.message();
    if (fold_index == kFinalJob) {
      SaveTrial(trial, trial.status, {});
      if (observer_) observer_->OnFinalEvaluation(trial);
    } else {
      FailBeforeLaunch(index, trial_reason::kLaunchFailed, fold.message);
    }
    return;
  }
  TrialJob job;
  std::unique_ptr<Active> active = PrepareJob(index, fold_index, dir, job);
  if (!active) return;
  fold.status = TrialStatus::kRunning;
  fold.started_at = clock_.Now();
  TrialStatus previous = trial.status;
  if (fold_index != kFinalJob && trial.status != TrialStatus::kRunning) {
    trial.status = TrialStatus::kRunning;
    trial.reason.clear();
    trial.message.clear();
    trial.objective.reset();
    trial.completed_at.reset();
    if (!trial.started_at) trial.started_at = clock_.Now();
  }
  SaveTrial(trial, previous, {});  // Running is stored (or queued) before the process exists
  if (!abort_error_.empty()) return;
  if (observer_ && previous != TrialStatus::kRunning && fold_index != kFinalJob)
    observer_->OnTrialStarted(trial);
  LaunchJob(FoldJobName(trial.name, fold_index), std::move(active), job);
}

void ExperimentRunner::Impl::ResumeFolds(size_t index, std::vector<std::pair<size_t, int>>& adopt) {
  Trial& trial = trials_[index];
  if (trial.final_evaluation && trial.final_evaluation->status == TrialStatus::kRunning) {
    if (trial.final_evaluation->job.empty()) {
      trial.final_evaluation->status = TrialStatus::kPending;  // never released: runs again
    } else {
      adopt.emplace_back(index, kFinalJob);
    }
  }
  if (!IsActive(trial.status)) return;
  bool waiting = trial.folds.empty();
  bool adopted = false;
  for (auto& fold : trial.folds) {
    if (fold.status == TrialStatus::kRunning && !fold.job.empty() &&
        trial.status == TrialStatus::kRunning) {
      adopt.emplace_back(index, fold.index);
      adopted = true;
    } else if (fold.status == TrialStatus::kRunning || fold.status == TrialStatus::kPending) {
      fold.status = TrialStatus::kPending;
      waiting = true;
    }
  }
  if (waiting) {
    queue_.push_back(index);
  } else if (!adopted) {
    // Every fold has ended, but the run that saw the last one end did not get to settle the
    // trial (it was ending the trial early when it died): settle it now.
    asio::post(io_, [weak = weak_from_this(), index] {
      if (auto self = weak.lock()) self->SettleFolds(index);
    });
  }
}

void ExperimentRunner::Impl::CompleteFold(std::unique_ptr<Active> active, const JobResult& result) {
  const size_t index = active->index;
  Trial& trial = trials_[index];
  FoldResult& fold = JobOf(trial, active->fold);
  TrialMetrics& metrics = active->collector->metrics();
  std::vector<Observation>& unsaved = metrics.unsaved();
  for (auto& observation : unsaved)
    observation.fold = active->fold;
  ExtendCurve(index, active->fold, metrics.stored_elsewhere());
  ExtendCurve(index, active->fold, unsaved);
  if (active->already_stored > 0) {  // found again after an adoption; stored before it
    unsaved.erase(unsaved.begin(), unsaved.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                         active->already_stored, unsaved.size())));
  }
  fold.metrics = metrics.summaries();
  fold.objective = ObjectiveValue(fold.metrics, *experiment_.spec.objective);
  fold.completed_at = clock_.Now();
  const std::string label = active->fold == kFinalJob ? std::string("the final evaluation")
                                                      : "fold " + std::to_string(active->fold);
  std::optional<Verdict> verdict;  // the trial ends because of this fold
  const bool killed = result.kind == JobResult::Kind::kKilled;
  auto run_again = [&](const std::string& why) {
    fold.status = TrialStatus::kPending;
    fold.message = why + "; re-runs";
    fold.completed_at.reset();
  };
  if (result.kind == JobResult::Kind::kNeverStarted) {
    run_again("its job never ran (" + result.message + ")");
  } else if (TakenAway(result) && (!ending_ || active->fold == kFinalJob)) {
    if (auto exhausted = CountInfrastructureFailure(index, result)) {
      fold.status = TrialStatus::kFailed;
      fold.message = *exhausted;
      verdict = Verdict{TrialStatus::kFailed, trial_reason::kInfrastructureFailed,
                        label + ": " + *exhausted};
    } else {
      run_again(result.message);
    }
  } else if (TakenAway(result)) {
    fold.status = TrialStatus::kKilled;
    fold.message = "not re-run after " + result.message + ": the experiment ended";
  } else if (result.kind == JobResult::Kind::kLaunchFailed) {
    fold.status = TrialStatus::kFailed;
    fold.message = result.message;
    ++state_.consecutive_launch_failures;
    state_.last_launch_error = result.message;
    verdict = Verdict{TrialStatus::kFailed, trial_reason::kLaunchFailed,
                      label + " could not start: " + result.message};
  } else {
    state_.consecutive_launch_failures = 0;
    if (killed && verdicts_.count(index)) {
      fold.status = TrialStatus::kKilled;
      fold.message = "stopped: " + verdicts_[index].message;
    } else if (killed && (yielding_ || interrupted_) && !ending_) {
      run_again(yielding_ && !interrupted_ ? "stopped to yield the machine to other work"
                                           : "interrupted");
    } else if (killed) {
      fold.status = TrialStatus::kKilled;
      fold.message = "stopped";
    } else if (result.succeeded() && (fold.objective || active->fold == kFinalJob)) {
      fold.status = TrialStatus::kSucceeded;
    } else if (result.succeeded()) {
      fold.status = TrialStatus::kMetricsUnavailable;
      fold.message = active->collector->MissingObjectiveMessage();
      verdict = Verdict{TrialStatus::kMetricsUnavailable, trial_reason::kMetricsUnavailable,
                        label + ": " + fold.message};
    } else {
      fold.status = TrialStatus::kFailed;
      fold.message = result.message;
      verdict = Verdict{TrialStatus::kFailed, trial_reason::kFailed,
                        label + " failed: " + result.message};
    }
  }
  if (!unsaved.empty()) writer_->AppendObservations(trial.name, fold.attempt, unsaved);
  if (active->fold == kFinalJob) {
    SaveTrial(trial, trial.status, {});
    if (observer_ && fold.status != TrialStatus::kPending) observer_->OnFinalEvaluation(trial);
    ScheduleReconcile();
    return;
  }
  if (fold.status == TrialStatus::kPending && !interrupted_ && !ending_ &&
      std::find(queue_.begin(), queue_.end(), index) == queue_.end()) {
    queue_.push_front(index);  // its folds come before any new trial
  }
  if (verdict) {
    EndFoldsEarly(index, std::move(*verdict));
  } else {
    if (fold.status == TrialStatus::kSucceeded) ConsiderRacing(index);
    SettleFolds(index);
  }
  ScheduleReconcile();
}

void ExperimentRunner::Impl::EndFoldsEarly(size_t index, Verdict verdict) {
  if (verdicts_.count(index)) return;  // the first reason stands
  const std::string name = trials_[index].name;
  verdicts_[index] = std::move(verdict);
  std::vector<std::string> running;
  for (const auto& [job, active] : active_) {
    if (active->index == index && active->fold != kFinalJob) running.push_back(job);
  }
  for (const auto& job : running)
    executor_.Kill(job);  // each comes back through CompleteFold
  SettleFolds(index);
}

void ExperimentRunner::Impl::SettleFolds(size_t index) {
  Trial& trial = trials_[index];
  const TrialStatus previous = trial.status;
  if (!IsActive(previous)) return;
  auto verdict = verdicts_.find(index);
  const bool ending_early = verdict != verdicts_.end() || ending_.has_value();
  size_t pending = 0;
  for (auto& fold : trial.folds) {
    if (fold.status != TrialStatus::kPending) continue;
    if (ending_early) {
      fold.status = TrialStatus::kKilled;
      fold.message = "not run: " + (verdict != verdicts_.end()
                                        ? verdict->second.message
                                        : "the experiment ended (" + ending_->reason + ")");
    } else {
      ++pending;
    }
  }
  if (ending_early) queue_.erase(std::remove(queue_.begin(), queue_.end(), index), queue_.end());
  const bool all_succeeded =
      !trial.folds.empty() && std::all_of(trial.folds.begin(), trial.folds.end(), [](auto& f) {
        return f.status == TrialStatus::kSucceeded;
      });
  trial.metrics = MeanMetrics(trial.folds);
  trial.objective = MeanObjective(trial.folds);
  if (RunningJobsOf(index) > 0 || (pending > 0 && !interrupted_)) {
    // Running, or waiting in the queue for slots: the folds' progress is stored as it comes.
  } else if (verdict != verdicts_.end()) {
    trial.status = verdict->second.status;
    trial.reason = verdict->second.reason;
    trial.message = verdict->second.message;
    verdicts_.erase(verdict);
  } else if (all_succeeded) {
    trial.status = TrialStatus::kSucceeded;
    trial.reason = trial_reason::kSucceeded;
    trial.message.clear();
  } else if (pending > 0) {  // interrupted
    trial.status = TrialStatus::kPending;
    trial.reason = trial_reason::kRequeued;
    trial.message = "interrupted; its " + std::to_string(pending) +
                    " unfinished folds run when the experiment resumes (finished ones are kept)";
  } else {
    trial.status = TrialStatus::kKilled;
    trial.reason = trial_reason::kKilled;
    trial.message =
        ending_ ? "stopped because the experiment ended (" + ending_->reason + ")" : "stopped";
  }
  // A trial that did not succeed on every fold has no score to compare, except the partial
  // mean of one stopped early (as a stopped trial keeps its objective so far).
  if (trial.status == TrialStatus::kFailed || trial.status == TrialStatus::kMetricsUnavailable)
    trial.objective.reset();
  if (!IsActive(trial.status)) trial.completed_at = clock_.Now();
  SaveTrial(trial, previous, {});
  if (observer_ && trial.status != previous && trial.status != TrialStatus::kRunning)
    observer_->OnTrialFinished(trial);
}

void ExperimentRunner::Impl::ConsiderRacing(size_t index) {
  if (!settings_.cv.race || verdicts_.count(index) || ending_ || interrupted_) return;
  std::optional<size_t> best = BestTrial(index);
  if (!best) return;
  const bool maximize = experiment_.spec.objective->type == katib::kMaximize;
  if (auto verdict = RaceVerdict(trials_[index].folds, trials_[*best].folds, maximize)) {
    EndFoldsEarly(index, {TrialStatus::kEarlyStopped, trial_reason::kEarlyStopped,
                          *verdict + " than " + trials_[*best].name});
  }
}

std::optional<size_t> ExperimentRunner::Impl::BestTrial(size_t except) const {
  const bool maximize = experiment_.spec.objective->type == katib::kMaximize;
  std::optional<size_t> best;
  for (size_t i = 0; i < trials_.size(); ++i) {
    const Trial& trial = trials_[i];
    if (i == except || trial.status != TrialStatus::kSucceeded || !trial.objective) continue;
    if (!best || (maximize ? *trial.objective > *trials_[*best].objective
                           : *trial.objective < *trials_[*best].objective)) {
      best = i;
    }
  }
  return best;
}

bool ExperimentRunner::Impl::FinalEvaluationDue() {
  if (!settings_.cv.final_evaluation || !ending_ || ending_->state != ExperimentState::kSucceeded ||
      interrupted_ || !abort_error_.empty()) {
    return false;
  }
  std::optional<size_t> best = BestTrial();
  if (!best) return false;
  const Trial& trial = trials_[*best];
  return !trial.final_evaluation || trial.final_evaluation->status == TrialStatus::kPending;
}

void ExperimentRunner::Impl::StartFinalEvaluation() {
  const size_t best = *BestTrial();
  Trial& trial = trials_[best];
  if (!trial.final_evaluation) {
    trial.final_evaluation = FoldResult{};
    trial.final_evaluation->index = kFinalJob;
  }
  StartFold(best, kFinalJob);
}

void ExperimentRunner::Impl::FinishOrEvaluate() {
  if (FinalEvaluationDue()) {
    StartFinalEvaluation();
    if (!active_.empty()) return;  // Reconcile finishes once it has ended
  }
  Finish();
}

}  // namespace tuneup
