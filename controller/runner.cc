#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/runner.h"

#include <algorithm>
#include <cstdio>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "api/cross_validation.h"
#include "common/error.h"
#include "common/text.h"
#include "controller/checkpoints.h"
#include "controller/runner_impl.h"
#include "controller/store_writer.h"
#include "controller/trial_collector.h"
#include "metrics-collector/metric_reducer.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

std::string TrialName(const std::string& experiment, int64_t sequence) {
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "-%04lld", static_cast<long long>(sequence) + 1);
  return experiment + suffix;
}

}  // namespace

ExperimentRunner::ExperimentRunner(asio::io_context& io, Store& store, Executor& executor,
                                   const Clock& clock, RunnerOptions options, RunObserver* observer)
    : impl_(std::make_shared<Impl>(io, store, executor, clock, std::move(options), observer)) {}

ExperimentRunner::~ExperimentRunner() = default;

void ExperimentRunner::Start(const ExperimentRecord& record, std::unique_ptr<Algorithm> algorithm,
                             std::unique_ptr<EarlyStopper> stopper,
                             std::function<void(const RunOutcome&)> done) {
  impl_->Start(record, std::move(algorithm), std::move(stopper), std::move(done));
}

void ExperimentRunner::Interrupt() {
  impl_->Interrupt();
}

bool ExperimentRunner::Yield(bool yield) {
  return impl_->Yield(yield);
}

void ExperimentRunner::Impl::Start(const ExperimentRecord& record,
                                   std::unique_ptr<Algorithm> algorithm,
                                   std::unique_ptr<EarlyStopper> stopper,
                                   std::function<void(const RunOutcome&)> done) {
  experiment_ = record.experiment;
  status_ = record.status;
  algorithm_ = std::move(algorithm);
  stopper_ = std::move(stopper);
  done_ = std::move(done);
  MakeWriter();
  std::vector<std::pair<size_t, int>> adopt;  // jobs an earlier run left running
  try {
    settings_ = TuneupSettingsOf(experiment_);
    if (options_.priority) settings_.priority = *options_.priority;
    trials_ = store_.ListTrials(experiment_.metadata.name);
    LoadCurves();
    for (size_t i = 0; i < trials_.size(); ++i) {
      ++state_.counts[trials_[i].status];
      NoteObjective(trials_[i]);
      if (CrossValidated() && (IsActive(trials_[i].status) || trials_[i].final_evaluation)) {
        ResumeFolds(i, adopt);
        continue;
      }
      if (!IsActive(trials_[i].status)) continue;
      // Left by an earlier run: a job it released is adopted, anything else runs (again).
      if (trials_[i].status == TrialStatus::kRunning && trials_[i].labels.count(kJobLabel)) {
        adopt.emplace_back(i, kTrialJob);
      } else {
        queue_.push_back(i);
      }
    }
    status_.state = ExperimentState::kRunning;
    status_.reason = experiment_reason::kRunning;
    status_.message =
        queue_.empty() && trials_.empty()
            ? "Experiment is running"
            : "Experiment is running (resumed with " + std::to_string(trials_.size()) + " trials)";
    if (!status_.start_time) status_.start_time = clock_.Now();
  } catch (const Error& e) {
    Abort(e.what());
    return;
  }
  writer_->UpdateExperimentStatus(experiment_.metadata.name, status_);
  for (const auto& [index, fold] : adopt) {
    AdoptJob(
        index, fold,
        fold == kTrialJob ? trials_[index].labels.at(kJobLabel) : JobOf(trials_[index], fold).job);
    if (!abort_error_.empty()) return;
  }
  ScheduleReconcile();
}

void ExperimentRunner::Impl::MakeWriter() {
  StoreWriterOptions options = options_.store_writer;
  if (options.spill_path.empty()) {
    options.spill_path =
        (fs::path(options_.workdir) / ("store-buffer-" + experiment_.metadata.name + ".bin"))
            .string();
  }
  // The writer belongs to this Impl and calls back only while it exists.
  StoreWriterEvents events;
  events.on_outage = [this](const std::string& message) {
    if (observer_) observer_->OnStoreMessage(message);
  };
  events.on_recovered = [this](const std::string& message) {
    if (observer_) observer_->OnStoreMessage(message);
    ScheduleReconcile();  // trials held back during the outage may start now
  };
  events.on_fatal = [this](const std::string& reason) { Abort(reason); };
  writer_ = std::make_unique<StoreWriter>(io_, store_, std::move(options), std::move(events));
}

void ExperimentRunner::Impl::LoadCurves() {
  curves_.assign(trials_.size(), {});
  if (!stopper_) return;
  const std::string& metric = experiment_.spec.objective->objective_metric_name;
  for (size_t i = 0; i < trials_.size(); ++i) {
    if (!trials_[i].started_at || IsActive(trials_[i].status)) continue;  // active ones re-run
    ObservationFilter filter;
    filter.metric = metric;
    if (trials_[i].folds.empty()) {
      filter.attempt = trials_[i].attempt;
      ExtendCurve(i, kTrialJob, store_.FindObservations(trials_[i].name, filter));
      continue;
    }
    for (const auto& fold : trials_[i].folds) {
      if (!fold.started_at) continue;
      filter.attempt = fold.attempt;
      filter.fold = fold.index;
      ExtendCurve(i, fold.index, store_.FindObservations(trials_[i].name, filter));
    }
  }
}

void ExperimentRunner::Impl::ExtendCurve(size_t index, int fold,
                                         std::span<const Observation> observations) {
  if (!stopper_ || fold == kFinalJob) return;
  const std::string& metric = experiment_.spec.objective->objective_metric_name;
  if (fold == kTrialJob) {
    for (const auto& observation : observations) {
      if (observation.metric == metric) curves_[index].push_back(observation.value);
    }
    return;
  }
  std::map<int, std::vector<double>>& folds = fold_curves_[index];
  for (const auto& observation : observations) {
    if (observation.metric == metric) folds[fold].push_back(observation.value);
  }
  // The mean over the folds that have reported, up to the step all of them have reached.
  size_t steps = SIZE_MAX;
  for (const auto& [unused, curve] : folds)
    if (!curve.empty()) steps = std::min(steps, curve.size());
  std::vector<double>& mean = curves_[index];
  mean.clear();
  if (steps == SIZE_MAX) return;
  for (size_t step = 0; step < steps; ++step) {
    double sum = 0;
    int count = 0;
    for (const auto& [unused, curve] : folds) {
      if (curve.empty()) continue;
      sum += curve[step];
      ++count;
    }
    mean.push_back(sum / count);
  }
}

void ExperimentRunner::Impl::ConsiderStopping(size_t index) {
  if (!stopper_ || ending_ || interrupted_ || verdicts_.count(index)) return;
  std::vector<TrialCurve> others;
  others.reserve(trials_.size());
  for (size_t i = 0; i < trials_.size(); ++i) {
    if (i != index && trials_[i].status != TrialStatus::kPending)
      others.push_back({&trials_[i], curves_[i]});
  }
  const Trial& trial = trials_[index];
  if (CrossValidated()) {
    StopDecision decision = stopper_->Decide({&trial, curves_[index]}, others);
    if (decision.stop) {
      EndFoldsEarly(index, {TrialStatus::kEarlyStopped, trial_reason::kEarlyStopped,
                            std::move(decision.message)});
    }
    return;
  }
  auto it = active_.find(trial.name);
  if (it == active_.end() || it->second->early_stop) return;
  StopDecision decision = stopper_->Decide({&trial, curves_[index]}, others);
  if (!decision.stop) return;
  it->second->early_stop = std::move(decision.message);
  executor_.Kill(trial.name);
}

void ExperimentRunner::Impl::Interrupt() {
  if (finished_) {
    // Waiting for the database to take the last writes: the second interrupt gives up on them.
    if (writer_->pending() > 0 && std::exchange(interrupted_while_draining_, true)) {
      writer_->Abandon("interrupted while waiting for the database to come back");
    }
    return;
  }
  if (interrupted_) {
    interrupted_twice_ = true;
    executor_.KillAllNow();
    return;
  }
  interrupted_ = true;
  KillActive();
  ScheduleReconcile();
}

bool ExperimentRunner::Impl::Yield(bool yield) {
  if (settings_.priority != Priority::kLow) return false;
  if (yield == yielding_ || finished_) return true;
  yielding_ = yield;
  if (yielding_) {
    KillActive();  // each comes back through Complete as preempted
  } else {
    ScheduleReconcile();
  }
  return true;
}

void ExperimentRunner::Impl::KillActive(bool keep_final_evaluation) {
  std::vector<std::string> names;
  for (const auto& [name, active] : active_) {
    if (!keep_final_evaluation || active->fold != kFinalJob) names.push_back(name);
  }
  for (const auto& name : names)
    executor_.Kill(name);
}

void ExperimentRunner::Impl::ScheduleReconcile() {
  if (reconcile_scheduled_ || finished_) return;
  reconcile_scheduled_ = true;
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->reconcile_scheduled_ = false;
      self->Reconcile();
    }
  });
}

void ExperimentRunner::Impl::NoteObjective(const Trial& trial) {
  if (!trial.objective) return;
  if (trial.status != TrialStatus::kSucceeded && trial.status != TrialStatus::kEarlyStopped) return;
  bool maximize = experiment_.spec.objective->type == katib::kMaximize;
  if (!state_.best_objective || (maximize ? *trial.objective > *state_.best_objective
                                          : *trial.objective < *state_.best_objective)) {
    state_.best_objective = trial.objective;
  }
}

std::optional<ExperimentEnd> ExperimentRunner::Impl::CheckEnd() {
  state_.trials_in_flight = !active_.empty() || !queue_.empty();
  return CheckExperimentEnd(experiment_.spec, state_);
}

void ExperimentRunner::Impl::Reconcile() {
  if (finished_) return;
  if (ending_ || interrupted_ || !abort_error_.empty()) {
    if (active_.empty()) FinishOrEvaluate();
    return;
  }
  if (auto end = CheckEnd()) {
    BeginEnding(*end);
    return;
  }
  // No new trial while the database is unavailable: a trial is stored before its job starts, so
  // that a crash never loses one. The writer's recovery reconciles again. Nor while yielding:
  // Yield(false) reconciles.
  if (writer_->pending() > 0 || yielding_) return;
  const int parallel = experiment_.spec.parallel_trial_count.value_or(1);
  while (static_cast<int>(active_.size()) < parallel && !queue_.empty() && !ending_) {
    size_t index = queue_.front();
    queue_.pop_front();
    if (StartTrial(index)) {
      queue_.push_front(index);
      break;
    }
  }
  // A cross-validated trial fills up to JobsPerTrial() slots: only as many new trials as the
  // free slots need, so that the algorithm decides each with the most results it can have.
  int slots = (parallel - static_cast<int>(active_.size()) + JobsPerTrial() - 1) / JobsPerTrial();
  if (experiment_.spec.max_trial_count) {
    slots = std::min(slots, *experiment_.spec.max_trial_count - static_cast<int>(trials_.size()));
  }
  if (slots > 0 && !state_.suggestions_exhausted && queue_.empty() && abort_error_.empty())
    ProposeTrials(slots);
  if (active_.empty() && abort_error_.empty()) {
    // Nothing is running, so no event will come: decide now.
    if (auto end = CheckEnd()) {
      BeginEnding(*end);
    } else {
      ScheduleReconcile();
    }
  }
}

void ExperimentRunner::Impl::ProposeTrials(int slots) {
  SuggestReply reply;
  try {
    const std::string_view name = experiment_.spec.algorithm
                                      ? std::string_view(experiment_.spec.algorithm->algorithm_name)
                                      : std::string_view();
    reply = TimedSuggest(*algorithm_, name, trials_, slots, options_.suggestion_observer);
  } catch (const Error& e) {
    Abort(std::string("the algorithm failed: ") + e.what());
    return;
  }
  if (reply.exhausted) state_.suggestions_exhausted = true;
  if (reply.proposals.empty() && !reply.exhausted && active_.empty()) {
    // Nothing to run and nothing running: no event would ever ask again.
    state_.suggestions_exhausted = true;
    state_.exhausted_message =
        "Experiment has succeeded because the algorithm proposed no trial while none was running";
  }
  if (reply.proposals.empty()) return;
  std::vector<Trial> created;
  Timestamp now = clock_.Now();
  for (auto& proposal : reply.proposals) {
    Trial trial;
    trial.sequence = static_cast<int64_t>(trials_.size() + created.size());
    trial.name = TrialName(experiment_.metadata.name, trial.sequence);
    trial.experiment = experiment_.metadata.name;
    trial.assignment = std::move(proposal.assignment);
    trial.labels = std::move(proposal.labels);
    trial.status = TrialStatus::kPending;
    trial.created_at = now;
    created.push_back(std::move(trial));
    curves_.emplace_back();
  }
  writer_->CreateTrials(created);  // the intent is stored before any job starts
  if (!abort_error_.empty()) return;
  // Queued instead when the database just became unavailable: they start once it is back.
  const bool stored = writer_->pending() == 0;
  for (auto& trial : created) {
    trials_.push_back(std::move(trial));
    ++state_.counts[TrialStatus::kPending];
    if (!stored || StartTrial(trials_.size() - 1)) queue_.push_back(trials_.size() - 1);
    if (!abort_error_.empty()) return;
  }
}

void ExperimentRunner::Impl::SaveTrial(Trial& trial, TrialStatus previous,
                                       std::span<const Observation> observations) {
  writer_->UpdateTrial(trial, observations);
  if (previous != trial.status) Recount(previous, trial.status);
  NoteObjective(trial);
}

void ExperimentRunner::Impl::FailBeforeLaunch(size_t index, const std::string& reason,
                                              const std::string& message) {
  ++state_.consecutive_launch_failures;
  state_.last_launch_error = message;
  if (CrossValidated()) {
    EndFoldsEarly(index, {TrialStatus::kFailed, reason, message});
    return;
  }
  Trial& trial = trials_[index];
  TrialStatus previous = trial.status;
  trial.status = TrialStatus::kFailed;
  trial.reason = reason;
  trial.message = message;
  trial.completed_at = clock_.Now();
  SaveTrial(trial, previous, {});
  if (observer_) observer_->OnTrialFinished(trial);
  ScheduleReconcile();
}

CollectorContext ExperimentRunner::Impl::CollectorContextFor(const RenderRequest& request,
                                                             int attempt) {
  std::weak_ptr<Impl> weak = weak_from_this();
  CollectorContext context;
  context.io = &io_;
  context.executor = &executor_;
  context.store = &store_;
  context.clock = &clock_;
  context.experiment = &experiment_;
  context.request = request;
  context.attempt = attempt;
  context.options = options_.collector;
  context.warn = [weak, job = request.job_name.empty() ? request.trial_name : request.job_name](
                     std::string_view message) {
    if (auto self = weak.lock()) self->Warn(job, message);
  };
  context.on_observations = [weak] {
    if (auto self = weak.lock()) self->ScheduleFlush();
  };
  return context;
}

void ExperimentRunner::Impl::Warn(const std::string& job, std::string_view message) {
  auto it = active_.find(job);
  if (it != active_.end()) {
    Active& active = *it->second;
    if (!active.warnings_log) {
      fs::path dir = TrialDir(trials_[active.index]);
      if (active.fold != kTrialJob) dir /= FoldDirName(active.fold);
      active.warnings_log =
          std::make_unique<std::ofstream>(dir / "metrics-collector.log", std::ios::app);
    }
    *active.warnings_log << FormatRfc3339(clock_.Now()) << " " << message << "\n";
  }
  if (observer_) observer_->OnWarning(job, message);
}

std::unique_ptr<ExperimentRunner::Impl::Active> ExperimentRunner::Impl::PrepareJob(
    size_t index, int fold, const fs::path& job_dir, TrialJob& job, bool adopting) {
  Trial& trial = trials_[index];
  auto active = std::make_unique<Active>();
  active->index = index;
  active->fold = fold;
  const std::string subdir = fold == kTrialJob ? "" : FoldDirName(fold);
  const int attempt = fold == kTrialJob ? trial.attempt : JobOf(trial, fold).attempt;
  try {
    if (!adopting) PrepareCheckpointDir(fs::path(options_.workdir) / "trials", trial, subdir);
    RenderRequest request{&experiment_,          trial.name,
                          &trial.assignment,     job_dir.string(),
                          options_.manifest_dir, CheckpointDir(job_dir).string()};
    if (auto parent = trial.labels.find(kResumeFromLabel); parent != trial.labels.end())
      request.resume_from = parent->second;
    request.store = options_.store_location;
    request.tuneup_binary = options_.tuneup_binary;
    request.max_observations = options_.collector.max_observations;
    if (fold != kTrialJob) {
      request.job_name = FoldJobName(trial.name, fold);
      if (fold == kFinalJob) {
        request.extra_env = {{"TUNEUP_FINAL", "1"}};
        request.annotations[kFoldAnnotation] = "final";
      } else {
        const int folds = settings_.cv.folds;
        request.extra_env = {{"TUNEUP_FOLD", std::to_string(FoldOf(fold, folds))},
                             {"TUNEUP_FOLDS", std::to_string(folds)},
                             {"TUNEUP_REPEAT", std::to_string(RepeatOf(fold, folds))}};
        request.annotations[kFoldAnnotation] = std::to_string(FoldOf(fold, folds));
      }
    }
    job = RenderTrialJob(request);
    job.priority = settings_.priority;
    job.slurm = settings_.slurm;
    job.attempt = attempt;
    active->collector = TrialCollector::Make(CollectorContextFor(request, attempt));
    active->collector->Prepare(job);
  } catch (const Error& e) {
    if (fold != kTrialJob) {
      FoldResult& result = JobOf(trial, fold);
      result.status = TrialStatus::kFailed;
      result.message = e.what();
      result.completed_at = clock_.Now();
    }
    if (fold == kFinalJob) {  // the trial itself has ended already
      SaveTrial(trial, trial.status, {});
      if (observer_) observer_->OnFinalEvaluation(trial);
    } else {
      FailBeforeLaunch(index, trial_reason::kLaunchFailed, e.what());
    }
    return nullptr;
  }
  return active;
}

JobCallbacks ExperimentRunner::Impl::CallbacksFor(const std::string& name) {
  std::weak_ptr<Impl> weak = weak_from_this();
  JobCallbacks callbacks;
  callbacks.on_output = [weak, name](OutputStream stream, std::string_view bytes) {
    if (auto self = weak.lock()) self->OnOutput(name, stream, bytes);
  };
  callbacks.on_exit = [weak, name](const JobResult& result) {
    if (auto self = weak.lock()) self->OnExit(name, result);
  };
  return callbacks;
}

bool ExperimentRunner::Impl::StartTrial(size_t index) {
  if (CrossValidated()) return StartFolds(index);
  Trial& trial = trials_[index];
  const fs::path trial_dir = TrialDir(trial);
  std::error_code ec;
  if (trial.started_at) StartNewAttempt(trial_dir, trial.attempt);
  trial.metrics.clear();
  trial.objective.reset();
  trial.completed_at.reset();
  trial.labels.erase(kJobLabel);  // an earlier attempt's job must never be adopted as this one
  curves_[index].clear();
  fs::create_directories(trial_dir, ec);
  if (ec) {
    FailBeforeLaunch(index, trial_reason::kLaunchFailed,
                     "cannot create " + trial_dir.string() + ": " + ec.message());
    return false;
  }
  TrialJob job;
  std::unique_ptr<Active> active = PrepareJob(index, kTrialJob, trial_dir, job);
  if (!active) return false;
  TrialStatus previous = trial.status;
  trial.status = TrialStatus::kRunning;
  trial.reason.clear();
  trial.message.clear();
  trial.started_at = clock_.Now();
  SaveTrial(trial, previous, {});  // Running is stored (or queued) before the process exists
  if (!abort_error_.empty()) return false;
  if (observer_) observer_->OnTrialStarted(trial);
  LaunchJob(trial.name, std::move(active), job);
  return false;
}

void ExperimentRunner::Impl::LaunchJob(const std::string& name, std::unique_ptr<Active> active,
                                       const TrialJob& job) {
  active->collector->Start();
  active_[name] = std::move(active);
  JobCallbacks callbacks = CallbacksFor(name);
  callbacks.on_created = [weak = weak_from_this(), name](const std::string& identity,
                                                         std::function<void()> release) {
    if (auto self = weak.lock()) self->OnJobCreated(name, identity, std::move(release));
  };
  executor_.Launch(job, std::move(callbacks));
}

void ExperimentRunner::Impl::OnJobCreated(const std::string& name, const std::string& identity,
                                          std::function<void()> release) {
  auto it = active_.find(name);
  if (it == active_.end()) return;
  Trial& trial = trials_[it->second->index];
  if (it->second->fold == kTrialJob) {
    trial.labels[kJobLabel] = identity;
  } else {
    JobOf(trial, it->second->fold).job = identity;
  }
  writer_->UpdateTrial(trial, {});
  // Only once the identity is stored may the job run: a controller that dies before has a job
  // that never runs, one that dies after has a job the next run adopts.
  writer_->WhenDrained([weak = weak_from_this(), name, release = std::move(release)] {
    auto self = weak.lock();
    if (self && self->active_.count(name) && self->abort_error_.empty()) release();
  });
}

void ExperimentRunner::Impl::AdoptJob(size_t index, int fold, const std::string& identity) {
  Trial& trial = trials_[index];
  fs::path job_dir = TrialDir(trial);
  if (fold != kTrialJob) job_dir /= FoldDirName(fold);
  const std::string name = fold == kTrialJob ? trial.name : FoldJobName(trial.name, fold);
  TrialJob job;
  std::unique_ptr<Active> active = PrepareJob(index, fold, job_dir, job, /*adopting=*/true);
  if (!active) return;
  if (CollectorRereadsFromStart(experiment_)) {
    // The new collector finds every observation again: those stored before the restart are
    // counted, not stored twice.
    ObservationFilter filter;
    filter.attempt = job.attempt;
    filter.fold = fold;
    try {
      active->already_stored = store_.FindObservations(trial.name, filter).size();
    } catch (const Error& e) {
      Abort(e.what());
      return;
    }
  }
  active->adopted = true;
  active->collector->Start();
  const bool first = RunningJobsOf(index) == 0;
  active_[name] = std::move(active);
  if (observer_ && first && fold != kFinalJob) observer_->OnTrialStarted(trial);
  executor_.Adopt(job, identity, CallbacksFor(name));
}

void ExperimentRunner::Impl::OnOutput(const std::string& name, OutputStream stream,
                                      std::string_view bytes) {
  auto it = active_.find(name);
  if (it != active_.end()) it->second->collector->OnOutput(stream, bytes);
}

void ExperimentRunner::Impl::ScheduleFlush() {
  if (flush_scheduled_) return;
  flush_scheduled_ = true;
  // Posted, so that every observation that arrives in one turn of the loop is one transaction.
  asio::post(io_, [weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      self->flush_scheduled_ = false;
      self->FlushObservations();
    }
  });
}

void ExperimentRunner::Impl::FlushObservations() {
  std::vector<size_t> grown;  // trials whose curves grew
  for (auto& [name, active] : active_) {
    std::vector<Observation>& unsaved = active->collector->metrics().unsaved();
    std::vector<Observation>& stored = active->collector->metrics().stored_elsewhere();
    if (unsaved.empty() && stored.empty()) continue;
    Trial& trial = trials_[active->index];
    for (auto& observation : unsaved)
      observation.fold = active->fold;
    const size_t skipped = std::min(active->already_stored, unsaved.size());
    active->already_stored -= skipped;
    if (skipped < unsaved.size()) {
      writer_->AppendObservations(
          trial.name,
          active->fold == kTrialJob ? trial.attempt : JobOf(trial, active->fold).attempt,
          std::span<const Observation>(unsaved).subspan(skipped));
    }
    if (!abort_error_.empty()) return;
    const size_t before = curves_[active->index].size();
    ExtendCurve(active->index, active->fold, stored);
    ExtendCurve(active->index, active->fold, unsaved);
    // A cross-validated trial's mean curve is recomputed: any new value may change it.
    if (curves_[active->index].size() != before || active->fold >= 0)
      grown.push_back(active->index);
    unsaved.clear();
    stored.clear();
  }
  // Decided on what is stored, so a stop always has its evidence in the store. Kill() may end a
  // job at once, so active_ is looked up again for each.
  std::sort(grown.begin(), grown.end());
  grown.erase(std::unique(grown.begin(), grown.end()), grown.end());
  for (size_t index : grown)
    ConsiderStopping(index);
}

void ExperimentRunner::Impl::OnExit(const std::string& name, const JobResult& result) {
  auto it = active_.find(name);
  if (it == active_.end()) return;
  // Completed on a later turn: the collector may still be finishing (and must not be destroyed
  // inside its own Finish).
  it->second->collector->Finish(result, [weak = weak_from_this(), name, result] {
    auto self = weak.lock();
    if (!self) return;
    asio::post(self->io_, [weak, name, result] {
      if (auto self = weak.lock()) self->Complete(name, result);
    });
  });
}

void ExperimentRunner::Impl::Complete(const std::string& name, const JobResult& result) {
  auto it = active_.find(name);
  if (it == active_.end()) return;
  std::unique_ptr<Active> active = std::move(it->second);
  active_.erase(it);
  if (active->fold != kTrialJob) {
    CompleteFold(std::move(active), result);
    return;
  }
  Trial& trial = trials_[active->index];
  Timestamp now = clock_.Now();
  TrialMetrics& metrics = active->collector->metrics();
  ExtendCurve(active->index, kTrialJob, metrics.stored_elsewhere());
  ExtendCurve(active->index, kTrialJob, metrics.unsaved());
  if (active->already_stored > 0) {  // found again after an adoption; stored before it
    std::vector<Observation>& unsaved = metrics.unsaved();
    unsaved.erase(unsaved.begin(), unsaved.begin() + static_cast<std::ptrdiff_t>(std::min(
                                                         active->already_stored, unsaved.size())));
  }
  trial.metrics = metrics.summaries();
  trial.objective = ObjectiveValue(trial.metrics, *experiment_.spec.objective);
  trial.completed_at = now;

  TrialStatus previous = trial.status;
  // Only the executor knows whether a stop request reached the job before it ended on its own.
  bool killed = result.kind == JobResult::Kind::kKilled;
  if (result.kind == JobResult::Kind::kNeverStarted) {
    // Adopted, but its controller died before letting it run: it runs now, as if new.
    trial.status = TrialStatus::kPending;
    trial.reason = trial_reason::kRequeued;
    trial.message = "its job never ran (" + result.message + "); runs again";
    trial.completed_at.reset();
    if (!interrupted_ && !ending_) queue_.push_front(active->index);
  } else if (TakenAway(result) && !ending_) {
    Requeue(active->index, result);
  } else if (TakenAway(result)) {
    trial.status = TrialStatus::kKilled;
    trial.reason = trial_reason::kKilled;
    trial.message =
        "not re-run after " + result.message + ": the experiment ended (" + ending_->reason + ")";
  } else if (result.kind == JobResult::Kind::kLaunchFailed) {
    trial.status = TrialStatus::kFailed;
    trial.reason = trial_reason::kLaunchFailed;
    trial.message = result.message;
    ++state_.consecutive_launch_failures;
    state_.last_launch_error = result.message;
  } else {
    state_.consecutive_launch_failures = 0;
    if (killed && active->early_stop) {
      trial.status = TrialStatus::kEarlyStopped;
      trial.reason = trial_reason::kEarlyStopped;
      trial.message = *active->early_stop;
    } else if (killed && yielding_ && !interrupted_ && !ending_) {
      JobResult yielded;
      yielded.kind = JobResult::Kind::kPreempted;
      yielded.message = "stopped to yield the machine to other work";
      Requeue(active->index, yielded);
    } else if (killed && interrupted_ && !ending_) {
      trial.status = TrialStatus::kPending;
      trial.reason = trial_reason::kRequeued;
      trial.message = "interrupted; re-runs with the same assignment when the experiment resumes";
      trial.completed_at.reset();
    } else if (killed) {
      trial.status = TrialStatus::kKilled;
      trial.reason = trial_reason::kKilled;
      trial.message =
          ending_ ? "stopped because the experiment ended (" + ending_->reason + ")" : "stopped";
    } else if (result.succeeded()) {
      if (trial.objective) {
        trial.status = TrialStatus::kSucceeded;
        trial.reason = trial_reason::kSucceeded;
        trial.message = "";
      } else {
        trial.status = TrialStatus::kMetricsUnavailable;
        trial.reason = trial_reason::kMetricsUnavailable;
        trial.message = active->collector->MissingObjectiveMessage();
      }
    } else {
      trial.status = TrialStatus::kFailed;
      trial.reason = trial_reason::kFailed;
      trial.message = result.message;
    }
  }
  SaveTrial(trial, previous, metrics.unsaved());
  if (observer_) observer_->OnTrialFinished(trial);
  ScheduleReconcile();
}

std::optional<std::string> ExperimentRunner::Impl::CountInfrastructureFailure(
    size_t index, const JobResult& result) {
  if (result.kind != JobResult::Kind::kInfrastructureFailed) return std::nullopt;
  Trial& trial = trials_[index];
  int failures = 1;
  if (auto it = trial.labels.find(kInfrastructureFailuresLabel); it != trial.labels.end())
    failures += static_cast<int>(ParseInt64(it->second).value_or(0));
  trial.labels[kInfrastructureFailuresLabel] = std::to_string(failures);
  if (failures <= settings_.infrastructure_retries) return std::nullopt;
  return "the infrastructure failed under it " + std::to_string(failures) + " times, more than " +
         kInfrastructureRetriesAnnotation + " (" +
         std::to_string(settings_.infrastructure_retries) + ") allows; last: " + result.message;
}

void ExperimentRunner::Impl::Requeue(size_t index, const JobResult& result) {
  Trial& trial = trials_[index];
  if (auto exhausted = CountInfrastructureFailure(index, result)) {
    trial.status = TrialStatus::kFailed;
    trial.reason = trial_reason::kInfrastructureFailed;
    trial.message = *exhausted;
    return;
  }
  trial.status = TrialStatus::kPending;
  trial.reason = result.kind == JobResult::Kind::kPreempted ? trial_reason::kPreempted
                                                            : trial_reason::kInfrastructureFailed;
  trial.message = result.message + "; re-runs with the same assignment";
  trial.objective.reset();
  trial.completed_at.reset();
  // After an interrupt it stays Pending for the next run, like the trials that were stopped.
  if (!interrupted_) queue_.push_front(index);
}

void ExperimentRunner::Impl::BeginEnding(const ExperimentEnd& end) {
  ending_ = end;
  // Queued trials that never started in this run will not run now.
  std::deque<size_t> queued = std::exchange(queue_, {});
  for (size_t index : queued) {
    if (CrossValidated()) {
      SettleFolds(index);  // its folds that wait never run; those running are stopped below
      continue;
    }
    Trial& trial = trials_[index];
    TrialStatus previous = trial.status;
    trial.status = TrialStatus::kKilled;
    trial.reason = trial_reason::kKilled;
    trial.message = "not started: the experiment ended (" + ending_->reason + ")";
    trial.completed_at = clock_.Now();
    SaveTrial(trial, previous, {});
  }
  KillActive(/*keep_final_evaluation=*/true);  // adopted after a restart: it runs to its end
  if (active_.empty()) FinishOrEvaluate();
}

void ExperimentRunner::Impl::Abort(const std::string& error) {
  if (!abort_error_.empty() || finished_) return;
  abort_error_ = error;
  KillActive();
  ScheduleReconcile();
}

void ExperimentRunner::Impl::Finish() {
  if (finished_) return;
  finished_ = true;
  RunOutcome outcome;
  if (!abort_error_.empty()) {
    outcome.error = abort_error_;
    status_.state = ExperimentState::kFailed;
    status_.reason = experiment_reason::kFailed;
    status_.message = "Experiment has failed: " + abort_error_;
    status_.completion_time = clock_.Now();
  } else if (ending_) {
    status_.state = ending_->state;
    status_.reason = ending_->reason;
    status_.message = ending_->message;
    status_.completion_time = clock_.Now();
  } else if (interrupted_) {
    outcome.interrupted = true;
    status_.message =
        "Experiment was interrupted at " + FormatRfc3339(clock_.Now()) + "; run it again to resume";
  }
  outcome.status = status_;
  writer_->UpdateExperimentStatus(experiment_.metadata.name, status_);
  if (writer_->pending() > 0 && observer_) {
    observer_->OnStoreMessage("waiting for the database to store the last " +
                              std::to_string(writer_->pending()) +
                              " writes (interrupt twice to give up on them)");
  }
  // Done only when everything is stored (or cannot be): the caller reads the results back.
  writer_->WhenDrained([weak = weak_from_this(), outcome]() mutable {
    auto self = weak.lock();
    if (!self) return;
    if (self->writer_->failed() && outcome.error.empty())
      outcome.error = self->writer_->fatal_reason();
    if (self->done_) self->done_(outcome);
  });
}

}  // namespace tuneup
