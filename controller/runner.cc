#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/runner.h"

#include <algorithm>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <fstream>
#include <map>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "common/text.h"
#include "controller/checkpoints.h"
#include "controller/end_rules.h"
#include "controller/store_writer.h"
#include "controller/trial_collector.h"
#include "controller/trial_job.h"
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

class ExperimentRunner::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(asio::io_context& io, Store& store, Executor& executor, const Clock& clock,
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
  // A trial whose job is running.
  struct Active {
    size_t index = 0;  // into trials_
    std::unique_ptr<TrialCollector> collector;
    std::unique_ptr<std::ofstream> warnings_log;
    std::optional<std::string> early_stop;  // why the stopper stopped it, once it has
    // Adopted from a controller that died: observations its collector finds again that were
    // stored before (skipped when storing, counted down as they come).
    bool adopted = false;
    size_t already_stored = 0;
  };

  void ScheduleReconcile();
  void Reconcile();
  // Asks the executor to stop every running trial; their ends arrive as OnExit events.
  void KillActive();
  void ProposeTrials(int slots);
  // The end of the experiment, if it has come (controller/end_rules.h).
  std::optional<ExperimentEnd> CheckEnd();
  void BeginEnding(const ExperimentEnd& end);
  // The job of trial `index` was taken away (preempted, or the infrastructure failed): queues
  // the trial to run again, before any new one, or fails it when its infrastructure retries are
  // used up.
  void Requeue(size_t index, const JobResult& result);
  static bool TakenAway(const JobResult& result) {
    return result.kind == JobResult::Kind::kPreempted ||
           result.kind == JobResult::Kind::kInfrastructureFailed;
  }
  void StartTrial(size_t index);
  // Renders trial `index`'s job and makes its collector; on failure fails the trial (returns
  // null). A new job also gets its checkpoint directory; an adopted one has it in use already.
  std::unique_ptr<Active> PrepareJob(size_t index, const fs::path& trial_dir, TrialJob& job,
                                     bool adopting = false);
  JobCallbacks CallbacksFor(const std::string& name);
  // Stores the identity of a trial's new job, then lets the job run.
  void OnJobCreated(const std::string& name, const std::string& identity,
                    std::function<void()> release);
  // Follows the job of a trial that an earlier run left running (its identity is stored).
  void AdoptTrial(size_t index);
  void FailBeforeLaunch(size_t index, const std::string& reason, const std::string& message);
  void OnOutput(const std::string& name, OutputStream stream, std::string_view bytes);
  void OnExit(const std::string& name, const JobResult& result);
  // The trial's job has ended and its collector has everything: records how the trial ended.
  void Complete(const std::string& name, const JobResult& result);
  void ScheduleFlush();
  void FlushObservations();
  // Adds the objective values among `observations` to the curve of trial `index`.
  void ExtendCurve(size_t index, std::span<const Observation> observations);
  void LoadCurves();
  // Asks the stopper about the running trial `name`; stops its job when told to.
  void ConsiderStopping(const std::string& name, Active& active);
  void SaveTrial(Trial& trial, TrialStatus previous, std::span<const Observation> observations);
  void MakeWriter();
  void Abort(const std::string& error);
  void Finish();
  void Warn(const std::string& trial, std::string_view message);
  CollectorContext CollectorContextFor(const RenderRequest& request, int attempt);

  void Recount(TrialStatus from, TrialStatus to) {
    --state_.counts[from];
    ++state_.counts[to];
  }
  void NoteObjective(const Trial& trial);

  asio::io_context& io_;
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
  // trials_); kept only for the stopper.
  std::vector<std::vector<double>> curves_;
  std::map<std::string, std::unique_ptr<Active>, std::less<>> active_;
  std::deque<size_t> queue_;  // Pending trials to (re)start before asking for new ones
  RunState state_;            // what the end rules look at
  std::optional<ExperimentEnd> ending_;
  bool interrupted_ = false;
  bool interrupted_twice_ = false;
  bool interrupted_while_draining_ = false;
  bool yielding_ = false;  // a low-priority experiment giving the machine back
  std::string abort_error_;
  bool finished_ = false;
  bool reconcile_scheduled_ = false;
  bool flush_scheduled_ = false;
};

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
  std::vector<size_t> adopt;  // trials whose jobs an earlier run left running
  try {
    settings_ = TuneupSettingsOf(experiment_);
    if (options_.priority) settings_.priority = *options_.priority;
    trials_ = store_.ListTrials(experiment_.metadata.name);
    LoadCurves();
    for (size_t i = 0; i < trials_.size(); ++i) {
      ++state_.counts[trials_[i].status];
      NoteObjective(trials_[i]);
      if (!IsActive(trials_[i].status)) continue;
      // Left by an earlier run: a job it released is adopted, anything else runs (again).
      if (trials_[i].status == TrialStatus::kRunning && trials_[i].labels.count(kJobLabel)) {
        adopt.push_back(i);
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
  for (size_t index : adopt) {
    AdoptTrial(index);
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
    for (const auto& observation :
         store_.GetObservations(trials_[i].name, metric, trials_[i].attempt)) {
      curves_[i].push_back(observation.value);
    }
  }
}

void ExperimentRunner::Impl::ExtendCurve(size_t index, std::span<const Observation> observations) {
  if (!stopper_) return;
  const std::string& metric = experiment_.spec.objective->objective_metric_name;
  for (const auto& observation : observations) {
    if (observation.metric == metric) curves_[index].push_back(observation.value);
  }
}

void ExperimentRunner::Impl::ConsiderStopping(const std::string& name, Active& active) {
  if (!stopper_ || active.early_stop || ending_ || interrupted_) return;
  std::vector<TrialCurve> others;
  others.reserve(trials_.size());
  for (size_t i = 0; i < trials_.size(); ++i) {
    if (i != active.index && trials_[i].status != TrialStatus::kPending)
      others.push_back({&trials_[i], curves_[i]});
  }
  StopDecision decision = stopper_->Decide({&trials_[active.index], curves_[active.index]}, others);
  if (!decision.stop) return;
  active.early_stop = std::move(decision.message);
  executor_.Kill(name);
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

void ExperimentRunner::Impl::KillActive() {
  std::vector<std::string> names;
  for (const auto& entry : active_)
    names.push_back(entry.first);
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
    if (active_.empty()) Finish();
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
    StartTrial(index);
  }
  int slots = parallel - static_cast<int>(active_.size());
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
    reply = algorithm_->Suggest(trials_, slots);
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
    if (stored) {
      StartTrial(trials_.size() - 1);
    } else {
      queue_.push_back(trials_.size() - 1);
    }
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
  Trial& trial = trials_[index];
  TrialStatus previous = trial.status;
  trial.status = TrialStatus::kFailed;
  trial.reason = reason;
  trial.message = message;
  trial.completed_at = clock_.Now();
  ++state_.consecutive_launch_failures;
  state_.last_launch_error = message;
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
  context.warn = [weak, trial = request.trial_name](std::string_view message) {
    if (auto self = weak.lock()) self->Warn(trial, message);
  };
  context.on_observations = [weak] {
    if (auto self = weak.lock()) self->ScheduleFlush();
  };
  return context;
}

void ExperimentRunner::Impl::Warn(const std::string& trial, std::string_view message) {
  auto it = active_.find(trial);
  if (it != active_.end()) {
    Active& active = *it->second;
    if (!active.warnings_log) {
      fs::path path = fs::path(options_.workdir) / "trials" / trial / "metrics-collector.log";
      active.warnings_log = std::make_unique<std::ofstream>(path, std::ios::app);
    }
    *active.warnings_log << FormatRfc3339(clock_.Now()) << " " << message << "\n";
  }
  if (observer_) observer_->OnWarning(trial, message);
}

std::unique_ptr<ExperimentRunner::Impl::Active> ExperimentRunner::Impl::PrepareJob(
    size_t index, const fs::path& trial_dir, TrialJob& job, bool adopting) {
  Trial& trial = trials_[index];
  auto active = std::make_unique<Active>();
  active->index = index;
  try {
    if (!adopting) PrepareCheckpointDir(trial_dir.parent_path(), trial);
    RenderRequest request{&experiment_,          trial.name,
                          &trial.assignment,     trial_dir.string(),
                          options_.manifest_dir, CheckpointDir(trial_dir).string()};
    if (auto parent = trial.labels.find(kResumeFromLabel); parent != trial.labels.end())
      request.resume_from = parent->second;
    request.store = options_.store_location;
    request.tuneup_binary = options_.tuneup_binary;
    request.max_observations = options_.collector.max_observations;
    job = RenderTrialJob(request);
    job.priority = settings_.priority;
    job.slurm = settings_.slurm;
    job.attempt = trial.attempt;
    active->collector = TrialCollector::Make(CollectorContextFor(request, trial.attempt));
    active->collector->Prepare(job);
  } catch (const Error& e) {
    FailBeforeLaunch(index, trial_reason::kLaunchFailed, e.what());
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

void ExperimentRunner::Impl::StartTrial(size_t index) {
  Trial& trial = trials_[index];
  const fs::path trial_dir = fs::path(options_.workdir) / "trials" / trial.name;
  std::error_code ec;
  if (trial.started_at) {
    // A re-run: keep the earlier attempt's files beside the new ones.
    fs::path previous = trial_dir;
    previous += ".attempt-" + std::to_string(trial.attempt);
    if (fs::exists(trial_dir, ec)) fs::rename(trial_dir, previous, ec);
    ++trial.attempt;
  }
  trial.metrics.clear();
  trial.objective.reset();
  trial.completed_at.reset();
  trial.labels.erase(kJobLabel);  // an earlier attempt's job must never be adopted as this one
  curves_[index].clear();
  fs::create_directories(trial_dir, ec);
  if (ec) {
    FailBeforeLaunch(index, trial_reason::kLaunchFailed,
                     "cannot create " + trial_dir.string() + ": " + ec.message());
    return;
  }
  TrialJob job;
  std::unique_ptr<Active> active = PrepareJob(index, trial_dir, job);
  if (!active) return;
  TrialStatus previous = trial.status;
  trial.status = TrialStatus::kRunning;
  trial.reason.clear();
  trial.message.clear();
  trial.started_at = clock_.Now();
  SaveTrial(trial, previous, {});  // Running is stored (or queued) before the process exists
  if (!abort_error_.empty()) return;
  active->collector->Start();
  active_[trial.name] = std::move(active);
  if (observer_) observer_->OnTrialStarted(trial);
  std::string name = trial.name;
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
  trial.labels[kJobLabel] = identity;
  writer_->UpdateTrial(trial, {});
  // Only once the identity is stored may the job run: a controller that dies before has a job
  // that never runs, one that dies after has a job the next run adopts.
  writer_->WhenDrained([weak = weak_from_this(), name, release = std::move(release)] {
    auto self = weak.lock();
    if (self && self->active_.count(name) && self->abort_error_.empty()) release();
  });
}

void ExperimentRunner::Impl::AdoptTrial(size_t index) {
  Trial& trial = trials_[index];
  const std::string identity = trial.labels.at(kJobLabel);
  const fs::path trial_dir = fs::path(options_.workdir) / "trials" / trial.name;
  TrialJob job;
  std::unique_ptr<Active> active = PrepareJob(index, trial_dir, job, /*adopting=*/true);
  if (!active) return;
  if (CollectorRereadsFromStart(experiment_)) {
    // The new collector finds every observation again: those stored before the restart are
    // counted, not stored twice.
    ObservationFilter filter;
    filter.attempt = trial.attempt;
    try {
      active->already_stored = store_.FindObservations(trial.name, filter).size();
    } catch (const Error& e) {
      Abort(e.what());
      return;
    }
  }
  active->adopted = true;
  active->collector->Start();
  active_[trial.name] = std::move(active);
  if (observer_) observer_->OnTrialStarted(trial);
  executor_.Adopt(job, identity, CallbacksFor(trial.name));
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
  std::vector<std::string> grown;  // trials whose curves grew
  for (auto& [name, active] : active_) {
    std::vector<Observation>& unsaved = active->collector->metrics().unsaved();
    std::vector<Observation>& stored = active->collector->metrics().stored_elsewhere();
    if (unsaved.empty() && stored.empty()) continue;
    const Trial& trial = trials_[active->index];
    const size_t skipped = std::min(active->already_stored, unsaved.size());
    active->already_stored -= skipped;
    if (skipped < unsaved.size()) {
      writer_->AppendObservations(trial.name, trial.attempt,
                                  std::span<const Observation>(unsaved).subspan(skipped));
    }
    if (!abort_error_.empty()) return;
    const size_t before = curves_[active->index].size();
    ExtendCurve(active->index, stored);
    ExtendCurve(active->index, unsaved);
    if (curves_[active->index].size() > before) grown.push_back(name);
    unsaved.clear();
    stored.clear();
  }
  // Decided on what is stored, so a stop always has its evidence in the store. Kill() may end a
  // job at once, so active_ is looked up again for each.
  for (const auto& name : grown) {
    auto it = active_.find(name);
    if (it != active_.end()) ConsiderStopping(name, *it->second);
  }
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
  Trial& trial = trials_[active->index];
  Timestamp now = clock_.Now();
  TrialMetrics& metrics = active->collector->metrics();
  ExtendCurve(active->index, metrics.stored_elsewhere());
  ExtendCurve(active->index, metrics.unsaved());
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

void ExperimentRunner::Impl::Requeue(size_t index, const JobResult& result) {
  Trial& trial = trials_[index];
  if (result.kind == JobResult::Kind::kInfrastructureFailed) {
    int failures = 1;
    if (auto it = trial.labels.find(kInfrastructureFailuresLabel); it != trial.labels.end())
      failures += static_cast<int>(ParseInt64(it->second).value_or(0));
    trial.labels[kInfrastructureFailuresLabel] = std::to_string(failures);
    if (failures > settings_.infrastructure_retries) {
      trial.status = TrialStatus::kFailed;
      trial.reason = trial_reason::kInfrastructureFailed;
      trial.message = "the infrastructure failed under it " + std::to_string(failures) +
                      " times, more than " + kInfrastructureRetriesAnnotation + " (" +
                      std::to_string(settings_.infrastructure_retries) +
                      ") allows; last: " + result.message;
      return;
    }
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
  for (size_t index : queue_) {
    Trial& trial = trials_[index];
    TrialStatus previous = trial.status;
    trial.status = TrialStatus::kKilled;
    trial.reason = trial_reason::kKilled;
    trial.message = "not started: the experiment ended (" + ending_->reason + ")";
    trial.completed_at = clock_.Now();
    SaveTrial(trial, previous, {});
  }
  queue_.clear();
  KillActive();
  if (active_.empty()) Finish();
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
