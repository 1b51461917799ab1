#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/local_executor.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <filesystem>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

namespace tuneup {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
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

void WriteAll(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      return;  // a full disk must not stop the trial; the collector still sees the bytes
    }
    data += n;
    size -= static_cast<size_t>(n);
  }
}

}  // namespace

std::string ResolveExecutable(const std::string& program, const std::string& path,
                              const std::string& working_dir) {
  namespace fs = std::filesystem;
  if (program.empty()) return "";
  if (program.find('/') != std::string::npos) {
    fs::path candidate =
        fs::path(program).is_absolute() ? fs::path(program) : fs::path(working_dir) / program;
    std::string full = candidate.lexically_normal().string();
    return IsExecutableFile(full) ? full : "";
  }
  size_t start = 0;
  while (start <= path.size()) {
    size_t end = path.find(':', start);
    if (end == std::string::npos) end = path.size();
    std::string dir = path.substr(start, end - start);
    if (dir.empty()) dir = working_dir;  // an empty PATH entry means the current directory
    std::string full = (fs::path(dir) / program).lexically_normal().string();
    if (!fs::path(full).is_absolute()) full = (fs::path(working_dir) / full).string();
    if (IsExecutableFile(full)) return full;
    start = end + 1;
  }
  return "";
}

struct LocalExecutor::Job {
  explicit Job(asio::io_context& io) : out(io), err(io), grace_timer(io), drain_timer(io) {}

  std::string trial;
  pid_t pid = -1;
  JobCallbacks callbacks;
  asio::posix::stream_descriptor out;
  asio::posix::stream_descriptor err;
  FdGuard out_log;
  FdGuard err_log;
  std::array<char, kReadChunk> out_buffer;
  std::array<char, kReadChunk> err_buffer;
  bool out_open = true;
  bool err_open = true;
  bool reaped = false;
  int wait_status = 0;
  bool kill_requested = false;
  bool finished = false;
  asio::steady_timer grace_timer;
  asio::steady_timer drain_timer;
};

struct LocalExecutor::Impl : std::enable_shared_from_this<LocalExecutor::Impl> {
  Impl(asio::io_context& io_context, LocalExecutorOptions opts)
      : io(io_context), options(opts), sigchld(io_context, SIGCHLD) {}

  asio::io_context& io;
  LocalExecutorOptions options;
  asio::signal_set sigchld;
  bool waiting = false;
  std::map<std::string, std::shared_ptr<Job>, std::less<>> jobs;

  // Waits for SIGCHLD only while there are jobs, so that an idle executor leaves the event loop
  // free to return. Signals that arrive between waits are queued by the signal_set.
  void WaitForChildren() {
    if (waiting || jobs.empty()) return;
    waiting = true;
    sigchld.async_wait([weak = weak_from_this()](const boost::system::error_code& ec, int) {
      auto self = weak.lock();
      if (!self) return;
      self->waiting = false;
      if (!ec) self->Reap();
      // Also after a cancel (the last job finished): a job launched since then needs the wait.
      self->WaitForChildren();
    });
  }

  // The last job can finish on a pipe's end-of-file after its process was reaped (a child left
  // in its group kept the pipes open until the group kill): the wait armed after that reap would
  // otherwise keep the event loop from returning.
  void StopWaitingIfIdle() {
    if (!waiting || !jobs.empty()) return;
    boost::system::error_code ignored;
    sigchld.cancel(ignored);
  }

  void Reap() {
    // Collect first: finishing a job erases it from `jobs`.
    std::vector<std::shared_ptr<Job>> exited;
    for (auto& [name, job] : jobs) {
      if (job->reaped) continue;
      int status = 0;
      pid_t r = ::waitpid(job->pid, &status, WNOHANG);
      if (r == job->pid) {
        job->reaped = true;
        job->wait_status = status;
        exited.push_back(job);
      }
    }
    for (auto& job : exited) {
      ::kill(-job->pid, SIGKILL);  // whatever the trial left in its group, as a container would
      job->grace_timer.cancel();
      if (job->out_open || job->err_open) {
        job->drain_timer.expires_after(options.drain_timeout);
        job->drain_timer.async_wait([job](const boost::system::error_code& ec) {
          if (ec) return;
          boost::system::error_code ignored;
          job->out.close(ignored);  // a daemonised grandchild holds the pipes: stop waiting
          job->err.close(ignored);
        });
      }
      MaybeFinish(job);
    }
  }

  void Read(const std::shared_ptr<Job>& job, OutputStream stream) {
    bool is_out = stream == OutputStream::kStdout;
    auto& descriptor = is_out ? job->out : job->err;
    auto& buffer = is_out ? job->out_buffer : job->err_buffer;
    descriptor.async_read_some(
        asio::buffer(buffer), [weak = weak_from_this(), job, stream, is_out](
                                  const boost::system::error_code& ec, size_t n) {
          auto self = weak.lock();
          if (!self) return;
          if (n > 0 && !job->finished) {
            const char* data = (is_out ? job->out_buffer : job->err_buffer).data();
            WriteAll(is_out ? job->out_log.get() : job->err_log.get(), data, n);
            if (job->callbacks.on_output)
              job->callbacks.on_output(stream, std::string_view(data, n));
          }
          if (!ec) {
            self->Read(job, stream);
            return;
          }
          (is_out ? job->out_open : job->err_open) = false;
          self->MaybeFinish(job);
        });
  }

  void MaybeFinish(const std::shared_ptr<Job>& job) {
    if (job->finished || !job->reaped || job->out_open || job->err_open) return;
    job->finished = true;
    job->grace_timer.cancel();
    job->drain_timer.cancel();
    boost::system::error_code ignored;
    job->out.close(ignored);
    job->err.close(ignored);
    job->out_log.reset();
    job->err_log.reset();
    JobResult result;
    int status = job->wait_status;
    if (WIFSIGNALED(status)) {
      result.signal = WTERMSIG(status);
      result.message = "killed by " + SignalName(result.signal);
    } else if (WIFEXITED(status)) {
      result.exit_code = WEXITSTATUS(status);
      result.message = "exit code " + std::to_string(result.exit_code);
    }
    if (job->kill_requested) result.kind = JobResult::Kind::kKilled;
    jobs.erase(job->trial);
    StopWaitingIfIdle();
    if (job->callbacks.on_exit) job->callbacks.on_exit(result);
  }

  void ReportLaunchFailure(JobCallbacks callbacks, std::string message) {
    asio::post(io, [callbacks = std::move(callbacks), message = std::move(message)] {
      JobResult result;
      result.kind = JobResult::Kind::kLaunchFailed;
      result.message = message;
      if (callbacks.on_exit) callbacks.on_exit(result);
    });
  }

  void Launch(const TrialJob& job, JobCallbacks callbacks);
};

void LocalExecutor::Impl::Launch(const TrialJob& trial_job, JobCallbacks callbacks) {
  namespace fs = std::filesystem;
  if (jobs.count(trial_job.trial)) {
    ReportLaunchFailure(std::move(callbacks), "trial " + trial_job.trial + " is already running");
    return;
  }
  if (trial_job.argv.empty()) {
    ReportLaunchFailure(std::move(callbacks), "no command to run");
    return;
  }
  std::error_code fs_error;
  if (!fs::is_directory(trial_job.working_dir, fs_error)) {
    ReportLaunchFailure(std::move(callbacks),
                        "working directory " + trial_job.working_dir + " does not exist");
    return;
  }

  // The environment: tuneup's own, with the job's variables on top (later ones win).
  std::map<std::string, std::string> env_map;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq != std::string_view::npos)
      env_map[std::string(text.substr(0, eq))] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : trial_job.env)
    env_map[name] = value;
  std::vector<std::string> env_strings;
  env_strings.reserve(env_map.size());
  for (const auto& [name, value] : env_map) {
    std::string entry = name;
    entry += '=';
    entry += value;
    env_strings.push_back(std::move(entry));
  }
  std::vector<char*> envp;
  envp.reserve(env_strings.size() + 1);
  for (auto& s : env_strings)
    envp.push_back(s.data());
  envp.push_back(nullptr);

  auto path_it = env_map.find("PATH");
  std::string search_path =
      path_it != env_map.end() ? path_it->second : "/usr/local/bin:/usr/bin:/bin";
  std::string executable = ResolveExecutable(trial_job.argv[0], search_path, trial_job.working_dir);
  if (executable.empty()) {
    ReportLaunchFailure(std::move(callbacks),
                        "executable \"" + trial_job.argv[0] + "\" not found" +
                            (trial_job.argv[0].find('/') == std::string::npos
                                 ? " in PATH (" + search_path + ")"
                                 : " (relative to " + trial_job.working_dir + ")"));
    return;
  }

  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) {
    ReportLaunchFailure(std::move(callbacks), std::string("pipe: ") + std::strerror(errno));
    return;
  }
  FdGuard out_read(out_pipe[0]), out_write(out_pipe[1]);
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ReportLaunchFailure(std::move(callbacks), std::string("pipe: ") + std::strerror(errno));
    return;
  }
  FdGuard err_read(err_pipe[0]), err_write(err_pipe[1]);
  auto open_log = [&](const char* name) {
    std::string path = (fs::path(trial_job.trial_dir) / name).string();
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  };
  FdGuard out_log(open_log("stdout.log")), err_log(open_log("stderr.log"));
  if (out_log.get() < 0 || err_log.get() < 0) {
    ReportLaunchFailure(
        std::move(callbacks),
        "cannot create output files in " + trial_job.trial_dir + ": " + std::strerror(errno));
    return;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_write.get(), 1);
  posix_spawn_file_actions_adddup2(&actions, err_write.get(), 2);
  posix_spawn_file_actions_addchdir_np(&actions, trial_job.working_dir.c_str());
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigset_t all_signals;
  sigfillset(&all_signals);
  posix_spawnattr_setsigmask(&attr, &no_signals);
  posix_spawnattr_setsigdefault(&attr, &all_signals);  // undo tuneup's handlers and ignores
  posix_spawnattr_setpgroup(&attr, 0);                 // its own process group
  posix_spawnattr_setflags(&attr,
                           POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  std::vector<char*> argv;
  for (const auto& arg : trial_job.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = ::posix_spawn(&pid, executable.c_str(), &actions, &attr, argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    ReportLaunchFailure(std::move(callbacks),
                        "cannot start " + executable + ": " + std::strerror(rc));
    return;
  }
  // Set just after the spawn (posix_spawn cannot: glibc's attributes refuse SCHED_IDLE), so
  // everything the job starts from then on inherits them. Lowering a process's own priority
  // needs no privilege.
  if (trial_job.priority == Priority::kLow) {
    // Background work: it runs only when nothing else wants the CPU.
    sched_param idle{};
    ::sched_setscheduler(pid, SCHED_IDLE, &idle);
  }
  const int nice = trial_job.priority == Priority::kLow ? 19 : options.nice;
  if (nice > 0) {
    errno = 0;
    int own = ::getpriority(PRIO_PROCESS, 0);
    if (errno == 0) ::setpriority(PRIO_PROCESS, static_cast<id_t>(pid), std::min(own + nice, 19));
  }
  out_write.reset();
  err_write.reset();

  auto job = std::make_shared<Job>(io);
  job->trial = trial_job.trial;
  job->pid = pid;
  job->callbacks = std::move(callbacks);
  job->out.assign(out_read.release());
  job->err.assign(err_read.release());
  job->out_log.reset(out_log.release());
  job->err_log.reset(err_log.release());
  jobs[job->trial] = job;
  WaitForChildren();
  Read(job, OutputStream::kStdout);
  Read(job, OutputStream::kStderr);
  // A SIGCHLD that arrived before the job was registered has been consumed already: look now.
  asio::post(io, [weak = weak_from_this()] {
    if (auto self = weak.lock()) self->Reap();
  });
}

LocalExecutor::LocalExecutor(asio::io_context& io, LocalExecutorOptions options)
    : impl_(std::make_shared<Impl>(io, options)) {}

LocalExecutor::~LocalExecutor() {
  // Nothing may outlive tuneup's bookkeeping: stop every job that is still running.
  for (auto& [name, job] : impl_->jobs) {
    if (!job->reaped) {
      ::kill(-job->pid, SIGKILL);
      int status = 0;
      ::waitpid(job->pid, &status, 0);
    }
  }
  boost::system::error_code ignored;
  impl_->sigchld.cancel(ignored);
}

void LocalExecutor::Launch(const TrialJob& job, JobCallbacks callbacks) {
  impl_->Launch(job, std::move(callbacks));
}

void LocalExecutor::Adopt(const TrialJob& job, const std::string& identity,
                          JobCallbacks callbacks) {
  // Local jobs die with their controller until they run under tuneup-job (in progress).
  (void)job;
  JobResult result;
  result.kind = JobResult::Kind::kNeverStarted;
  result.message = "local job " + identity + " did not outlive its controller";
  callbacks.on_exit(result);
}

void LocalExecutor::Kill(std::string_view trial) {
  auto it = impl_->jobs.find(trial);
  if (it == impl_->jobs.end()) return;
  std::shared_ptr<Job> job = it->second;
  // A job whose process already exited ended on its own: it is reported as kExited.
  if (job->finished || job->kill_requested || job->reaped) return;
  job->kill_requested = true;
  if (impl_->options.kill_grace.count() == 0) {
    ::kill(-job->pid, SIGKILL);
    return;
  }
  ::kill(-job->pid, SIGTERM);
  job->grace_timer.expires_after(impl_->options.kill_grace);
  job->grace_timer.async_wait([job](const boost::system::error_code& ec) {
    if (!ec && !job->reaped) ::kill(-job->pid, SIGKILL);
  });
}

void LocalExecutor::KillAllNow() {
  for (auto& [name, job] : impl_->jobs) {
    job->kill_requested = true;
    if (!job->reaped) ::kill(-job->pid, SIGKILL);
  }
}

size_t LocalExecutor::running() const {
  return impl_->jobs.size();
}

}  // namespace tuneup
