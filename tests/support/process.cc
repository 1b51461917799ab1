#include "tests/support/process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <map>
#include <stdexcept>
#include <thread>

#include "tests/support/test_support.h"

extern char** environ;

namespace tuneup::testing {

namespace {

using Clock = std::chrono::steady_clock;

}  // namespace

std::string ProcessResult::Describe() const {
  std::string text = timed_out ? "timed out (killed)"
                     : signal  ? "killed by signal " + std::to_string(signal)
                               : "exit code " + std::to_string(exit_code);
  return text + "\n--- stdout ---\n" + out + "\n--- stderr ---\n" + err;
}

Process::Process(const std::vector<std::string>& argv, const ProcessOptions& options)
    : output_dir_(std::make_unique<TempDir>()) {
  if (argv.empty()) throw std::runtime_error("Process: empty argv");
  std::map<std::string, std::string> env_map;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string text(*entry);
    size_t eq = text.find('=');
    if (eq != std::string::npos) env_map[text.substr(0, eq)] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : options.env)
    env_map[name] = value;
  std::vector<std::string> env_strings;
  for (const auto& [name, value] : env_map)
    env_strings.push_back(name + "=" + value);
  std::vector<char*> envp;
  for (auto& entry : env_strings)
    envp.push_back(entry.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& arg : argv)
    args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);

  // Files rather than pipes: nothing has to read while the child runs, and nothing can block.
  std::string out_path = output_dir_->Join("stdout");
  std::string err_path = output_dir_->Join("stderr");
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  posix_spawn_file_actions_addopen(&actions, 2, err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC,
                                   0644);
  if (!options.working_dir.empty()) {
    posix_spawn_file_actions_addchdir_np(&actions, options.working_dir.c_str());
  }
  // The child starts with default signal handling and nothing blocked, whatever the test runner
  // did to its own.
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  sigset_t none;
  sigemptyset(&none);
  sigset_t defaults;
  sigemptyset(&defaults);
  sigaddset(&defaults, SIGINT);
  sigaddset(&defaults, SIGTERM);
  sigaddset(&defaults, SIGCHLD);
  sigaddset(&defaults, SIGPIPE);
  posix_spawnattr_setsigmask(&attr, &none);
  posix_spawnattr_setsigdefault(&attr, &defaults);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
  start_ = Clock::now();
  int rc = ::posix_spawn(&pid_, argv[0].c_str(), &actions, &attr, args.data(), envp.data());
  posix_spawn_file_actions_destroy(&actions);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    pid_ = -1;
    throw std::runtime_error("cannot start " + argv[0] + ": " + std::strerror(rc));
  }
}

Process::~Process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
}

void Process::Signal(int signal) {
  if (pid_ <= 0) return;
  start_ = Clock::now();
  ::kill(pid_, signal);
}

ProcessResult Process::Wait(std::chrono::milliseconds limit) {
  ProcessResult result;
  if (pid_ <= 0) return result;
  auto deadline = Clock::now() + limit;
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid_, &status, WNOHANG);
    if (r == pid_) break;
    if (r < 0 && errno != EINTR) throw std::runtime_error("waitpid failed");
    if (Clock::now() > deadline) {
      result.timed_out = true;
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  result.elapsed = Clock::now() - start_;
  pid_ = -1;
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  if (WIFSIGNALED(status)) result.signal = WTERMSIG(status);
  result.out = ReadFile(output_dir_->Join("stdout"));
  result.err = ReadFile(output_dir_->Join("stderr"));
  return result;
}

ProcessResult RunProcess(const std::vector<std::string>& argv, const ProcessOptions& options,
                         std::chrono::milliseconds limit) {
  Process process(argv, options);
  return process.Wait(limit);
}

std::vector<pid_t> ProcessesWithToken(const std::string& token) {
  std::vector<pid_t> found;
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/proc", ec)) {
    const std::string name = entry.path().filename().string();
    if (name.empty() || name.find_first_not_of("0123456789") != std::string::npos) continue;
    pid_t pid = static_cast<pid_t>(std::stol(name));
    if (pid == ::getpid()) continue;
    // A zombie has an empty command line, so it never matches: it is dead, only not yet reaped.
    // Arguments are NUL-terminated: match whole ones only.
    std::string cmdline = std::string(1, '\0') + ReadFile("/proc/" + name + "/cmdline");
    if (cmdline.find('\0' + token + '\0') != std::string::npos) found.push_back(pid);
  }
  return found;
}

}  // namespace tuneup::testing
