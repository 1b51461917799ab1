// An Executor without processes, for testing the runner: each launched job waits until the test
// (or a behaviour function) makes it print and exit, all on the test's io_context.
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "controller/executor.h"

namespace tuneup::testing {

class FakeExecutor final : public Executor {
 public:
  explicit FakeExecutor(boost::asio::io_context& io) : io_(io) {}

  // Called for each launch (on the loop, after the job is registered). Typically posts Output()
  // and Exit() calls. Without it, jobs run until the test ends them.
  std::function<void(FakeExecutor&, const TrialJob&)> behaviour;

  void Launch(const TrialJob& job, JobCallbacks callbacks) override;
  // Records the adoption and treats the job as running (behaviour is not called).
  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) override;
  void Kill(std::string_view trial) override;
  void KillAllNow() override;
  size_t running() const override { return jobs_.size(); }
  // Launched jobs whose release (on_created) has not been called yet.
  size_t waiting() const override { return held_.size(); }

  // Makes the job of `trial` print `text` on stdout. Ignored when it is not running.
  void Output(const std::string& trial, const std::string& text);
  // Makes the job of `trial` exit with `code` (or fail to launch). Ignored when not running.
  void Exit(const std::string& trial, int code);
  void FailLaunch(const std::string& trial, const std::string& message);
  // Makes the cluster take the job of `trial` away (kPreempted or kInfrastructureFailed).
  void TakeAway(const std::string& trial, JobResult::Kind kind, const std::string& message);

  const std::vector<TrialJob>& launched() const { return launched_; }
  const std::vector<std::pair<TrialJob, std::string>>& adopted() const { return adopted_; }
  size_t max_running() const { return max_running_; }
  const std::vector<std::string>& killed() const { return killed_; }
  std::vector<std::string> running_trials() const;

 private:
  void End(const std::string& trial, const JobResult& result);

  boost::asio::io_context& io_;
  std::map<std::string, JobCallbacks> jobs_;
  std::set<std::string> held_;  // created, not released yet
  std::vector<TrialJob> launched_;
  std::vector<std::pair<TrialJob, std::string>> adopted_;
  std::vector<std::string> killed_;
  size_t max_running_ = 0;
};

// Post `fn` to run on `io` after the current handlers.
void Later(boost::asio::io_context& io, std::function<void()> fn);

}  // namespace tuneup::testing
