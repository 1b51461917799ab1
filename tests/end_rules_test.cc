// Katib's experiment end rules, as a pure function: order and edge cases.
#include "controller/end_rules.h"

#include <gtest/gtest.h>

namespace tuneup {
namespace {

ExperimentSpec Spec(std::optional<int> max_trials, std::optional<int> max_failed,
                    std::optional<double> goal, const std::string& type = "minimize") {
  ExperimentSpec spec;
  spec.objective = ObjectiveSpec{};
  spec.objective->type = type;
  spec.objective->objective_metric_name = "loss";
  spec.objective->goal = goal;
  spec.max_trial_count = max_trials;
  spec.max_failed_trial_count = max_failed;
  spec.parallel_trial_count = 2;
  return spec;
}

RunState State(std::map<TrialStatus, int> counts) {
  RunState state;
  state.counts = std::move(counts);
  return state;
}

std::string ReasonOf(const std::optional<ExperimentEnd>& end) {
  return end ? end->reason : "-";
}

TEST(EndRulesTest, NothingEndsARunningExperiment) {
  RunState state = State({{TrialStatus::kRunning, 2}, {TrialStatus::kSucceeded, 3}});
  state.best_objective = 0.5;
  state.trials_in_flight = true;
  EXPECT_FALSE(CheckExperimentEnd(Spec(10, 3, 0.1), state));
}

TEST(EndRulesTest, GoalComesFirstAndRespectsTheDirection) {
  RunState state = State({{TrialStatus::kSucceeded, 5}, {TrialStatus::kFailed, 3}});
  state.best_objective = 0.1;
  // Max failed and max trials are also reached: the goal wins, as in Katib.
  auto end = CheckExperimentEnd(Spec(8, 3, 0.1), state);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, experiment_reason::kGoalReached);
  EXPECT_EQ(end->state, ExperimentState::kSucceeded);
  state.best_objective = 0.1000001;
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(100, 100, 0.1), state)), "-");
  state.best_objective = 0.9;
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(100, 100, 0.9, "maximize"), state)),
            experiment_reason::kGoalReached);
  state.best_objective = 0.89;
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(100, 100, 0.9, "maximize"), state)), "-");
}

TEST(EndRulesTest, MaxFailedCountsFailedAndMetricsUnavailableAndComesBeforeMaxTrials) {
  RunState state = State({{TrialStatus::kFailed, 1},
                          {TrialStatus::kMetricsUnavailable, 1},
                          {TrialStatus::kSucceeded, 2}});
  auto end = CheckExperimentEnd(Spec(4, 2, std::nullopt), state);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, experiment_reason::kMaxFailedTrialsReached);
  EXPECT_EQ(end->state, ExperimentState::kFailed);
  EXPECT_NE(end->message.find("2 trials failed"), std::string::npos) << end->message;
  // Killed and early-stopped trials are not failures.
  state = State({{TrialStatus::kKilled, 5}, {TrialStatus::kEarlyStopped, 5}});
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(100, 2, std::nullopt), state)), "-");
}

TEST(EndRulesTest, MaxFailedZeroEndsAtTheFirstFailureButNotBefore) {
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(10, 0, std::nullopt),
                                        State({{TrialStatus::kSucceeded, 3}}))),
            "-");
  EXPECT_EQ(
      ReasonOf(CheckExperimentEnd(Spec(10, 0, std::nullopt), State({{TrialStatus::kFailed, 1}}))),
      experiment_reason::kMaxFailedTrialsReached);
}

TEST(EndRulesTest, MaxTrialsCountsEveryCompletedTrial) {
  RunState state = State({{TrialStatus::kSucceeded, 2},
                          {TrialStatus::kKilled, 1},
                          {TrialStatus::kFailed, 1},
                          {TrialStatus::kRunning, 1}});
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(4, std::nullopt, std::nullopt), state)),
            experiment_reason::kMaxTrialsReached);
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(5, std::nullopt, std::nullopt), state)), "-")
      << "a running trial is not completed";
}

TEST(EndRulesTest, SuggestionEndWaitsForTrialsInFlight) {
  RunState state = State({{TrialStatus::kSucceeded, 4}});
  state.suggestions_exhausted = true;
  state.trials_in_flight = true;
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(std::nullopt, std::nullopt, std::nullopt), state)),
            "-");
  state.trials_in_flight = false;
  auto end = CheckExperimentEnd(Spec(std::nullopt, std::nullopt, std::nullopt), state);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->reason, experiment_reason::kSuggestionEndReached);
  EXPECT_EQ(end->state, ExperimentState::kSucceeded);
}

TEST(EndRulesTest, EndlessLaunchFailuresFailTheExperiment) {
  RunState state = State({{TrialStatus::kFailed, 12}});
  state.consecutive_launch_failures = kMaxConsecutiveLaunchFailures + 1;
  state.last_launch_error = "executable \"train\" not found";
  EXPECT_EQ(ReasonOf(CheckExperimentEnd(Spec(std::nullopt, std::nullopt, std::nullopt), state)),
            "-");
  state.consecutive_launch_failures = kMaxConsecutiveLaunchFailures + 2;
  auto end = CheckExperimentEnd(Spec(std::nullopt, std::nullopt, std::nullopt), state);
  ASSERT_TRUE(end);
  EXPECT_EQ(end->state, ExperimentState::kFailed);
  EXPECT_NE(end->message.find("not found"), std::string::npos);
}

}  // namespace
}  // namespace tuneup
