// Cross-validated experiments (tuneup.dev/cv-folds) in the experiment loop: fold jobs, their
// scores, failures, racing, restarts and the final evaluation, with the in-memory executor.
#include <cmath>
#include <fstream>
#include <map>
#include <set>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/cross_validation.h"
#include "tests/support/runner_fixture.h"

namespace tuneup {
namespace {

using testing::FakeExecutor;
using ::testing::HasSubstr;
using testing::Later;
using testing::RunnerTest;
using testing::Spec;
using testing::XOf;

std::optional<std::string> EnvOf(const TrialJob& job, const std::string& name) {
  for (const auto& [key, value] : job.env) {
    if (key == name) return value;
  }
  return std::nullopt;
}

int FoldOfJob(const TrialJob& job) {
  return static_cast<int>(ParseInt64(EnvOf(job, "TUNEUP_FOLD").value()).value());
}

// "runner-test-0003-fold-2" -> "runner-test-0003".
std::string TrialOfJob(const TrialJob& job) {
  return job.trial.substr(0, job.trial.rfind("-fold-"));
}

std::string Folds(int folds, const std::string& more = "") {
  return "    tuneup.dev/cv-folds: \"" + std::to_string(folds) + "\"\n" + more;
}

// How much harder each fold is than the average one: the same for every trial, as folds of real
// data are.
constexpr double kFoldOffset[] = {0.0, 0.3, -0.2, 0.1, 0.05};

// On the next turn of the loop, the job prints loss = x + offset(fold) and exits 0.
void ReportFoldLater(boost::asio::io_context& io, FakeExecutor& executor, const TrialJob& job) {
  const std::string name = job.trial;
  const double loss = XOf(job) + kFoldOffset[FoldOfJob(job)];
  Later(io, [&executor, name, loss] {
    executor.Output(name, "loss=" + FormatDouble(loss) + "\n");
    executor.Exit(name, 0);
  });
}

const Trial& Named(const std::vector<Trial>& trials, const std::string& name) {
  for (const auto& trial : trials) {
    if (trial.name == name) return trial;
  }
  throw std::runtime_error("no trial " + name);
}

TEST_F(RunnerTest, EachTrialRunsOneJobPerFoldAndParallelismCountsJobs) {
  Behave(
      [](const TrialJob& job) {
        return "loss=" + FormatDouble(XOf(job) + kFoldOffset[FoldOfJob(job)]) + "\n";
      },
      0, [](const TrialJob& job) { return FoldOfJob(job) + 1; });
  Spec spec;
  spec.parallel = 3;
  spec.max_trials = 4;
  spec.fold_parameter = true;
  spec.annotations = Folds(5);
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(executor_.launched().size(), 20u);
  EXPECT_EQ(executor_.max_running(), 3u);

  std::map<std::string, std::set<int>> folds_of;
  for (const auto& job : executor_.launched()) {
    const int fold = FoldOfJob(job);
    const std::string trial = TrialOfJob(job);
    EXPECT_EQ(job.trial, trial + "-fold-" + std::to_string(fold));
    EXPECT_EQ(EnvOf(job, "TUNEUP_FOLDS"), "5");
    EXPECT_EQ(EnvOf(job, "TUNEUP_REPEAT"), "0");
    EXPECT_EQ(EnvOf(job, "KATIB_TRIAL_NAME"), trial);
    EXPECT_EQ(job.argv.back(), std::to_string(fold)) << "the tuneup.dev/fold annotation";
    EXPECT_EQ(job.trial_dir, dir_.Join("trials/" + trial + "/fold-" + std::to_string(fold)));
    EXPECT_FALSE(EnvOf(job, "TUNEUP_FINAL"));
    folds_of[trial].insert(fold);
  }
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    EXPECT_EQ(folds_of[trial.name], (std::set<int>{0, 1, 2, 3, 4})) << trial.name;
  }
}

TEST_F(RunnerTest, ATrialScoresTheMeanOfItsFoldsWithTheirSampleStandardDeviation) {
  Behave([](const TrialJob& job) {
    const double loss = XOf(job) + kFoldOffset[FoldOfJob(job)];
    return "loss=" + FormatDouble(loss + 1) + "\nloss=" + FormatDouble(loss) + "\n";
  });
  Spec spec;
  spec.max_trials = 3;
  spec.annotations = Folds(5);
  Run(Create(spec));
  for (const auto& trial : Trials()) {
    const double x = ParseDouble(FindValue(trial.assignment, "x").value()).value();
    ASSERT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    // Offsets 0, .3, -.2, .1, .05: mean .05; squared deviations .0025 + .0625 + .0625 + .0025 +
    // 0 = .13, / 4 = .0325, sd = .1802776.
    ASSERT_TRUE(trial.objective);
    EXPECT_NEAR(*trial.objective, x + 0.05, 1e-9) << trial.name;
    ASSERT_EQ(trial.folds.size(), 5u) << trial.name;
    Spread spread = ObjectiveSpread(trial);
    EXPECT_EQ(spread.count, 5);
    EXPECT_NEAR(spread.mean, x + 0.05, 1e-9);
    EXPECT_NEAR(spread.sd, 0.1802776, 1e-6);
    for (const auto& fold : trial.folds) {
      EXPECT_EQ(fold.status, TrialStatus::kSucceeded);
      EXPECT_NEAR(fold.objective.value(), x + kFoldOffset[fold.index], 1e-9);
      ASSERT_EQ(fold.metrics.size(), 1u);
      EXPECT_EQ(fold.metrics[0].count, 2);
    }
    ASSERT_EQ(trial.metrics.size(), 1u);
    EXPECT_NEAR(trial.metrics[0].max, x + 0.05 + 1, 1e-9);
    EXPECT_EQ(trial.metrics[0].count, 10);
    // Every observation is stored with its fold.
    std::map<int, int> per_fold;
    for (const auto& observation : Observations(trial.name))
      ++per_fold[observation.fold];
    EXPECT_EQ(per_fold, (std::map<int, int>{{0, 2}, {1, 2}, {2, 2}, {3, 2}, {4, 2}}));
  }
}

TEST_F(RunnerTest, AFailedFoldFailsItsTrialAndStopsItsOtherFolds) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; }, 0,
         [](const TrialJob& job) { return FoldOfJob(job) == 3 ? 20 : 1; });
  auto behave = executor_.behaviour;
  executor_.behaviour = [this, behave](FakeExecutor& executor, const TrialJob& job) {
    if (TrialOfJob(job) == "runner-test-0001" && FoldOfJob(job) == 2) {
      Later(io_, [&executor, name = job.trial] { executor.Exit(name, 3); });
      return;
    }
    behave(executor, job);
  };
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 3;
  spec.max_failed = 3;
  spec.annotations = Folds(5);
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  auto trials = Trials();
  const Trial& failed = Named(trials, "runner-test-0001");
  EXPECT_EQ(failed.status, TrialStatus::kFailed);
  EXPECT_EQ(failed.reason, trial_reason::kFailed);
  EXPECT_THAT(failed.message, HasSubstr("fold 2 failed"));
  EXPECT_FALSE(failed.objective);
  ASSERT_EQ(failed.folds.size(), 5u);
  EXPECT_EQ(failed.folds[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(failed.folds[1].status, TrialStatus::kSucceeded);
  EXPECT_EQ(failed.folds[2].status, TrialStatus::kFailed);
  EXPECT_EQ(failed.folds[3].status, TrialStatus::kKilled);  // was running: stopped
  EXPECT_EQ(failed.folds[4].status, TrialStatus::kKilled);  // never ran
  EXPECT_THAT(failed.folds[4].message, HasSubstr("not run"));
  EXPECT_THAT(executor_.killed(), ::testing::Contains("runner-test-0001-fold-3"));
  for (const auto& job : executor_.launched()) {
    EXPECT_NE(job.trial, "runner-test-0001-fold-4") << "a fold of a failed trial started";
  }
  EXPECT_EQ(Named(trials, "runner-test-0002").status, TrialStatus::kSucceeded);
  EXPECT_EQ(Named(trials, "runner-test-0003").status, TrialStatus::kSucceeded);
}

TEST_F(RunnerTest, APreemptedFoldRunsAgainAloneAndTheOthersKeepTheirResults) {
  bool taken = false;
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    if (FoldOfJob(job) == 1 && !std::exchange(taken, true)) {
      Later(io_, [&executor, name = job.trial] {
        executor.Output(name, "loss=100\n");
        executor.TakeAway(name, JobResult::Kind::kPreempted, "preempted by a test");
      });
      return;
    }
    ReportFoldLater(io_, executor, job);
  };
  Spec spec;
  spec.parallel = 5;
  spec.max_trials = 1;
  spec.max_failed = 0;
  spec.annotations = Folds(5);
  Run(Create(spec));
  ASSERT_EQ(executor_.launched().size(), 6u);
  EXPECT_EQ(executor_.launched().back().trial, "runner-test-0001-fold-1");
  EXPECT_EQ(executor_.launched().back().attempt, 1);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 1u);
  const Trial& trial = trials[0];
  EXPECT_EQ(trial.status, TrialStatus::kSucceeded);
  ASSERT_EQ(trial.folds.size(), 5u);
  EXPECT_EQ(trial.folds[1].attempt, 1);
  EXPECT_EQ(trial.folds[0].attempt, 0);
  const double x = ParseDouble(FindValue(trial.assignment, "x").value()).value();
  EXPECT_NEAR(trial.objective.value(), x + 0.05, 1e-9) << "the preempted attempt's 100 is gone";
  // The preempted attempt's observation stays in the log, under its own attempt.
  ObservationFilter filter;
  filter.fold = 1;
  filter.attempt = 0;
  EXPECT_EQ(store_.FindObservations(trial.name, filter).size(), 1u);
  filter.attempt = 1;
  EXPECT_EQ(store_.FindObservations(trial.name, filter).size(), 1u);
}

TEST_F(RunnerTest, AnInterruptedTrialKeepsItsFinishedFoldsAndResumesOnlyTheOthers) {
  // Folds 0 and 1 finish; the others run until stopped.
  executor_.behaviour = [this](FakeExecutor& executor, const TrialJob& job) {
    if (FoldOfJob(job) < 2) ReportFoldLater(io_, executor, job);
  };
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 1;
  spec.annotations = Folds(5);
  ExperimentRecord record = Create(spec);
  std::function<void()> poll;
  RunOutcome first = Run(record, [&](ExperimentRunner& runner) {
    poll = [&] {
      if (executor_.running_trials().size() == 2 && executor_.launched().size() == 4) {
        runner.Interrupt();
        return;
      }
      Later(io_, poll);
    };
    Later(io_, poll);
  });
  EXPECT_TRUE(first.interrupted);
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].status, TrialStatus::kPending);
  ASSERT_EQ(trials[0].folds.size(), 5u);
  EXPECT_EQ(trials[0].folds[0].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[0].folds[1].status, TrialStatus::kSucceeded);
  EXPECT_EQ(trials[0].folds[2].status, TrialStatus::kPending);

  const size_t launched_before = executor_.launched().size();
  Behave([](const TrialJob& job) {
    return "loss=" + FormatDouble(XOf(job) + kFoldOffset[FoldOfJob(job)]) + "\n";
  });
  RunOutcome second = Run(*store_.GetExperiment("runner-test"));
  EXPECT_EQ(second.status.state, ExperimentState::kSucceeded);
  std::multiset<int> rerun;
  for (size_t i = launched_before; i < executor_.launched().size(); ++i)
    rerun.insert(FoldOfJob(executor_.launched()[i]));
  EXPECT_EQ(rerun, (std::multiset<int>{2, 3, 4})) << "finished folds must not run again";
  const Trial trial = Trials().at(0);
  EXPECT_EQ(trial.status, TrialStatus::kSucceeded);
  const double x = ParseDouble(FindValue(trial.assignment, "x").value()).value();
  EXPECT_NEAR(trial.objective.value(), x + 0.05, 1e-9);
}

TEST_F(RunnerTest, ATrialWhoseFoldsAllEndedBeforeACrashIsSettledNotRunAgain) {
  Spec spec;
  spec.max_trials = 1;
  spec.annotations = Folds(3);
  ExperimentRecord record = Create(spec);
  // What a run that died after storing the last fold, but before the trial, leaves behind.
  Trial trial;
  trial.name = "runner-test-0001";
  trial.experiment = "runner-test";
  trial.assignment = {{"x", "0.5"}};
  trial.status = TrialStatus::kRunning;
  trial.created_at = clock_.Now();
  trial.started_at = clock_.Now();
  for (int f = 0; f < 3; ++f) {
    FoldResult fold;
    fold.index = f;
    fold.status = TrialStatus::kSucceeded;
    fold.objective = 0.5 + f;
    fold.metrics = {{"loss", 0.5 + f, 0.5 + f, 0.5 + f, 1}};
    fold.job = "gone-" + std::to_string(f);
    trial.folds.push_back(fold);
  }
  store_.CreateTrials({&trial, 1});
  RunOutcome outcome = Run(record);
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_TRUE(executor_.launched().empty());
  EXPECT_TRUE(executor_.adopted().empty());
  const Trial settled = Trials().at(0);
  EXPECT_EQ(settled.status, TrialStatus::kSucceeded);
  EXPECT_DOUBLE_EQ(settled.objective.value(), 1.5);
}

// One trial, then one that continues its training (as a Hyperband or ASHA promotion does).
class PromotingAlgorithm final : public Algorithm {
 public:
  SuggestReply Suggest(std::span<const Trial> trials, int count) override {
    SuggestReply reply;
    if (count == 0) return reply;
    if (trials.empty()) {
      reply.proposals.push_back({{{"x", "0.5"}}, {}});
    } else if (trials.size() == 1 && !IsActive(trials[0].status)) {
      reply.proposals.push_back({{{"x", "0.5"}}, {{kResumeFromLabel, trials[0].name}}});
    } else if (trials.size() == 2) {
      reply.exhausted = true;
    }
    return reply;
  }
};

TEST_F(RunnerTest, APromotedTrialsFoldStartsFromTheSameFoldsCheckpoint) {
  std::map<std::string, std::string> seen;  // fold job -> its checkpoint's content at launch
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    const std::string dir = EnvOf(job, "TUNEUP_CHECKPOINT_DIR").value();
    EXPECT_EQ(dir, job.trial_dir + "/checkpoint");
    seen[job.trial] = testing::ReadFile(dir + "/state");
    std::ofstream(dir + "/state") << "trained by " << job.trial;  // what a trainer saves
    executor.Output(job.trial, "loss=1\n");
    executor.Exit(job.trial, 0);
  };
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 2;
  spec.annotations = Folds(2);
  RunOutcome outcome = Run(Create(spec), {}, std::make_unique<PromotingAlgorithm>());
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(seen["runner-test-0001-fold-0"], "");
  EXPECT_EQ(seen["runner-test-0002-fold-0"], "trained by runner-test-0001-fold-0");
  EXPECT_EQ(seen["runner-test-0002-fold-1"], "trained by runner-test-0001-fold-1");
}

TEST_F(RunnerTest, RepeatedFoldsCoverEveryFoldOfEveryRepeat) {
  Behave([](const TrialJob& job) { return "loss=" + FormatDouble(XOf(job)) + "\n"; });
  Spec spec;
  spec.parallel = 4;
  spec.max_trials = 1;
  spec.annotations = Folds(3, "    tuneup.dev/cv-repeats: \"2\"\n");
  Run(Create(spec));
  std::set<std::pair<std::string, std::string>> seen;  // (repeat, fold)
  for (const auto& job : executor_.launched())
    seen.emplace(EnvOf(job, "TUNEUP_REPEAT").value(), EnvOf(job, "TUNEUP_FOLD").value());
  EXPECT_EQ(seen, (std::set<std::pair<std::string, std::string>>{
                      {"0", "0"}, {"0", "1"}, {"0", "2"}, {"1", "0"}, {"1", "1"}, {"1", "2"}}));
  EXPECT_EQ(executor_.launched().size(), 6u);
  EXPECT_EQ(executor_.launched().back().trial, "runner-test-0001-fold-5");
  EXPECT_EQ(Trials().at(0).folds.size(), 6u);
}

// Fold f of a trial with x scores x + offset(f) + a little noise that differs between trials.
double NoisyLoss(double x, int fold) {
  return x + kFoldOffset[fold] + 0.05 * std::sin(37 * x + 11 * fold);
}

TEST_F(RunnerTest, RacingStopsClearlyWorseTrialsEarlyAndNeverTheBest) {
  Behave([](const TrialJob& job) {
    return "loss=" + FormatDouble(NoisyLoss(XOf(job), FoldOfJob(job))) + "\n";
  });
  Spec spec;
  spec.parallel = 1;  // each fold is judged against the finished trials before it
  spec.max_trials = 12;
  spec.annotations = Folds(5, "    tuneup.dev/cv-race: \"true\"\n");
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);

  // The score each trial would have had with all five folds.
  auto full_mean = [](double x) {
    double sum = 0;
    for (int f = 0; f < 5; ++f)
      sum += NoisyLoss(x, f);
    return sum / 5;
  };
  auto trials = Trials();
  ASSERT_EQ(trials.size(), 12u);
  const Trial* truly_best = nullptr;
  for (const auto& trial : trials) {
    const double x = ParseDouble(FindValue(trial.assignment, "x").value()).value();
    if (!truly_best ||
        full_mean(x) <
            full_mean(ParseDouble(FindValue(truly_best->assignment, "x").value()).value())) {
      truly_best = &trial;
    }
  }
  EXPECT_EQ(truly_best->status, TrialStatus::kSucceeded) << truly_best->message;
  int raced = 0;
  for (const auto& trial : trials) {
    if (trial.status != TrialStatus::kEarlyStopped) {
      EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
      continue;
    }
    ++raced;
    EXPECT_EQ(trial.reason, trial_reason::kEarlyStopped);
    EXPECT_THAT(trial.message, HasSubstr("raced out after"));
    EXPECT_LT(ObjectiveSpread(trial).count, 5) << trial.name;
    EXPECT_GE(ObjectiveSpread(trial).count, 2) << trial.name;
    ASSERT_TRUE(trial.objective) << "a raced trial keeps its partial mean";
    const double x = ParseDouble(FindValue(trial.assignment, "x").value()).value();
    const double best_x = ParseDouble(FindValue(truly_best->assignment, "x").value()).value();
    EXPECT_GT(full_mean(x), full_mean(best_x) + 0.05) << trial.name << " was close to the best";
  }
  EXPECT_GE(raced, 3);
  // With one job at a time, a raced trial ran exactly the folds it has results for.
  size_t folds_run = 0;
  for (const auto& trial : trials)
    folds_run += static_cast<size_t>(ObjectiveSpread(trial).count);
  EXPECT_EQ(executor_.launched().size(), folds_run);
  EXPECT_LE(executor_.launched().size(), 60u - static_cast<size_t>(raced));
}

TEST_F(RunnerTest, AnEarlyStoppingRuleJudgesTheMeanOfTheFoldCurvesAndStopsTheWholeTrial) {
  // Fold f of the trial with x reports loss = x + offset(f) + 1/k at steps k = 1..5.
  std::function<void(FakeExecutor&, std::string, double, int)> step = [&](FakeExecutor& executor,
                                                                          std::string name,
                                                                          double base, int k) {
    if (k > 5) {
      executor.Exit(name, 0);
      return;
    }
    executor.Output(name, "loss=" + FormatDouble(base + 1.0 / k) + "\n");
    Later(io_, [&, &executor = executor, name, base, k] {
      Later(io_, [&, &executor = executor, name, base, k] { step(executor, name, base, k + 1); });
    });
  };
  executor_.behaviour = [&](FakeExecutor& executor, const TrialJob& job) {
    step(executor, job.trial, XOf(job) + kFoldOffset[FoldOfJob(job)], 1);
  };
  Spec spec;
  spec.parallel = 2;
  spec.max_trials = 10;
  spec.max_failed = 0;
  spec.annotations = Folds(5);
  spec.early_stopping = testing::kMedianStop;
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  int stopped = 0;
  for (const auto& trial : Trials()) {
    if (trial.status != TrialStatus::kEarlyStopped) {
      EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << ": " << trial.message;
      continue;
    }
    ++stopped;
    EXPECT_EQ(trial.reason, trial_reason::kEarlyStopped);
    int not_run = 0;
    for (const auto& fold : trial.folds) {
      EXPECT_NE(fold.status, TrialStatus::kRunning) << trial.name;
      EXPECT_NE(fold.status, TrialStatus::kPending) << trial.name;
      if (fold.status == TrialStatus::kKilled) ++not_run;
    }
    EXPECT_GT(not_run, 0) << trial.name << " was stopped with every fold done";
  }
  EXPECT_GE(stopped, 2);
  EXPECT_LT(executor_.launched().size(), 50u);
}

TEST_F(RunnerTest, TheFinalEvaluationRunsTheBestTrialOnceOnAllData) {
  Behave([](const TrialJob& job) {
    if (EnvOf(job, "TUNEUP_FINAL")) return std::string("loss=0.5\ntest-loss=0.75\n");
    return "loss=" + FormatDouble(XOf(job) + kFoldOffset[FoldOfJob(job)]) + "\n";
  });
  Spec spec;
  spec.max_trials = 4;
  spec.fold_parameter = true;
  spec.annotations = Folds(5, "    tuneup.dev/cv-final: \"true\"\n");
  RunOutcome outcome = Run(Create(spec));
  EXPECT_EQ(outcome.status.reason, experiment_reason::kMaxTrialsReached);
  ASSERT_EQ(executor_.launched().size(), 21u);
  const TrialJob& final_job = executor_.launched().back();
  EXPECT_EQ(EnvOf(final_job, "TUNEUP_FINAL"), "1");
  EXPECT_FALSE(EnvOf(final_job, "TUNEUP_FOLD"));
  EXPECT_EQ(final_job.argv.back(), "final");

  auto trials = Trials();
  const Trial* best = nullptr;
  for (const auto& trial : trials) {
    if (!best || *trial.objective < *best->objective) best = &trial;
  }
  EXPECT_EQ(final_job.trial, best->name + "-final");
  ASSERT_TRUE(best->final_evaluation);
  EXPECT_EQ(best->final_evaluation->status, TrialStatus::kSucceeded);
  // Only the experiment's metrics are collected, as from any job: test-loss would need to be
  // in additionalMetricNames.
  ASSERT_EQ(best->final_evaluation->metrics.size(), 1u);
  EXPECT_EQ(best->final_evaluation->metrics[0].name, "loss");
  EXPECT_EQ(best->final_evaluation->metrics[0].latest, 0.5);
  EXPECT_NE(*best->objective, 0.5) << "the final evaluation is not the cross-validation score";
  for (const auto& trial : trials) {
    if (&trial != best) {
      EXPECT_FALSE(trial.final_evaluation) << trial.name;
    }
  }
}

}  // namespace
}  // namespace tuneup
