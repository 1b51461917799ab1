// The experiment loop, with an in-memory executor and a fake clock: no processes, no sleeping.
#include <utility>

#include "controller/runner.h"

#include <algorithm>
#include <fstream>
#include <map>
#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/manifest.h"
#include "common/text.h"
#include "controller/manifest_check.h"
#include "db/sqlite_store.h"
#include "suggestion/registry.h"
#include "tests/support/fake_executor.h"
#include "tests/support/flaky_store.h"
#include "tests/support/recording_suggestion_observer.h"
#include "tests/support/runner_fixture.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using testing::FakeExecutor;
using testing::kMedianStop;
using testing::Later;
using testing::RecordingSuggestionObserver;
using testing::RunnerTest;
using testing::Spec;
using testing::XOf;
using testing::Yaml;

TEST_F(RunnerTest, RunsMaxTrialCountTrialsAndSucceeds) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  RunOutcome outcome = Run(Create({}));
  EXPECT_EQ(outcome.status.state, ExperimentState::kSucceeded);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 10u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    ASSERT_TRUE(trial.objective.has_value());
    EXPECT_EQ(FormatDouble(*trial.objective), FindValue(trial.assignment, "x").value());
    EXPECT_EQ(Observations(trial.name).size(), 1u);
  }
  auto stored = store_.GetExperiment("runner-test");
  ASSERT_TRUE(stored);
  EXPECT_EQ(stored->status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_TRUE(stored->status.completion_time.has_value());
}

TEST_F(RunnerTest, NeverRunsMoreThanParallelTrialCount) {
  // Jobs take between 0 and 6 loop turns, so trials finish out of order.
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; }, 0,
         [](const TrialJob& job) { return static_cast<int>(XOf(job) * 7); });
  Spec spec;
  spec.parallel = 4;
  spec.max_trials = 40;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(executor_.launched().size(), 40u);
  EXPECT_EQ(executor_.max_running(), 4u);
}

// Counts the calls of the algorithm it wraps.
class CountingAlgorithm final : public Algorithm {
 public:
  CountingAlgorithm(std::unique_ptr<Algorithm> inner, int& calls)
      : inner_(std::move(inner)), calls_(calls) {}
  SuggestReply Suggest(std::span<const Trial> trials, int count) override {
    ++calls_;
    return inner_->Suggest(trials, count);
  }

 private:
  std::unique_ptr<Algorithm> inner_;
  int& calls_;
};

TEST_F(RunnerTest, EveryCallOfTheAlgorithmIsTimedUnderItsName) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; }, 0,
         [](const TrialJob& job) { return static_cast<int>(XOf(job) * 5); });
  RecordingSuggestionObserver observer;
  suggestion_observer_ = &observer;
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 7;
  ExperimentRecord record = Create(spec);
  int calls = 0;
  RunOutcome outcome = Run(record, {},
                           std::make_unique<CountingAlgorithm>(
                               AlgorithmRegistry::Default().Create(record.experiment), calls));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_GE(calls, 4) << "7 trials, at most 2 at a time";
  EXPECT_EQ(observer.algorithms(), std::vector<std::string>(static_cast<size_t>(calls), "random"));
}

TEST_F(RunnerTest, TrialRowExistsBeforeItsJobStarts) {
  executor_.behaviour = [this](FakeExecutor& executor, const TrialJob& job) {
    auto trial = store_.GetTrial(job.trial);
    ASSERT_TRUE(trial.has_value()) << job.trial << " was launched before it was stored";
    EXPECT_EQ(trial->status, TrialStatus::kRunning);
    executor.Output(job.trial, "loss=1\n");
    executor.Exit(job.trial, 0);
  };
  Spec spec;
  spec.max_trials = 5;
  Run(Create(spec));
  EXPECT_EQ(executor_.launched().size(), 5u);
}

TEST_F(RunnerTest, GoalReachedKillsRunningTrialsAndKeepsTheirObservations) {
  // Trial 4 reaches the goal at once; the others report once and then hang until killed.
  executor_.behaviour = [this](FakeExecutor& executor, const TrialJob& job) {
    if (job.trial == "runner-test-0004") {
      executor.Output(job.trial, "loss=0.001\n");
      executor.Exit(job.trial, 0);
    } else if (job.trial < "runner-test-0004") {
      executor.Output(job.trial, "loss=5\n");
      if (job.trial == "runner-test-0001") executor.Exit(job.trial, 0);
    }
  };
  Spec spec;
  spec.goal = 0.01;
  spec.parallel = 3;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.state, ExperimentState::kSucceeded);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kGoalReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[1].status, TrialStatus::kKilled);
  EXPECT_EQ(trials[2].status, TrialStatus::kKilled);
  EXPECT_EQ(trials[3].status, TrialStatus::kSucceeded);
  EXPECT_EQ(Observations("runner-test-0002").size(), 1u) << "observations of a killed "
                                                            "trial are kept";
  EXPECT_EQ(trials[1].objective, 5.0);
}

TEST_F(RunnerTest, MaximizeGoalUsesGreaterOrEqual) {
  Behave([](const TrialJob& job) {
    return "loss=" + std::string(job.trial.ends_with("2") ? "0.95" : "0.5") + "\n";
  });
  Spec spec;
  spec.type = "maximize";
  spec.goal = 0.95;
  spec.parallel = 1;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kGoalReached);
  EXPECT_EQ(Trials().size(), 2u);
}

TEST_F(RunnerTest, MaxFailedTrialCountFailsTheExperiment) {
  Behave([](const TrialJob&) { return "no metrics here\n"; }, 1);
  Spec spec;
  spec.max_failed = 3;
  spec.parallel = 1;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.state, ExperimentState::kFailed);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxFailedTrialsReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kFailed);
    EXPECT_EQ(trial.reason, trial_reason::kFailed);
    EXPECT_EQ(trial.message, "exit code 1");
  }
}

TEST_F(RunnerTest, MissingObjectiveIsMetricsUnavailableAndCountsAsFailed) {
  Behave([](const TrialJob&) { return "accuracy=0.9 but no loss\n"; }, 0);
  Spec spec;
  spec.max_failed = 2;
  spec.parallel = 1;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxFailedTrialsReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 2u);
  EXPECT_EQ(trials[0].status, TrialStatus::kMetricsUnavailable);
  EXPECT_NE(trials[0].message.find("loss"), std::string::npos);
}

TEST_F(RunnerTest, FailedTrialKeepsItsObservations) {
  Behave([](const TrialJob&) { return "loss=0.5\nloss=0.4\n"; }, 2);
  Spec spec;
  spec.max_failed = 1;
  spec.parallel = 1;
  Run(Create(spec));
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].status, TrialStatus::kFailed);
  EXPECT_EQ(Observations(trials[0].name).size(), 2u);
}

TEST_F(RunnerTest, ObjectiveIsReducedByStrategyAndObservationsKeepTheirTime) {
  executor_.behaviour = [this](FakeExecutor& executor, const TrialJob& job) {
    executor.Output(job.trial, "loss=3\n");
    clock_.Advance(std::chrono::seconds(1));
    executor.Output(job.trial, "loss=1\n");
    clock_.Advance(std::chrono::seconds(1));
    executor.Output(job.trial, "loss=2\n");
    executor.Exit(job.trial, 0);
  };
  Spec spec;
  spec.max_trials = 1;
  spec.parallel = 1;
  Run(Create(spec));
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].objective, 1.0) << "minimize reduces with min";
  ASSERT_EQ(trials[0].metrics.size(), 1u);
  EXPECT_EQ(trials[0].metrics[0].latest, 2.0);
  EXPECT_EQ(trials[0].metrics[0].max, 3.0);
  auto observations = Observations(trials[0].name, "loss");
  ASSERT_EQ(observations.size(), 3u);
  EXPECT_EQ(observations[1].time - observations[0].time, std::chrono::seconds(1));
}

TEST_F(RunnerTest, GridEndsWithSuggestionEndReached) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Spec spec;
  spec.algorithm = "grid";
  spec.max_trials.reset();
  spec.x_space = R"(min: "0", max: "1", step: "0.25")";
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.state, ExperimentState::kSucceeded);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kSuggestionEndReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 5u);
  std::set<std::string> values;
  for (const auto& trial : trials)
    values.insert(FindValue(trial.assignment, "x").value());
  EXPECT_EQ(values, (std::set<std::string>{"0", "0.25", "0.5", "0.75", "1"}));
}

TEST_F(RunnerTest, LaunchFailuresAreFailedTrials) {
  executor_.behaviour = [](FakeExecutor& executor, const TrialJob& job) {
    executor.FailLaunch(job.trial, "executable \"train\" not found");
  };
  Spec spec;
  spec.max_failed = 2;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxFailedTrialsReached);
  for (const auto& trial : Trials()) {
    if (trial.status == TrialStatus::kKilled) continue;
    EXPECT_EQ(trial.status, TrialStatus::kFailed);
    EXPECT_EQ(trial.reason, trial_reason::kLaunchFailed);
    EXPECT_NE(trial.message.find("not found"), std::string::npos);
  }
}

TEST_F(RunnerTest, EndlessLaunchFailuresWithoutMaxFailedStillEnd) {
  executor_.behaviour = [](FakeExecutor& executor, const TrialJob& job) {
    executor.FailLaunch(job.trial, "no such program");
  };
  Spec spec;
  spec.max_trials.reset();
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.state, ExperimentState::kFailed);
  EXPECT_NE(outcome.status.message.find("no such program"), std::string::npos);
}

TEST_F(RunnerTest, RendersTrialNameAndParameterIntoArgv) {
  Behave([](const TrialJob&) { return "loss=1\n"; });
  Spec spec;
  spec.max_trials = 2;
  spec.parallel = 1;
  Run(Create(spec));
  ASSERT_EQ(executor_.launched().size(), 2u);
  const TrialJob& job = executor_.launched()[0];
  EXPECT_EQ(job.argv[0], "train");
  EXPECT_EQ(job.argv[2], "runner-test-0001");
  EXPECT_EQ(job.trial_dir, dir_.Join("trials/runner-test-0001"));
  EXPECT_EQ(job.working_dir, job.trial_dir);
}

TEST_F(RunnerTest, InterruptRequeuesRunningTrialsAndResumeRerunsThem) {
  // First run: jobs report an intermediate value and hang; the test interrupts.
  executor_.behaviour = [](FakeExecutor& executor, const TrialJob& job) {
    executor.Output(job.trial, "loss=9\n");
  };
  Spec spec;
  spec.max_trials = 4;
  spec.parallel = 2;
  ExperimentRecord record = Create(spec);
  RunOutcome first = Run(record, [this](ExperimentRunner& runner) {
    Later(io_, [this, &runner] { Later(io_, [&runner] { runner.Interrupt(); }); });
  });
  EXPECT_TRUE(first.interrupted);
  EXPECT_EQ(first.status.state, ExperimentState::kRunning);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 2u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kPending);
    EXPECT_EQ(trial.reason, trial_reason::kRequeued);
    EXPECT_EQ(trial.attempt, 0);
  }
  EXPECT_EQ(Observations("runner-test-0001").size(), 1u);

  // Second run resumes: the two requeued trials re-run (attempt 1), then two new ones.
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  auto stored = store_.GetExperiment("runner-test");
  ASSERT_TRUE(stored);
  RunOutcome second = Run(*stored);
  EXPECT_FALSE(second.interrupted);
  EXPECT_EQ(second.status.reason, experiment_reason::kMaxTrialsReached);
  trials = Trials();
  ASSERT_EQ(trials.size(), 4u);
  EXPECT_EQ(trials[0].attempt, 1);
  EXPECT_EQ(trials[1].attempt, 1);
  EXPECT_EQ(trials[2].attempt, 0);
  for (const auto& trial : trials)
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded);
  // The interrupted attempt's observation is kept, apart from the new attempt's.
  EXPECT_EQ(Observations("runner-test-0001", std::nullopt, 0).size(), 1u);
  EXPECT_EQ(Observations("runner-test-0001", std::nullopt, 1).size(), 1u);
  EXPECT_EQ(trials[0].objective, ParseDouble(FindValue(trials[0].assignment, "x").value()));
  // The same assignment was re-run.
  EXPECT_EQ(executor_.launched()[0].argv[1], executor_.launched()[2].argv[1]);
}

TEST_F(RunnerTest, ResumesTrialsLeftRunningByACrashedRun) {
  ExperimentRecord record = Create({});
  Trial left;
  left.name = "runner-test-0001";
  left.experiment = "runner-test";
  left.assignment = {{"x", "0.25"}};
  left.status = TrialStatus::kRunning;
  left.created_at = clock_.Now();
  left.started_at = clock_.Now();
  store_.CreateTrials(std::vector<Trial>{left});
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Run(record);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 10u);
  EXPECT_EQ(trials[0].attempt, 1);
  EXPECT_EQ(trials[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[0].objective, 0.25);
  EXPECT_EQ(executor_.launched()[0].argv[1], "0.25");
}

TEST_F(RunnerTest, JobIdentityIsStoredBeforeTheJobMayRun) {
  // FakeExecutor runs a job's behaviour only once the runner released it.
  executor_.behaviour = [this](FakeExecutor& executor, const TrialJob& job) {
    auto trial = store_.GetTrial(job.trial);
    ASSERT_TRUE(trial.has_value());
    EXPECT_EQ(trial->labels[kJobLabel], "fake:" + job.trial + "#" + std::to_string(job.attempt))
        << job.trial << " was released before its identity was stored";
    executor.Output(job.trial, "loss=1\n");
    executor.Exit(job.trial, 0);
  };
  Spec spec;
  spec.max_trials = 4;
  Run(Create(spec));
  EXPECT_EQ(executor_.launched().size(), 4u);
}

// A trial an earlier, crashed run left Running with its job's identity stored.
Trial LeftRunning(const Timestamp& now, const std::string& identity) {
  Trial left;
  left.name = "runner-test-0001";
  left.experiment = "runner-test";
  left.assignment = {{"x", "0.25"}};
  left.status = TrialStatus::kRunning;
  left.created_at = now;
  left.started_at = now;
  left.labels[kJobLabel] = identity;
  return left;
}

TEST_F(RunnerTest, AJobLeftRunningIsAdoptedAndItsObservationsAreNotStoredTwice) {
  Spec spec;
  spec.max_trials = 3;
  ExperimentRecord record = Create(spec);
  // A promotion: its job works in a checkpoint directory that adoption must leave alone.
  Trial left = LeftRunning(clock_.Now(), "job-42");
  left.labels[kResumeFromLabel] = "runner-test-0002";
  store_.CreateTrials(std::vector<Trial>{left});
  std::filesystem::create_directories(dir_.Join("trials/runner-test-0001/checkpoint"));
  dir_.WriteFile("trials/runner-test-0001/checkpoint/step", "41");
  // The crashed run stored the first of the adopted job's lines.
  store_.AppendObservations("runner-test-0001", 0,
                            std::vector<Observation>{{"loss", 0.75, clock_.Now()}});
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Run(record, [this](ExperimentRunner&) {
    Later(io_, [this] {
      // The adopted job's output is replayed from its start: the stored line, then new ones.
      executor_.Output("runner-test-0001", "loss=0.75\nloss=0.5\nloss=0.25\n");
      executor_.Exit("runner-test-0001", 0);
    });
  });
  ASSERT_EQ(executor_.adopted().size(), 1u);
  EXPECT_EQ(executor_.adopted()[0].second, "job-42");
  EXPECT_EQ(executor_.adopted()[0].first.trial, "runner-test-0001");
  for (const auto& job : executor_.launched())
    EXPECT_NE(job.trial, "runner-test-0001");
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].attempt, 0);
  EXPECT_EQ(trials[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[0].objective, 0.25);
  std::vector<double> values;
  for (const auto& observation : Observations("runner-test-0001", "loss", 0))
    values.push_back(observation.value);
  EXPECT_EQ(values, (std::vector<double>{0.75, 0.5, 0.25}));
  EXPECT_EQ(testing::ReadFile(dir_.Join("trials/runner-test-0001/checkpoint/step")), "41");
}

TEST_F(RunnerTest, AnAdoptedJobThatNeverRanRunsAgain) {
  Spec spec;
  spec.max_trials = 3;
  ExperimentRecord record = Create(spec);
  store_.CreateTrials(std::vector<Trial>{LeftRunning(clock_.Now(), "job-7")});
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Run(record, [this](ExperimentRunner&) {
    Later(io_, [this] {
      executor_.TakeAway("runner-test-0001", JobResult::Kind::kNeverStarted, "never released");
    });
  });
  ASSERT_EQ(executor_.adopted().size(), 1u);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[0].objective, 0.25);
  int relaunched = 0;
  for (const auto& job : executor_.launched()) {
    if (job.trial != "runner-test-0001") continue;
    ++relaunched;
    EXPECT_EQ(job.argv[1], "0.25");  // the same assignment
  }
  EXPECT_EQ(relaunched, 1);
  EXPECT_EQ(trials[0].labels[kJobLabel], "fake:runner-test-0001#1");
}

TEST_F(RunnerTest, SeededRunsProposeTheSameTrials) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; }, 0,
         [](const TrialJob& job) { return static_cast<int>(XOf(job) * 5); });
  Run(Create({}));
  std::vector<std::string> first;
  for (const auto& trial : Trials())
    first.push_back(FindValue(trial.assignment, "x").value());

  testing::TempDir other_dir;
  SqliteStore other_store(other_dir.Join("tuneup.db"));
  auto loaded = LoadManifestText(Yaml({}), "test.yaml", other_dir.path().string());
  ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
  ExperimentRecord record{check.experiment, ExperimentStatus{}, clock_.Now()};
  other_store.CreateExperiment(record);
  boost::asio::io_context io;
  FakeExecutor executor(io);
  executor.behaviour = [](FakeExecutor& e, const TrialJob& job) {
    e.Output(job.trial, "loss=1\n");
    e.Exit(job.trial, 0);
  };
  RunnerOptions options;
  options.workdir = other_dir.path().string();
  options.manifest_dir = options.workdir;
  ExperimentRunner runner(io, other_store, executor, clock_, options);
  runner.Start(record, AlgorithmRegistry::Default().Create(record.experiment),
               CreateEarlyStopper(record.experiment), [](const RunOutcome&) {});
  io.run();
  std::vector<std::string> second;
  for (const auto& trial : other_store.ListTrials("runner-test")) {
    second.push_back(FindValue(trial.assignment, "x").value());
  }
  EXPECT_EQ(first, second);
}

double X(const Trial& trial) {
  return ParseDouble(FindValue(trial.assignment, "x").value()).value();
}

TEST_F(RunnerTest, MedianStopStopsTheTrialsBelowTheMedianAndTheyAreNotFailed) {
  BehaveAsCurves(5);
  Spec spec;
  spec.parallel = 1;  // each trial is judged against exactly the trials before it
  spec.max_trials = 10;
  spec.max_failed = 1;
  spec.early_stopping = kMedianStop;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.state, ExperimentState::kSucceeded);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);

  // At step 2 a trial's best so far is x + 1/2; a completed trial's running average is
  // x_i + 3/4. It is stopped when x + 1/2 > median(x_i + 3/4), from the third trial on.
  std::vector<double> completed;
  std::vector<std::string> stopped;
  for (const auto& trial : Trials()) {
    const double x = X(trial);
    bool expect_stop = false;
    if (completed.size() >= 2) {
      std::vector<double> sorted = completed;
      std::sort(sorted.begin(), sorted.end());
      const size_t n = sorted.size();
      double median = n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
      expect_stop = x + 0.5 > median;
    }
    auto observations = Observations(trial.name, "loss");
    if (expect_stop) {
      stopped.push_back(trial.name);
      EXPECT_EQ(trial.status, TrialStatus::kEarlyStopped) << trial.name << " x=" << x;
      EXPECT_EQ(trial.reason, trial_reason::kEarlyStopped);
      EXPECT_THAT(trial.message, ::testing::HasSubstr("medianstop at step 2"));
      EXPECT_EQ(observations.size(), 2u) << "stopped right after step 2";
      ASSERT_TRUE(trial.objective);
      EXPECT_DOUBLE_EQ(*trial.objective, x + 0.5) << "the best value so far is kept";
    } else {
      EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << " x=" << x;
      EXPECT_EQ(observations.size(), 5u);
      completed.push_back(x + 0.75);
    }
  }
  EXPECT_GE(stopped.size(), 2u) << "the seed should give a few trials to stop";
  EXPECT_EQ(executor_.killed(), stopped);
}

TEST_F(RunnerTest, MedianStopAfterAResumeJudgesAgainstTheStoredCurves) {
  Spec spec;
  spec.parallel = 1;
  spec.max_trials = 6;
  spec.early_stopping = kMedianStop;
  ExperimentRecord record = Create(spec);
  // Two trials of an earlier run, x = 0: running averages at step 2 are 0.75, so every new
  // trial with x > 0.25 is stopped at once, long before two new trials could complete.
  std::vector<Trial> earlier(2);
  for (size_t i = 0; i < earlier.size(); ++i) {
    earlier[i].name = "runner-test-000" + std::to_string(i + 1);
    earlier[i].experiment = "runner-test";
    earlier[i].sequence = static_cast<int64_t>(i);
    earlier[i].assignment = {{"x", "0"}};
    earlier[i].created_at = clock_.Now();
  }
  store_.CreateTrials(earlier);
  for (auto& trial : earlier) {
    trial.status = TrialStatus::kSucceeded;
    trial.started_at = clock_.Now();
    trial.completed_at = clock_.Now();
    trial.objective = 0.2;
    std::vector<Observation> curve;
    for (int k = 1; k <= 5; ++k)
      curve.push_back({"loss", 1.0 / k, clock_.Now()});
    store_.UpdateTrial(trial, curve);
  }
  BehaveAsCurves(5);
  Run(record);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 6u);
  for (size_t i = 2; i < trials.size(); ++i) {
    if (X(trials[i]) > 0.25) {
      EXPECT_EQ(trials[i].status, TrialStatus::kEarlyStopped) << trials[i].name;
    } else {
      EXPECT_EQ(trials[i].status, TrialStatus::kSucceeded) << trials[i].name;
    }
  }
}

// Proposes x = 0.5, then (once it has ended) the same point resuming from its trial, then one
// whose resume-from label tries to leave the trials directory.
class ResumingAlgorithm final : public Algorithm {
 public:
  SuggestReply Suggest(std::span<const Trial> trials, int count) override {
    SuggestReply reply;
    if (count == 0) return reply;
    if (trials.empty()) {
      reply.proposals.push_back({{{"x", "0.5"}}, {}});
    } else if (trials.size() == 1 && !IsActive(trials[0].status)) {
      reply.proposals.push_back({{{"x", "0.5"}}, {{kResumeFromLabel, trials[0].name}}});
    } else if (trials.size() == 2 && !IsActive(trials[1].status)) {
      reply.proposals.push_back({{{"x", "0.5"}}, {{kResumeFromLabel, "../../escape"}}});
    } else if (trials.size() == 3) {
      reply.exhausted = true;
    }
    return reply;
  }
};

std::string EnvOf(const TrialJob& job, const std::string& name) {
  for (const auto& [key, value] : job.env) {
    if (key == name) return value;
  }
  return "(unset)";
}

TEST_F(RunnerTest, APromotedTrialStartsFromACopyOfTheEarlierTrialsCheckpoint) {
  std::map<std::string, std::string> seen;  // trial -> what its checkpoint held at launch
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    const std::string dir = EnvOf(job, "TUNEUP_CHECKPOINT_DIR");
    EXPECT_EQ(dir, dir_.Join("trials/" + job.trial + "/checkpoint"));
    seen[job.trial] =
        testing::ReadFile(dir + "/state") + " from " + EnvOf(job, "TUNEUP_RESUME_FROM");
    std::ofstream(dir + "/state") << "trained by " << job.trial;  // what a trainer saves
    executor.Output(job.trial, "loss=1\n");
    executor.Exit(job.trial, 0);
  };
  Spec spec;
  spec.parallel = 1;
  spec.max_trials = 5;
  RunOutcome outcome = Run(Create(spec), {}, std::make_unique<ResumingAlgorithm>());
  EXPECT_EQ(outcome.status.reason, experiment_reason::kSuggestionEndReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(seen[trials[0].name], " from (unset)");
  EXPECT_EQ(seen[trials[1].name], "trained by " + trials[0].name + " from " + trials[0].name);
  EXPECT_EQ(trials[1].labels.at(kResumeFromLabel), trials[0].name);
  // The earlier trial's own checkpoint is untouched by the later one's writes.
  EXPECT_EQ(testing::ReadFile(dir_.Join("trials/" + trials[0].name + "/checkpoint/state")),
            "trained by " + trials[0].name);
  // A label pointing outside the trials directory fails that trial before launch.
  EXPECT_EQ(trials[2].status, TrialStatus::kFailed);
  EXPECT_EQ(trials[2].reason, trial_reason::kLaunchFailed);
  EXPECT_THAT(trials[2].message,
              ::testing::HasSubstr("\"../../escape\": not the name of another trial"));
  EXPECT_EQ(seen.count(trials[2].name), 0u);
}

// What the runner said about the database.
class StoreMessages : public RunObserver {
 public:
  void OnStoreMessage(std::string_view message) override { messages.emplace_back(message); }
  std::vector<std::string> messages;
};

// The database goes away while two trials run and comes back 50 ms later: the running trials go
// on reporting, no new trial starts meanwhile (a trial is stored before its job starts), and in
// the end every trial and every observation is stored once.
TEST_F(RunnerTest, SurvivesADatabaseOutageWithoutLosingOrRepeatingAnObservation) {
  testing::FlakyStore flaky(store_);
  runner_store_ = &flaky;
  StoreMessages messages;
  observer_ = &messages;
  BehaveAsCurves(5);
  size_t launched_when_down = 0, launched_when_up = 0;
  boost::asio::steady_timer outage(io_);
  auto curves = executor_.behaviour;
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    curves(executor, job);
    if (executor.launched().size() != 2 || flaky.down) return;
    flaky.down = true;
    launched_when_down = executor.launched().size();
    outage.expires_after(std::chrono::milliseconds(50));
    outage.async_wait([&](const boost::system::error_code&) {
      launched_when_up = executor_.launched().size();
      flaky.down = false;
    });
  };
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 6;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_TRUE(outcome.error.empty()) << outcome.error;
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(launched_when_down, 2u);
  EXPECT_EQ(launched_when_up, 2u) << "a trial started while the database was down";
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 6u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    EXPECT_EQ(Observations(trial.name, "loss").size(), 5u) << trial.name;
  }
  EXPECT_EQ(store_.GetExperiment("runner-test")->status.reason,
            experiment_reason::kMaxTrialsReached);
  ASSERT_GE(messages.messages.size(), 2u);
  EXPECT_THAT(messages.messages.front(), ::testing::HasSubstr("the database is unavailable"));
  EXPECT_THAT(messages.messages.back(), ::testing::HasSubstr("the database is back"));
}

// A write the database refuses (not an outage) ends the experiment, naming the error.
TEST_F(RunnerTest, AWriteTheDatabaseRefusesEndsTheExperiment) {
  testing::FlakyStore flaky(store_);
  runner_store_ = &flaky;
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  executor_.behaviour = [&, behave = executor_.behaviour](FakeExecutor& executor,
                                                          const TrialJob& job) {
    if (executor.launched().size() == 2) flaky.refuse_writes = true;
    behave(executor, job);
  };
  Spec spec;
  spec.parallel = 1;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_THAT(outcome.error, ::testing::HasSubstr("cannot write to the database: flaky:"));
  EXPECT_THAT(outcome.error, ::testing::HasSubstr("refused"));
  EXPECT_EQ(outcome.status.state, ExperimentState::kFailed);
  EXPECT_EQ(executor_.launched().size(), 2u);
}

// The cluster preempts the first attempt of every other trial midway: each is re-run with the same
// assignment as a new attempt, none counts as failed, and the experiment still runs
// maxTrialCount trials to the end.
TEST_F(RunnerTest, APreemptedTrialIsReRunWithTheSameAssignment) {
  std::map<std::string, int> launches;
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    executor.Output(job.trial, "loss=" + FormatDouble(XOf(job) + 1) + "\n");
    const bool odd = job.trial.back() % 2 == 1;
    if (odd && launches[job.trial]++ == 0) {
      executor.TakeAway(job.trial, JobResult::Kind::kPreempted, "preempted by job 42");
    } else {
      executor.Output(job.trial, "loss=" + FormatDouble(XOf(job)) + "\n");
      executor.Exit(job.trial, 0);
    }
  };
  Spec spec;
  spec.max_trials = 6;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(executor_.launched().size(), 9u);
  std::map<std::string, std::vector<std::string>> argv_by_trial;
  for (const auto& job : executor_.launched())
    argv_by_trial[job.trial].push_back(job.argv.at(1));
  for (const auto& trial : Trials()) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    const bool odd = trial.name.back() % 2 == 1;
    EXPECT_EQ(trial.attempt, odd ? 1 : 0) << trial.name;
    const auto& argv = argv_by_trial[trial.name];
    ASSERT_EQ(argv.size(), odd ? 2u : 1u) << trial.name;
    EXPECT_EQ(argv.front(), argv.back()) << trial.name << " re-ran with another assignment";
    // The preempted attempt keeps what it reported; the objective is the last attempt's.
    if (odd) {
      EXPECT_EQ(Observations(trial.name, "loss", 0).size(), 1u) << trial.name;
    }
    EXPECT_EQ(Observations(trial.name, "loss", trial.attempt).size(), 2u) << trial.name;
  }
}

// Infrastructure failures are re-run too, but only as often as the experiment allows.
TEST_F(RunnerTest, InfrastructureFailuresBeyondTheBudgetFailTheTrial) {
  executor_.behaviour = [](FakeExecutor& executor, const TrialJob& job) {
    if (job.trial.ends_with("-0001")) {
      executor.TakeAway(job.trial, JobResult::Kind::kInfrastructureFailed, "NODE_FAIL on node1");
    } else {
      executor.Output(job.trial, "loss=1\n");
      executor.Exit(job.trial, 0);
    }
  };
  Spec spec;
  spec.parallel = 1;
  spec.max_trials = 3;
  spec.annotations = "    tuneup.dev/infrastructure-retries: \"2\"\n";
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 3u);
  EXPECT_EQ(trials[0].status, TrialStatus::kFailed);
  EXPECT_EQ(trials[0].reason, trial_reason::kInfrastructureFailed);
  EXPECT_EQ(trials[0].attempt, 2);  // three runs
  EXPECT_EQ(trials[0].labels.at(kInfrastructureFailuresLabel), "3");
  EXPECT_THAT(trials[0].message, ::testing::HasSubstr("3 times, more than "
                                                      "tuneup.dev/infrastructure-retries (2)"));
  EXPECT_THAT(trials[0].message, ::testing::HasSubstr("NODE_FAIL on node1"));
  EXPECT_EQ(trials[1].status, TrialStatus::kSucceeded);
}

// Background tuning: a low-priority experiment told to yield stops its running trials, which are
// re-queued as preempted (never failed), and starts none until it may go on.
TEST_F(RunnerTest, ALowPriorityExperimentYieldsTheMachineAndGoesOnAfterwards) {
  BehaveAsCurves(20);
  ExperimentRunner* runner = nullptr;
  size_t launched_when_yielding = 0, launched_when_resuming = 0;
  bool yielded = false;
  boost::asio::steady_timer pause(io_);
  auto curves = executor_.behaviour;
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    EXPECT_EQ(job.priority, Priority::kLow);
    curves(executor, job);
    if (yielded) return;
    yielded = true;
    launched_when_yielding = executor.launched().size();
    EXPECT_TRUE(runner->Yield(true));
    pause.expires_after(std::chrono::milliseconds(30));
    pause.async_wait([&](const boost::system::error_code&) {
      launched_when_resuming = executor_.launched().size();
      EXPECT_EQ(executor_.running(), 0u);
      runner->Yield(false);
    });
  };
  Spec spec;
  spec.max_trials = 5;
  spec.annotations = "    tuneup.dev/priority: low\n";
  RunOutcome outcome = Run(Create(spec), [&](ExperimentRunner& r) { runner = &r; });
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(launched_when_yielding, 3u);
  EXPECT_EQ(launched_when_resuming, 3u) << "a trial started while yielding";
  EXPECT_EQ(executor_.launched().size(), 8u);
  for (const auto& trial : Trials()) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    EXPECT_EQ(trial.attempt, trial.sequence < 3 ? 1 : 0) << trial.name;
  }
}

TEST_F(RunnerTest, OnlyLowPriorityExperimentsYield) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Spec spec;
  spec.max_trials = 3;
  bool yields = true;
  RunOutcome outcome =
      Run(Create(spec), [&](ExperimentRunner& runner) { yields = runner.Yield(true); });
  EXPECT_FALSE(yields);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(executor_.launched().size(), 3u);
}

}  // namespace
}  // namespace tuneup
