// SampleExecutorLoad (controller/executor_load.h): the executor's counts, read on its event loop
// from another thread, with a bounded wait.
#include "controller/executor_load.h"

#include <gtest/gtest.h>

#include <chrono>
#include <functional>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/support/fake_executor.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;

TrialJob Job(const std::string& trial) {
  TrialJob job;
  job.trial = trial;
  return job;
}

TEST(ExecutorLoadTest, ReadsWaitingAndStartedJobsOnTheLoop) {
  boost::asio::io_context io;
  FakeExecutor executor(io);
  // Three jobs: one held before release, two released (started).
  std::function<void()> release;
  JobCallbacks held;
  held.on_created = [&](const std::string&, std::function<void()> go) { release = std::move(go); };
  executor.Launch(Job("held"), held);
  executor.Launch(Job("a"), JobCallbacks{});
  executor.Launch(Job("b"), JobCallbacks{});
  ASSERT_TRUE(release);

  auto guard = boost::asio::make_work_guard(io);
  std::thread loop([&] { io.run(); });
  std::optional<ExecutorLoad> load = SampleExecutorLoad(io, executor, 10s);
  ASSERT_TRUE(load.has_value());
  EXPECT_EQ(load->waiting, 1u);
  EXPECT_EQ(load->running, 2u);
  guard.reset();
  io.stop();
  loop.join();
}

TEST(ExecutorLoadTest, ALoopThatDoesNotAnswerInTimeGivesNothing) {
  boost::asio::io_context io;  // nobody runs it
  FakeExecutor executor(io);
  const auto start = std::chrono::steady_clock::now();
  EXPECT_FALSE(SampleExecutorLoad(io, executor, 50ms).has_value());
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 50ms);
  EXPECT_LT(waited, 5s);
}

}  // namespace
}  // namespace tuneup::testing
