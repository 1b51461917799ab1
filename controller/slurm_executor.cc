#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/slurm_executor.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "controller/async_command.h"
#include "controller/job_launch.h"
#include "controller/output_tail.h"
#include "controller/slurm_queue.h"
#include "controller/slurm_sbatch.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using SteadyClock = std::chrono::steady_clock;

std::string SlurmIdentity(int64_t job_id, const std::string& trial_dir) {
  return nlohmann::json{{"slurm_job_id", job_id}, {"trial_dir", trial_dir}}.dump();
}

bool ParseSlurmIdentity(const std::string& identity, int64_t& job_id, std::string& trial_dir) {
  nlohmann::json json = nlohmann::json::parse(identity, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return false;
  auto id = json.find("slurm_job_id");
  auto dir = json.find("trial_dir");
  if (id == json.end() || !id->is_number_integer() || dir == json.end() || !dir->is_string())
    return false;
  job_id = id->get<int64_t>();
  trial_dir = dir->get<std::string>();
  return job_id > 0 && !trial_dir.empty();
}

namespace {

// The first line of a small file (what a batch script said before it failed); "" if none.
std::string ReadHead(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  if (line.size() > 300) line.resize(300);
  return line;
}

}  // namespace

struct SlurmExecutor::Job {
  std::string trial;
  std::string directory;
  int64_t id = 0;  // 0 until sbatch answered
  JobCallbacks callbacks;
  std::unique_ptr<OutputTail> tail;
  bool adopted = false;
  bool release_requested = false;
  bool release_in_flight = false;
  bool kill_requested = false;
  bool kill_now = false;  // KillAllNow: the keeper is killed too, no status will come
  bool cancel_in_flight = false;
  bool seen_in_queue = false;  // listed by squeue as not ended at least once
  bool started = false;        // listed by squeue as running, or as having run
  // Slurm requeued the job (or preempted it): reported as kPreempted once it is cancelled.
  std::optional<std::string> taken_away;
  // When the job was first seen ended without a usable job.status (files may lag).
  std::optional<SteadyClock::time_point> ended_without_status;
  bool finished = false;
};

struct SlurmExecutor::Impl : std::enable_shared_from_this<SlurmExecutor::Impl> {
  Impl(asio::io_context& io_context, SlurmOptions opts)
      : io(io_context),
        options(std::move(opts)),
        commands(io_context, CommandRunnerOptions{options.max_concurrent_commands,
                                                  options.command_timeout, options.commands_dir}),
        poll_timer(io_context) {}

  asio::io_context& io;
  SlurmOptions options;
  CommandRunner commands;
  asio::steady_timer poll_timer;
  bool poll_scheduled = false;
  bool poll_in_flight = false;
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs;

  std::weak_ptr<Impl> weak() { return weak_from_this(); }

  void Finish(const std::shared_ptr<Job>& job, const JobResult& result) {
    if (job->finished) return;
    if (job->tail) {
      job->tail->ReadNow();  // the rest of the output, before the end is reported
      job->tail->Stop();
    }
    if (job->finished) return;  // ended from inside on_output
    job->finished = true;
    jobs.erase(job->trial);
    if (job->callbacks.on_exit) job->callbacks.on_exit(result);
  }

  void StartFollowing(const std::shared_ptr<Job>& job) {
    std::weak_ptr<Job> weak_job = job;
    job->tail =
        std::make_unique<OutputTail>(io, job->directory, options.poll_interval,
                                     [weak_job](OutputStream stream, std::string_view bytes) {
                                       auto job = weak_job.lock();
                                       if (job && !job->finished && job->callbacks.on_output)
                                         job->callbacks.on_output(stream, bytes);
                                     });
    job->tail->Start();
  }

  // --- submitting ------------------------------------------------------------------------------

  void Launch(const TrialJob& trial_job, JobCallbacks callbacks);
  void CancelLeftoversThenSubmit(const std::shared_ptr<Job>& job, const std::string& name,
                                 std::vector<std::string> sbatch);
  void Submit(const std::shared_ptr<Job>& job, std::vector<std::string> sbatch);
  void Submitted(const std::shared_ptr<Job>& job, int64_t id);

  void Release(const std::shared_ptr<Job>& job) {
    if (job->finished || job->kill_requested || job->release_in_flight) return;
    job->release_requested = true;
    job->release_in_flight = true;
    commands.Run({"scontrol", "release", std::to_string(job->id)},
                 [job](const CommandResult&) { job->release_in_flight = false; });
    // Whether it worked shows in the next poll: a job still held is released again.
  }

  // Runs the commands one after the other, whatever each one's outcome.
  void RunInOrder(std::vector<std::vector<std::string>> steps, size_t next) {
    if (next >= steps.size()) return;
    std::vector<std::string> argv = steps[next];
    commands.Run(std::move(argv),
                 [weak = weak(), steps = std::move(steps), next](const CommandResult&) mutable {
                   if (auto self = weak.lock()) self->RunInOrder(std::move(steps), next + 1);
                 });
  }

  void Cancel(const std::shared_ptr<Job>& job) {
    if (job->id == 0 || job->cancel_in_flight) return;
    job->cancel_in_flight = true;
    commands.Run({"scancel", std::to_string(job->id)},
                 [job](const CommandResult&) { job->cancel_in_flight = false; });
  }

  // --- following -------------------------------------------------------------------------------

  void SchedulePoll(std::chrono::milliseconds delay) {
    if (poll_scheduled) return;
    bool any = false;
    for (auto& [trial, job] : jobs)
      any = any || job->id != 0;
    if (!any) return;
    poll_scheduled = true;
    poll_timer.expires_after(delay);
    poll_timer.async_wait([weak = weak()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (!self || ec) return;
      self->poll_scheduled = false;
      self->Poll();
    });
  }

  void Poll();
  void Update(const std::shared_ptr<Job>& job, const SlurmJobState* state);
  void Resolve(const std::shared_ptr<Job>& job, const std::string& state);
};

void SlurmExecutor::Impl::Launch(const TrialJob& trial_job, JobCallbacks callbacks) {
  if (jobs.count(trial_job.trial)) {
    PostLaunchFailure(io, std::move(callbacks), "trial " + trial_job.trial + " is already running");
    return;
  }
  std::vector<std::string> sbatch;
  try {
    JobSpec spec = MakeJobSpec(trial_job);
    WriteJobSpec(spec);
    const std::string script = (fs::path(trial_job.trial_dir) / "job.sh").string();
    std::ofstream out(script, std::ios::trunc);
    out << BatchScript(options.keeper, (fs::path(trial_job.trial_dir) / kJobSpecFile).string());
    out.close();
    if (!out) throw Error(ErrorCode::kIo, "cannot write " + script);
    sbatch = SbatchArgv(trial_job, options, script);
  } catch (const Error& e) {
    PostLaunchFailure(io, std::move(callbacks), e.what());
    return;
  }
  auto job = std::make_shared<Job>();
  job->trial = trial_job.trial;
  job->directory = trial_job.trial_dir;
  job->callbacks = std::move(callbacks);
  jobs[job->trial] = job;
  CancelLeftoversThenSubmit(job, SlurmJobName(trial_job), std::move(sbatch));
}

void SlurmExecutor::Impl::CancelLeftoversThenSubmit(const std::shared_ptr<Job>& job,
                                                    const std::string& name,
                                                    std::vector<std::string> sbatch) {
  commands.Run(SqueueByNameArgv(name), [weak = weak(), job, sbatch = std::move(sbatch)](
                                           const CommandResult& listed) mutable {
    auto self = weak.lock();
    if (!self || job->finished) return;
    std::vector<std::string> scancel = {"scancel"};
    if (listed.ok()) {
      for (const auto& [id, state] : ParseSqueue(listed.out))
        if (SlurmPhaseOf(state) == SlurmPhase::kHeld) scancel.push_back(std::to_string(id));
    }
    // Without the list (squeue failed) submit anyway: sbatch says whether Slurm is there.
    if (scancel.size() == 1) {
      self->Submit(job, std::move(sbatch));
      return;
    }
    self->commands.Run(std::move(scancel),
                       [weak, job, sbatch = std::move(sbatch)](const CommandResult&) mutable {
                         if (auto self = weak.lock(); self && !job->finished)
                           self->Submit(job, std::move(sbatch));
                       });
  });
}

void SlurmExecutor::Impl::Submit(const std::shared_ptr<Job>& job, std::vector<std::string> sbatch) {
  if (job->kill_requested) {
    JobResult result;
    result.kind = JobResult::Kind::kKilled;
    result.message = "stopped before it was submitted";
    Finish(job, result);
    return;
  }
  std::string line = CommandLine(sbatch);
  commands.Run(std::move(sbatch), [weak = weak(), job, line](const CommandResult& submitted) {
    auto self = weak.lock();
    if (!self || job->finished) return;
    std::optional<int64_t> id;
    if (submitted.ok()) id = ParseSbatchJobId(submitted.out);
    if (!id) {
      std::string why = !submitted.error.empty() ? submitted.error : submitted.err;
      while (!why.empty() && why.back() == '\n')
        why.pop_back();
      if (why.empty()) why = "exit code " + std::to_string(submitted.exit_code);
      self->Finish(job, LaunchFailure("sbatch failed: " + why + " (" + line + ")"));
      return;
    }
    self->Submitted(job, *id);
  });
}

void SlurmExecutor::Impl::Submitted(const std::shared_ptr<Job>& job, int64_t id) {
  job->id = id;
  StartFollowing(job);
  SchedulePoll(options.poll_interval);
  if (job->kill_requested) {  // Kill came while sbatch ran: the job never runs
    Cancel(job);
    return;
  }
  if (job->callbacks.on_created) {
    std::weak_ptr<Impl> weak_self = weak();
    std::weak_ptr<Job> weak_job = job;
    job->callbacks.on_created(SlurmIdentity(id, job->directory), [weak_self, weak_job] {
      auto self = weak_self.lock();
      auto job = weak_job.lock();
      if (self && job) self->Release(job);
    });
  } else {
    Release(job);
  }
}

void SlurmExecutor::Impl::Poll() {
  if (poll_in_flight) return;
  std::vector<int64_t> ids;
  for (auto& [trial, job] : jobs)
    if (job->id != 0) ids.push_back(job->id);
  if (ids.empty()) return;
  poll_in_flight = true;
  commands.Run(SqueueArgv(ids), [weak = weak()](const CommandResult& listed) {
    auto self = weak.lock();
    if (!self) return;
    self->poll_in_flight = false;
    // A failed squeue (slurmctld busy or down) says nothing about the jobs: ask again later. An
    // unknown-id error (one id, which Slurm forgot) means: none listed.
    if (listed.ok() || IsUnknownJobError(listed.err)) {
      std::map<int64_t, SlurmJobState> states;
      if (listed.ok()) states = ParseSqueue(listed.out);
      std::vector<std::shared_ptr<Job>> snapshot;
      for (auto& [trial, job] : self->jobs)
        if (job->id != 0) snapshot.push_back(job);
      for (auto& job : snapshot) {
        if (job->finished) continue;
        auto it = states.find(job->id);
        self->Update(job, it == states.end() ? nullptr : &it->second);
      }
    }
    self->SchedulePoll(self->options.poll_interval);
  });
}

void SlurmExecutor::Impl::Update(const std::shared_ptr<Job>& job, const SlurmJobState* state) {
  if (state == nullptr) {  // Slurm forgot the job: its files tell
    Resolve(job, "");
    return;
  }
  const SlurmPhase phase = SlurmPhaseOf(*state);
  if (phase != SlurmPhase::kEnded) job->seen_in_queue = true;
  if (phase != SlurmPhase::kHeld && phase != SlurmPhase::kQueued) job->started = true;
  switch (phase) {
    case SlurmPhase::kHeld:
      if (job->kill_requested) {
        Cancel(job);
      } else if (job->adopted || job->release_requested) {
        Release(job);  // adopted held: release it; ours: the release did not take, again
      }
      return;
    case SlurmPhase::kQueued:
    case SlurmPhase::kRunning:
    case SlurmPhase::kCompleting:
      return;
    case SlurmPhase::kRequeued:
      if (!job->taken_away) {
        job->taken_away = "requeued by Slurm (job " + std::to_string(job->id) + " " + state->state +
                          ", reason " + state->reason + ", restarts " +
                          std::to_string(state->restarts) + ")";
      }
      Cancel(job);  // reported once Slurm shows it ended: then nothing of it runs any more
      return;
    case SlurmPhase::kEnded:
      Resolve(job, state->state);
      return;
  }
}

void SlurmExecutor::Impl::Resolve(const std::shared_ptr<Job>& job, const std::string& state) {
  const std::string slurm =
      "Slurm job " + std::to_string(job->id) + (state.empty() ? " no longer listed" : " " + state);
  JobResult result;
  if (job->taken_away) {
    result.kind = JobResult::Kind::kPreempted;
    result.message = *job->taken_away;
    Finish(job, result);
    return;
  }
  const SlurmEnd end = SlurmEndOf(state);
  if (end == SlurmEnd::kPreempted && !job->kill_requested) {
    result.kind = JobResult::Kind::kPreempted;
    result.message = "preempted (" + slurm + ")";
    Finish(job, result);
    return;
  }
  if (end == SlurmEnd::kInfrastructure && !job->kill_requested) {
    result.kind = JobResult::Kind::kInfrastructureFailed;
    result.message = "the node failed under it (" + slurm + ")";
    Finish(job, result);
    return;
  }
  result = JobResultFromFiles(job->directory, job->kill_requested);
  const std::optional<JobStatus> status = ReadJobStatus(job->directory);
  const bool have_status = status && status->ended;
  const bool started = status.has_value();  // job.status is created when the job starts
  // The keeper may still be writing (a kill), or the shared filesystem may not show its files
  // yet: a job seen alive gets status_grace to produce them.
  if (!have_status && (started || !job->kill_requested) && job->seen_in_queue && !job->kill_now) {
    auto now = SteadyClock::now();
    if (!job->ended_without_status) job->ended_without_status = now;
    if (now - *job->ended_without_status < options.status_grace) return;
  }
  if (result.kind == JobResult::Kind::kNeverStarted && !job->adopted) {
    // Launched here and gone without running: the batch script could not run tuneup-job (what
    // it said is in slurm-<id>.err), or someone cancelled the job in Slurm.
    std::string said = ReadHead(
        (fs::path(job->directory) / ("slurm-" + std::to_string(job->id) + ".err")).string());
    result.kind =
        said.empty() ? JobResult::Kind::kInfrastructureFailed : JobResult::Kind::kLaunchFailed;
    result.message = "ended before it ran (" + slurm + ")" + (said.empty() ? "" : ": " + said);
  } else if (!state.empty() && state != "COMPLETED" && state != "FAILED" &&
             result.kind != JobResult::Kind::kNeverStarted) {
    result.message += " (" + slurm + ")";
  }
  Finish(job, result);
}

SlurmExecutor::SlurmExecutor(asio::io_context& io, SlurmOptions options) {
  if (options.keeper.empty()) options.keeper = FindJobKeeper();
  impl_ = std::make_shared<Impl>(io, std::move(options));
}

SlurmExecutor::~SlurmExecutor() {
  for (auto& [trial, job] : impl_->jobs)
    if (job->tail) job->tail->Stop();
  impl_->poll_timer.cancel();
}

void SlurmExecutor::Launch(const TrialJob& job, JobCallbacks callbacks) {
  impl_->Launch(job, std::move(callbacks));
}

void SlurmExecutor::Adopt(const TrialJob& trial_job, const std::string& identity,
                          JobCallbacks callbacks) {
  int64_t id = 0;
  std::string directory;
  if (!ParseSlurmIdentity(identity, id, directory)) {
    PostLaunchFailure(impl_->io, std::move(callbacks),
                      "not a Slurm job identity: " + identity.substr(0, 200));
    return;
  }
  if (impl_->jobs.count(trial_job.trial)) {
    PostLaunchFailure(impl_->io, std::move(callbacks),
                      "trial " + trial_job.trial + " is already running");
    return;
  }
  auto job = std::make_shared<Job>();
  job->trial = trial_job.trial;
  job->directory = directory;
  job->id = id;
  job->adopted = true;
  job->callbacks = std::move(callbacks);
  impl_->jobs[job->trial] = job;
  impl_->StartFollowing(job);
  impl_->SchedulePoll(std::chrono::milliseconds(0));
}

void SlurmExecutor::Kill(std::string_view trial) {
  auto it = impl_->jobs.find(trial);
  if (it == impl_->jobs.end()) return;
  std::shared_ptr<Job> job = it->second;
  if (job->finished || job->kill_requested) return;
  job->kill_requested = true;
  impl_->Cancel(job);  // before sbatch answered: cancelled as soon as it has (Submitted)
}

void SlurmExecutor::KillAllNow() {
  std::vector<std::string> ids;
  for (auto& [trial, job] : impl_->jobs) {
    job->kill_requested = true;
    job->kill_now = true;
    if (job->id != 0) ids.push_back(std::to_string(job->id));
  }
  if (ids.empty()) return;
  auto with_ids = [&ids](std::vector<std::string> argv) {
    argv.insert(argv.end(), ids.begin(), ids.end());
    return argv;
  };
  // First the pending jobs, so that none starts meanwhile; then SIGUSR1 to each running job's
  // batch shell, which is tuneup-job: it kills its trial's process group at once and records
  // the end; last a plain scancel for whatever is left.
  std::vector<std::vector<std::string>> steps = {with_ids({"scancel", "--state=PENDING"}),
                                                 with_ids({"scancel", "--batch", "--signal=USR1"}),
                                                 with_ids({"scancel"})};
  impl_->RunInOrder(std::move(steps), 0);
}

size_t SlurmExecutor::running() const {
  return impl_->jobs.size();
}

size_t SlurmExecutor::waiting() const {
  return static_cast<size_t>(
      std::count_if(impl_->jobs.begin(), impl_->jobs.end(),
                    [](const auto& entry) { return !entry.second->started; }));
}

}  // namespace tuneup
