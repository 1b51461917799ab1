#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/local_executor.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "controller/job_keeper.h"
#include "controller/output_tail.h"
#include "controller/spawn_attributes.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

int PidfdOpen(pid_t pid) {
  return static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
}

// Signals the process behind `pidfd`: never another process that reused its pid.
void SignalProcess(int pidfd, int signal) {
  if (pidfd >= 0) ::syscall(SYS_pidfd_send_signal, pidfd, signal, nullptr, 0);
}

// The start time of process `pid` in clock ticks since boot (field 22 of /proc/PID/stat), which
// tells a process from a later one with the same pid. 0 when there is no such process.
uint64_t ProcessStartTicks(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');  // the command name may contain spaces and parentheses
  if (paren == std::string::npos) return 0;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  for (int index = 3; index <= 22 && fields >> field; ++index) {
    if (index == 22) return std::strtoull(field.c_str(), nullptr, 10);
  }
  return 0;
}

struct LocalIdentity {
  pid_t pid = -1;
  uint64_t start = 0;
  std::string directory;
};

std::string FormatIdentity(const LocalIdentity& identity) {
  return nlohmann::json{
      {"pid", identity.pid}, {"start", identity.start}, {"dir", identity.directory}}
      .dump();
}

std::optional<LocalIdentity> ParseIdentity(const std::string& text) {
  nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!json.is_object()) return std::nullopt;
  try {
    LocalIdentity identity;
    identity.pid = json.at("pid").get<pid_t>();
    identity.start = json.at("start").get<uint64_t>();
    identity.directory = json.at("dir").get<std::string>();
    if (identity.pid <= 0 || identity.directory.empty()) return std::nullopt;
    return identity;
  } catch (const nlohmann::json::exception&) {
    return std::nullopt;
  }
}

bool IsSingleThreaded() {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  size_t paren = text.rfind(')');
  if (paren == std::string::npos) return false;
  std::istringstream fields(text.substr(paren + 2));
  std::string field;
  for (int index = 3; index <= 20 && fields >> field; ++index) {
    if (index == 20) return field == "1";  // num_threads
  }
  return false;
}

// In the child of fork(): becomes the job's keeper, in a session of its own, with the release
// pipe as descriptor 3 and nothing else of tuneup's open (another job's release pipe held here
// would keep that job from ever seeing its controller die).
[[noreturn]] void RunForkedKeeper(const JobSpec& spec, int go) {
  ::setsid();
  for (int signal = 1; signal < NSIG; ++signal)
    ::signal(signal, SIG_DFL);  // tuneup's handlers (Asio's signal_set) are not the keeper's
  sigset_t none;
  sigemptyset(&none);
  ::sigprocmask(SIG_SETMASK, &none, nullptr);
  if (go != 3) ::dup2(go, 3);
  int null = ::open("/dev/null", O_RDWR);
  ::dup2(null, 0);
  ::dup2(null, 1);  // stderr stays tuneup's: the keeper writes there only when it cannot record
  ::close_range(4, ~0U, 0);
  ::_exit(RunJobKeeper(spec, 3));
}

// Starts the tuneup-job program on `spec` (written to its job.json) with the release pipe as
// descriptor 3. Returns an error message, or "" with `pid` set.
std::string SpawnKeeper(const std::string& keeper, const JobSpec& spec, int go, pid_t& pid) {
  const std::string spec_path = (fs::path(spec.directory) / kJobSpecFile).string();
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, go, 3);
  // A session of its own: neither tuneup's terminal nor tuneup's end reaches the job.
  CleanSignalsSpawnAttributes attr(POSIX_SPAWN_SETSID);
  std::string go_fd = "3";
  std::string program = keeper;
  std::vector<char*> argv = {program.data(), const_cast<char*>(spec_path.c_str()),
                             const_cast<char*>("--go-fd"), go_fd.data(), nullptr};
  int rc = ::posix_spawn(&pid, keeper.c_str(), &actions, attr.get(), argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  return rc == 0 ? "" : "cannot start " + keeper + ": " + std::strerror(rc);
}

// Closes a file descriptor when it goes out of scope.
class FdGuard {
 public:
  explicit FdGuard(int fd = -1) : fd_(fd) {}
  ~FdGuard() { reset(); }
  FdGuard(const FdGuard&) = delete;
  FdGuard& operator=(const FdGuard&) = delete;
  int get() const { return fd_; }
  int release() { return std::exchange(fd_, -1); }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

}  // namespace

struct LocalExecutor::Job {
  explicit Job(asio::io_context& io) : exited(io), grace_timer(io), reap_timer(io) {}

  std::string trial;
  std::string directory;
  LocalIdentity identity;
  bool own_child = false;                 // launched here (reaped here) rather than adopted
  asio::posix::stream_descriptor exited;  // the keeper's pidfd: readable once it has exited
  FdGuard release;                        // write end of the keeper's go pipe until released
  bool released = false;
  bool kill_requested = false;
  bool finished = false;
  JobCallbacks callbacks;
  std::unique_ptr<OutputTail> tail;
  asio::steady_timer grace_timer;
  asio::steady_timer reap_timer;

  int pidfd() { return exited.is_open() ? exited.native_handle() : -1; }
};

struct LocalExecutor::Impl : std::enable_shared_from_this<LocalExecutor::Impl> {
  Impl(asio::io_context& io_context, LocalExecutorOptions opts)
      : io(io_context), options(std::move(opts)), watch(io_context) {}

  asio::io_context& io;
  LocalExecutorOptions options;
  OutputTailWatch watch;  // the change notifications of the jobs' output, kept between jobs
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs;

  // Follows a registered job: its output files and the end of its keeper.
  void Follow(const std::shared_ptr<Job>& job) {
    std::weak_ptr<Job> weak_job = job;
    job->tail =
        std::make_unique<OutputTail>(io, job->directory, options.output_poll,
                                     [weak_job](OutputStream stream, std::string_view bytes) {
                                       auto job = weak_job.lock();
                                       if (job && !job->finished && job->callbacks.on_output)
                                         job->callbacks.on_output(stream, bytes);
                                     });
    job->tail->Start();
    job->exited.async_wait(asio::posix::stream_descriptor::wait_read,
                           [weak = weak_from_this(), job](const boost::system::error_code& ec) {
                             auto self = weak.lock();
                             if (self && ec != asio::error::operation_aborted) self->Finish(job);
                           });
  }

  void Finish(const std::shared_ptr<Job>& job) {
    if (job->finished) return;
    std::string keeper_end;
    if (job->own_child) {
      // The pidfd turns readable as the keeper exits, a moment before it can be reaped: look
      // again shortly rather than block the loop in waitpid.
      int status = 0;
      pid_t reaped;
      do {
        reaped = ::waitpid(job->identity.pid, &status, WNOHANG);
      } while (reaped < 0 && errno == EINTR);
      if (reaped == 0) {
        job->reap_timer.expires_after(std::chrono::microseconds(200));
        job->reap_timer.async_wait(
            [weak = weak_from_this(), job](const boost::system::error_code& ec) {
              auto self = weak.lock();
              if (self && !ec) self->Finish(job);
            });
        return;
      }
      if (reaped == job->identity.pid && WIFSIGNALED(status))
        keeper_end = " (tuneup-job was killed by " + SignalName(WTERMSIG(status)) + ")";
    }
    job->grace_timer.cancel();
    job->tail->ReadNow();  // the rest of the output, before the end is reported
    job->tail->Stop();
    job->finished = true;
    boost::system::error_code ignored;
    job->exited.close(ignored);
    JobResult result = JobResultFromFiles(job->directory, job->kill_requested);
    if (result.kind == JobResult::Kind::kInfrastructureFailed) result.message += keeper_end;
    jobs.erase(job->trial);
    if (job->callbacks.on_exit) job->callbacks.on_exit(result);
  }

  void Release(const std::shared_ptr<Job>& job) {
    if (job->finished || job->released || job->kill_requested) return;
    const char go = 1;
    ssize_t n;
    do {
      n = ::write(job->release.get(), &go, 1);
    } while (n < 0 && errno == EINTR);
    job->release.reset();
    job->released = true;
  }

  void Launch(const TrialJob& job, JobCallbacks callbacks);
  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks);
};

void LocalExecutor::Impl::Launch(const TrialJob& trial_job, JobCallbacks callbacks) {
  if (jobs.count(trial_job.trial)) {
    PostLaunchFailure(io, std::move(callbacks), "trial " + trial_job.trial + " is already running");
    return;
  }
  JobSpec spec;
  std::string keeper = options.keeper;
  // A single-threaded tuneup forks its keepers (the copy runs RunJobKeeper and nothing else):
  // much cheaper than starting a program, which costs about a millisecond on a virtual machine.
  // Where other threads exist, fork would copy them mid-flight: start tuneup-job instead.
  const bool forking = keeper.empty() && IsSingleThreaded();
  try {
    spec = MakeJobSpec(trial_job);
    spec.nice = options.nice;
    if (!forking && keeper.empty()) keeper = FindJobKeeper();
    // Each launch starts with no record of an earlier end (and the keeper truncates the output
    // files when it starts the job).
    for (const char* name : {kJobStatusFile, kJobStdoutFile, kJobStderrFile})
      fs::remove(fs::path(spec.directory) / name);
    if (!forking) WriteJobSpec(spec);
  } catch (const std::exception& e) {
    PostLaunchFailure(io, std::move(callbacks), e.what());
    return;
  }

  int go_pipe[2];
  if (::pipe2(go_pipe, O_CLOEXEC) != 0) {
    PostLaunchFailure(io, std::move(callbacks), std::string("pipe: ") + std::strerror(errno));
    return;
  }
  FdGuard go_read(go_pipe[0]), go_write(go_pipe[1]);
  pid_t pid = -1;
  if (!forking) {
    std::string error = SpawnKeeper(keeper, spec, go_read.get(), pid);
    if (!error.empty()) {
      PostLaunchFailure(io, std::move(callbacks), error);
      return;
    }
  } else {
    pid = ::fork();
    if (pid == 0) RunForkedKeeper(spec, go_read.get());
    if (pid < 0) {
      PostLaunchFailure(io, std::move(callbacks), std::string("fork: ") + std::strerror(errno));
      return;
    }
  }
  go_read.reset();
  auto job = std::make_shared<Job>(io);
  job->trial = trial_job.trial;
  job->directory = spec.directory;
  job->own_child = true;
  job->identity = {pid, ProcessStartTicks(pid), spec.directory};
  int pidfd = PidfdOpen(pid);
  if (pidfd < 0) {
    // Without a pidfd the end cannot be followed: do not let the job run.
    go_write.reset();
    int status = 0;
    ::waitpid(pid, &status, 0);
    PostLaunchFailure(io, std::move(callbacks), std::string("pidfd_open: ") + std::strerror(errno));
    return;
  }
  job->exited.assign(pidfd);
  job->release.reset(go_write.release());
  job->callbacks = std::move(callbacks);
  jobs[job->trial] = job;
  Follow(job);
  const std::string identity = FormatIdentity(job->identity);
  asio::post(io, [weak = weak_from_this(), job, identity] {
    auto self = weak.lock();
    if (!self || job->finished) return;
    std::function<void()> release = [weak, weak_job = std::weak_ptr<Job>(job)] {
      auto self = weak.lock();
      auto job = weak_job.lock();
      if (self && job) self->Release(job);
    };
    if (job->callbacks.on_created) {
      job->callbacks.on_created(identity, std::move(release));
    } else {
      release();
    }
  });
}

void LocalExecutor::Impl::Adopt(const TrialJob& trial_job, const std::string& text,
                                JobCallbacks callbacks) {
  std::optional<LocalIdentity> identity = ParseIdentity(text);
  if (!identity) {
    PostLaunchFailure(io, std::move(callbacks),
                      "cannot adopt trial " + trial_job.trial + ": '" + text +
                          "' is not the identity of a local job");
    return;
  }
  if (jobs.count(trial_job.trial)) {
    PostLaunchFailure(io, std::move(callbacks), "trial " + trial_job.trial + " is already running");
    return;
  }
  auto job = std::make_shared<Job>(io);
  job->trial = trial_job.trial;
  job->directory = identity->directory;
  job->identity = *identity;
  job->released = true;  // or never will be: its go pipe closed when its controller died
  job->callbacks = std::move(callbacks);
  int pidfd = PidfdOpen(identity->pid);
  // Checked after opening the pidfd, so that the process cannot be replaced in between.
  if (pidfd >= 0 && ProcessStartTicks(identity->pid) != identity->start) {
    ::close(pidfd);
    pidfd = -1;
  }
  jobs[job->trial] = job;
  if (pidfd >= 0) {
    job->exited.assign(pidfd);
    Follow(job);
    return;
  }
  // Ended while no controller watched: its whole output, then how it ended.
  Follow(job);
  asio::post(io, [weak = weak_from_this(), job] {
    if (auto self = weak.lock()) self->Finish(job);
  });
}

LocalExecutor::LocalExecutor(asio::io_context& io, LocalExecutorOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {}

LocalExecutor::~LocalExecutor() {
  // Nothing this executor launched may outlive its bookkeeping: stop what still runs.
  for (auto& [name, job] : impl_->jobs) {
    if (job->finished) continue;
    job->release.reset();  // an unreleased job never runs
    SignalProcess(job->pidfd(), SIGUSR1);
    if (job->own_child) {
      int status = 0;
      ::waitpid(job->identity.pid, &status, 0);
    }
  }
}

void LocalExecutor::Launch(const TrialJob& job, JobCallbacks callbacks) {
  impl_->Launch(job, std::move(callbacks));
}

void LocalExecutor::Adopt(const TrialJob& job, const std::string& identity,
                          JobCallbacks callbacks) {
  impl_->Adopt(job, identity, std::move(callbacks));
}

void LocalExecutor::Kill(std::string_view trial) {
  auto it = impl_->jobs.find(trial);
  if (it == impl_->jobs.end()) return;
  std::shared_ptr<Job> job = it->second;
  if (job->finished || job->kill_requested) return;
  // A job that already ended on its own is reported as it ended (kExited).
  if (auto status = ReadJobStatus(job->directory); status && status->ended) return;
  job->kill_requested = true;
  if (!job->released) {
    job->release.reset();  // the keeper sees end-of-file and never runs the job
    return;
  }
  if (impl_->options.kill_grace.count() == 0) {
    SignalProcess(job->pidfd(), SIGUSR1);
    return;
  }
  SignalProcess(job->pidfd(), SIGTERM);
  job->grace_timer.expires_after(impl_->options.kill_grace);
  job->grace_timer.async_wait([job](const boost::system::error_code& ec) {
    if (!ec && !job->finished) SignalProcess(job->pidfd(), SIGUSR1);
  });
}

void LocalExecutor::KillAllNow() {
  for (auto& [name, job] : impl_->jobs) {
    if (job->finished) continue;
    job->kill_requested = true;
    job->release.reset();
    SignalProcess(job->pidfd(), SIGUSR1);
  }
}

void LocalExecutor::Detach() {
  for (auto& [name, job] : impl_->jobs) {
    job->finished = true;
    job->release.reset();
    job->tail->Stop();
    job->grace_timer.cancel();
    boost::system::error_code ignored;
    job->exited.close(ignored);
  }
  impl_->jobs.clear();
}

size_t LocalExecutor::running() const {
  return impl_->jobs.size();
}

size_t LocalExecutor::waiting() const {
  return static_cast<size_t>(
      std::count_if(impl_->jobs.begin(), impl_->jobs.end(),
                    [](const auto& entry) { return !entry.second->released; }));
}

}  // namespace tuneup
