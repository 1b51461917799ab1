#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/job_launch.h"

#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "common/error.h"

namespace tuneup {

namespace fs = std::filesystem;

namespace {

bool IsExecutableFile(const std::string& path) {
  struct stat st {};
  return ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && ::access(path.c_str(), X_OK) == 0;
}

}  // namespace

std::string FindJobKeeper() {
  std::vector<std::string> tried;
  if (const char* given = std::getenv("TUNEUP_JOB_KEEPER"); given && *given) {
    if (IsExecutableFile(given)) return given;
    tried.push_back(std::string(given) + " ($TUNEUP_JOB_KEEPER)");
  }
  std::error_code ec;
  fs::path self = fs::read_symlink("/proc/self/exe", ec);
  if (!ec) {
    std::string beside = (self.parent_path() / "tuneup-job").string();
    if (IsExecutableFile(beside)) return beside;
    tried.push_back(beside);
  }
#ifdef TUNEUP_JOB_KEEPER_BUILT
  if (IsExecutableFile(TUNEUP_JOB_KEEPER_BUILT)) return TUNEUP_JOB_KEEPER_BUILT;
  tried.push_back(TUNEUP_JOB_KEEPER_BUILT);
#endif
  std::string message = "cannot find tuneup-job, which runs every trial; looked at";
  for (const auto& path : tried)
    message += " " + path;
  throw Error(ErrorCode::kFailedPrecondition, message);
}

std::string ResolveExecutable(const std::string& program, const std::string& path,
                              const std::string& working_dir) {
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

std::vector<std::string> JobEnvironment(const TrialJob& job) {
  std::map<std::string, std::string> env;
  for (char** entry = environ; entry && *entry; ++entry) {
    std::string_view text(*entry);
    size_t eq = text.find('=');
    if (eq != std::string_view::npos) env[std::string(text.substr(0, eq))] = text.substr(eq + 1);
  }
  for (const auto& [name, value] : job.env)
    env[name] = value;
  std::vector<std::string> entries;
  entries.reserve(env.size());
  for (const auto& [name, value] : env)
    entries.push_back(name + "=" + value);
  return entries;
}

JobSpec MakeJobSpec(const TrialJob& job) {
  if (job.argv.empty()) throw Error(ErrorCode::kInvalidArgument, "no command to run");
  std::error_code ec;
  if (!fs::is_directory(job.working_dir, ec)) {
    throw Error(ErrorCode::kInvalidArgument,
                "working directory " + job.working_dir + " does not exist");
  }
  JobSpec spec;
  spec.argv = job.argv;
  spec.env = JobEnvironment(job);
  std::string search_path = "/usr/local/bin:/usr/bin:/bin";
  for (const auto& entry : spec.env) {
    if (entry.rfind("PATH=", 0) == 0) search_path = entry.substr(5);
  }
  spec.executable = ResolveExecutable(job.argv[0], search_path, job.working_dir);
  if (spec.executable.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "executable \"" + job.argv[0] + "\" not found" +
                                                 (job.argv[0].find('/') == std::string::npos
                                                      ? " in PATH (" + search_path + ")"
                                                      : " (relative to " + job.working_dir + ")"));
  }
  spec.working_dir = job.working_dir;
  spec.directory = job.trial_dir;
  spec.background = job.priority == Priority::kLow;
  return spec;
}

std::string SignalName(int signal) {
  const char* abbrev = sigabbrev_np(signal);
  return abbrev ? std::string("SIG") + abbrev : "signal " + std::to_string(signal);
}

JobResult LaunchFailure(std::string message) {
  JobResult result;
  result.kind = JobResult::Kind::kLaunchFailed;
  result.message = std::move(message);
  return result;
}

void PostLaunchFailure(boost::asio::io_context& io, JobCallbacks callbacks, std::string message) {
  boost::asio::post(io, [callbacks = std::move(callbacks), message = std::move(message)] {
    if (callbacks.on_exit) callbacks.on_exit(LaunchFailure(message));
  });
}

JobResult JobResultFromFiles(const std::string& directory, bool kill_requested) {
  JobResult result;
  std::optional<JobStatus> status = ReadJobStatus(directory);
  if (!status || !status->ended) {
    if (kill_requested) {
      result.kind = JobResult::Kind::kKilled;
      result.signal = SIGKILL;
      result.message = "killed by SIGKILL";
    } else if (!status) {
      result.kind = JobResult::Kind::kNeverStarted;
      result.message = "the job was never released: it did not run";
    } else {
      result.kind = JobResult::Kind::kInfrastructureFailed;
      result.message = "the job's keeper (tuneup-job) ended without recording how the job ended";
    }
    return result;
  }
  if (!status->error.empty() && status->signal == 0) return LaunchFailure(status->error);
  if (status->signal != 0) {
    result.signal = status->signal;
    result.message = "killed by " + SignalName(status->signal);
  } else {
    result.exit_code = status->exit_code;
    result.message = "exit code " + std::to_string(status->exit_code);
  }
  if (kill_requested) result.kind = JobResult::Kind::kKilled;
  return result;
}

}  // namespace tuneup
