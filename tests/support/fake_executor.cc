#include <utility>

#include "tests/support/fake_executor.h"

#include <boost/asio/post.hpp>

namespace tuneup::testing {

void Later(boost::asio::io_context& io, std::function<void()> fn) {
  boost::asio::post(io, std::move(fn));
}

void FakeExecutor::Launch(const TrialJob& job, JobCallbacks callbacks) {
  launched_.push_back(job);
  jobs_[job.trial] = std::move(callbacks);
  max_running_ = std::max(max_running_, jobs_.size());
  auto run = [this, copy = job] {
    held_.erase(copy.trial);
    if (behaviour) Later(io_, [this, copy] { behaviour(*this, copy); });
  };
  if (auto& created = jobs_[job.trial].on_created) {
    held_.insert(job.trial);
    created("fake:" + job.trial + "#" + std::to_string(job.attempt), run);
  } else {
    run();
  }
}

void FakeExecutor::Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) {
  adopted_.emplace_back(job, identity);
  jobs_[job.trial] = std::move(callbacks);
  max_running_ = std::max(max_running_, jobs_.size());
}

void FakeExecutor::Kill(std::string_view trial) {
  std::string name(trial);
  if (!jobs_.count(name)) return;
  killed_.push_back(name);
  Later(io_, [this, name] {
    JobResult result;
    result.kind = JobResult::Kind::kKilled;
    result.signal = 15;
    result.message = "killed by SIGTERM";
    End(name, result);
  });
}

void FakeExecutor::KillAllNow() {
  for (const auto& name : running_trials())
    Kill(name);
}

void FakeExecutor::Output(const std::string& trial, const std::string& text) {
  auto it = jobs_.find(trial);
  if (it != jobs_.end() && it->second.on_output) it->second.on_output(OutputStream::kStdout, text);
}

void FakeExecutor::Exit(const std::string& trial, int code) {
  JobResult result;
  result.exit_code = code;
  result.message = "exit code " + std::to_string(code);
  End(trial, result);
}

void FakeExecutor::FailLaunch(const std::string& trial, const std::string& message) {
  JobResult result;
  result.kind = JobResult::Kind::kLaunchFailed;
  result.message = message;
  End(trial, result);
}

void FakeExecutor::TakeAway(const std::string& trial, JobResult::Kind kind,
                            const std::string& message) {
  JobResult result;
  result.kind = kind;
  result.message = message;
  End(trial, result);
}

void FakeExecutor::End(const std::string& trial, const JobResult& result) {
  auto it = jobs_.find(trial);
  if (it == jobs_.end()) return;
  JobCallbacks callbacks = std::move(it->second);
  jobs_.erase(it);
  held_.erase(trial);
  if (callbacks.on_exit) callbacks.on_exit(result);
}

std::vector<std::string> FakeExecutor::running_trials() const {
  std::vector<std::string> names;
  for (const auto& [name, callbacks] : jobs_)
    names.push_back(name);
  return names;
}

}  // namespace tuneup::testing
