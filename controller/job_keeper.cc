#include "controller/job_keeper.h"

#include "controller/spawn_attributes.h"

#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <vector>

namespace {

volatile sig_atomic_t g_program = 0;  // the program's pid (= its process group) once started
volatile sig_atomic_t g_terminate = 0;
volatile sig_atomic_t g_kill_now = 0;

void OnTerminate(int) {
  g_terminate = 1;
  if (g_program > 0) ::kill(-g_program, SIGTERM);
}

void OnKillNow(int) {
  g_terminate = 1;
  g_kill_now = 1;
  if (g_program > 0) ::kill(-g_program, SIGKILL);
}

void Handle(int signal, void (*handler)(int)) {
  struct sigaction action {};
  action.sa_handler = handler;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;  // no SA_RESTART: a blocking read must see EINTR
  ::sigaction(signal, &action, nullptr);
}

double Now() {
  using namespace std::chrono;
  return duration<double>(system_clock::now().time_since_epoch()).count();
}

// job.status: created at the release, written at the end (controller/job_spec.h).
int g_status_fd = -1;

int Finish(const std::string& directory, const tuneup::JobStatus& status, int exit_code) {
  const std::string path = directory + "/" + tuneup::kJobStatusFile;
  if (g_status_fd < 0)
    g_status_fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  const std::string text = tuneup::JobStatusToJson(status);
  bool written = false;
  if (g_status_fd >= 0) {
    size_t done = 0;
    while (done < text.size()) {
      ssize_t n =
          ::pwrite(g_status_fd, text.data() + done, text.size() - done, static_cast<off_t>(done));
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      done += static_cast<size_t>(n);
    }
    written = done == text.size();
    ::close(g_status_fd);
    g_status_fd = -1;
  }
  if (!written)
    std::fprintf(stderr, "tuneup-job: cannot write %s: %s\n", path.c_str(), std::strerror(errno));
  return exit_code;
}

// Blocks until the controller releases the job. False: do not run it.
bool WaitForRelease(int fd) {
  for (;;) {
    char byte = 0;
    ssize_t n = ::read(fd, &byte, 1);
    if (n == 1) break;
    if (n < 0 && errno == EINTR && !g_terminate) continue;
    ::close(fd);
    return false;  // end-of-file, an error, or SIGTERM before the release
  }
  ::close(fd);
  return !g_terminate;
}

// Starts the program with posix_spawn (vfork underneath: no copy of the keeper's memory, which
// may be a copy of a large tuneup) in a process group of its own, stdin from /dev/null, stdout
// and stderr to `out` and `err`, in the working directory, signals as by default. Returns the
// program's pid, or -1 with `error` set to the errno of the failure (exec failures included).
pid_t StartProgram(const tuneup::JobSpec& spec, int out, int err, int& error) {
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out, 1);
  posix_spawn_file_actions_adddup2(&actions, err, 2);
  posix_spawn_file_actions_addchdir_np(&actions, spec.working_dir.c_str());
  tuneup::CleanSignalsSpawnAttributes attr(POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(attr.get(), 0);
  std::vector<char*> argv;
  for (const auto& arg : spec.argv)
    argv.push_back(const_cast<char*>(arg.c_str()));
  argv.push_back(nullptr);
  std::vector<char*> envp;
  for (const auto& entry : spec.env)
    envp.push_back(const_cast<char*>(entry.c_str()));
  envp.push_back(nullptr);
  pid_t pid = -1;
  error =
      ::posix_spawn(&pid, spec.executable.c_str(), &actions, attr.get(), argv.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) return -1;
  // Set just after the spawn (posix_spawn cannot: glibc refuses SCHED_IDLE in its attributes), so
  // everything the program starts from then on inherits them. Lowering a priority needs no
  // privilege.
  if (spec.background) {
    sched_param idle{};
    ::sched_setscheduler(pid, SCHED_IDLE, &idle);
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(pid), 19);
  } else if (spec.nice > 0) {
    errno = 0;
    int own = ::getpriority(PRIO_PROCESS, 0);
    if (errno == 0) {
      ::setpriority(PRIO_PROCESS, static_cast<id_t>(pid),
                    own + spec.nice > 19 ? 19 : own + spec.nice);
    }
  }
  return pid;
}

}  // namespace

namespace tuneup {

int FinishJobWithError(const std::string& directory, const std::string& error) {
  JobStatus status;
  status.exit_code = 127;
  status.error = error;
  status.started_at = status.ended_at = Now();
  return Finish(directory.empty() ? "." : directory, status, 127);
}

int RunJobKeeper(const JobSpec& spec, int go_fd) {
  Handle(SIGTERM, OnTerminate);
  Handle(SIGUSR1, OnKillNow);
  ::signal(SIGINT, SIG_IGN);
  ::signal(SIGHUP, SIG_IGN);
  ::signal(SIGPIPE, SIG_IGN);

  JobStatus status;
  status.started_at = Now();
  if (go_fd >= 0 && !WaitForRelease(go_fd)) return 0;

  // From here on the job counts as started: whatever happens, it is never run again blindly.
  const std::string status_path = spec.directory + "/" + kJobStatusFile;
  g_status_fd = ::open(status_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (g_status_fd < 0) {
    status.exit_code = 127;
    status.error = "cannot create " + status_path + ": " + std::strerror(errno);
    status.ended_at = Now();
    return Finish(spec.directory, status, 127);
  }
  auto open_output = [&](const char* name) {
    std::string path = spec.directory + "/" + name;
    return ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0644);
  };
  int out = open_output(kJobStdoutFile);
  int err = open_output(kJobStderrFile);
  if (out < 0 || err < 0) {
    status.exit_code = 127;
    status.error =
        "cannot create the output files in " + spec.directory + ": " + std::strerror(errno);
    status.ended_at = Now();
    return Finish(spec.directory, status, 127);
  }
  status.started_at = Now();
  int spawn_error = 0;
  pid_t program = StartProgram(spec, out, err, spawn_error);
  ::close(out);
  ::close(err);
  if (program < 0) {
    status.exit_code = 127;
    status.error = "cannot execute " + spec.executable + ": " + std::strerror(spawn_error);
    status.ended_at = Now();
    return Finish(spec.directory, status, 127);
  }
  g_program = program;
  // A signal that came while the program was being started had no group to go to yet.
  if (g_kill_now) {
    ::kill(-program, SIGKILL);
  } else if (g_terminate) {
    ::kill(-program, SIGTERM);
  }

  int wait_status = 0;
  while (::waitpid(program, &wait_status, 0) < 0 && errno == EINTR) {
  }
  ::kill(-program, SIGKILL);  // whatever the program left behind in its group
  status.ended_at = Now();
  int code = 0;
  if (WIFSIGNALED(wait_status)) {
    status.signal = WTERMSIG(wait_status);
    code = 128 + status.signal;
  } else {
    status.exit_code = WEXITSTATUS(wait_status);
    code = status.exit_code;
  }
  return Finish(spec.directory, status, code);
}

}  // namespace tuneup
