// The early stoppers behind the EarlyStopper interface (suggestion/early_stopping.h): medianstop
// over trials in every state, successivehalving against hand-computed rungs, and the settings
// errors of both.
#include "suggestion/early_stopping.h"

#include <cmath>
#include <deque>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "suggestion/median_stop.h"
#include "suggestion/successive_halving_stop.h"
#include "tests/support/parameter_specs.h"

namespace tuneup {
namespace {

using ::testing::HasSubstr;

// Trials with curves, as the runner hands them to a stopper.
class History {
 public:
  // Adds a trial in `status` with the objective values `values`.
  History& Add(TrialStatus status, std::vector<double> values) {
    Trial& trial = trials_.emplace_back();
    trial.name = "t" + std::to_string(trials_.size());
    trial.status = status;
    values_.push_back(std::move(values));
    return *this;
  }
  std::vector<TrialCurve> Curves() const {
    std::vector<TrialCurve> curves;
    for (size_t i = 0; i < trials_.size(); ++i)
      curves.push_back({&trials_[i], values_[i]});
    return curves;
  }

 private:
  std::deque<Trial> trials_;  // stable addresses
  std::deque<std::vector<double>> values_;
};

StopDecision Decide(EarlyStopper& stopper, std::vector<double> running, const History& others) {
  Trial trial;
  trial.name = "running";
  trial.status = TrialStatus::kRunning;
  return stopper.Decide({&trial, running}, others.Curves());
}

Experiment WithEarlyStopping(const std::string& name, std::vector<NamedSetting> settings,
                             const std::string& direction = "minimize") {
  Experiment experiment = testing::SearchExperiment(
      "random", {testing::RangeSpec("x", "double", "0", "1")}, {}, direction);
  experiment.spec.early_stopping = EarlyStoppingSpec{name, std::move(settings)};
  return experiment;
}

// --- medianstop ------------------------------------------------------------------------------

TEST(MedianStopperTest, OnlySucceededTrialsSetTheMedian) {
  // Succeeded running averages at step 4: 2.5, 5, 1 -> median 2.5. The early-stopped and running
  // trials' low values would pull the median down if they counted.
  History history;
  history.Add(TrialStatus::kSucceeded, {4, 3, 2, 1, 0.5})
      .Add(TrialStatus::kSucceeded, {8, 6, 4, 2, 1})
      .Add(TrialStatus::kSucceeded, {1, 1, 1, 1, 1})
      .Add(TrialStatus::kEarlyStopped, {0, 0, 0, 0})
      .Add(TrialStatus::kRunning, {0, 0, 0, 0, 0})
      .Add(TrialStatus::kFailed, {0, 0, 0, 0, 0});
  auto stopper = CreateEarlyStopper(WithEarlyStopping("medianstop", {}));
  StopDecision stop = Decide(*stopper, {9, 8, 7, 6}, history);
  EXPECT_TRUE(stop.stop);
  EXPECT_THAT(stop.message, HasSubstr("at step 4"));
  EXPECT_THAT(stop.message, HasSubstr("best value so far, 6, is above the median 2.5 of 3"));
  // 2.5 is not strictly worse than the median; one step earlier is before start_step.
  EXPECT_FALSE(Decide(*stopper, {5, 4, 3, 2.5}, history).stop);
  EXPECT_FALSE(Decide(*stopper, {9, 8, 7}, history).stop);
}

TEST(MedianStopperTest, ReadsKatibsSettings) {
  // min_trials_required 1 and start_step 2 (Katib's median-stop example): one completed trial
  // with running average (4 + 3) / 2 = 3.5 at step 2 is enough.
  History history;
  history.Add(TrialStatus::kSucceeded, {4, 3, 2, 1});
  auto stopper = CreateEarlyStopper(
      WithEarlyStopping("medianstop", {{"min_trials_required", "1"}, {"start_step", "2"}}));
  EXPECT_FALSE(Decide(*stopper, {9}, history).stop);
  EXPECT_TRUE(Decide(*stopper, {9, 5}, history).stop);
  EXPECT_FALSE(Decide(*stopper, {9, 3.5}, history).stop);
  // Maximised: the same curve is now the one to beat from below.
  auto maximizing = CreateEarlyStopper(WithEarlyStopping(
      "medianstop", {{"min_trials_required", "1"}, {"start_step", "2"}}, "maximize"));
  EXPECT_TRUE(Decide(*maximizing, {1, 2}, history).stop);
  EXPECT_FALSE(Decide(*maximizing, {1, 3.5}, history).stop);
}

TEST(MedianStopperTest, SettingsErrorsNameTheSetting) {
  auto errors = ValidateEarlyStoppingSettings(
      WithEarlyStopping("medianstop", {{"min_trials_required", "0"}, {"start_step", "two"}}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "spec.earlyStopping.algorithmSettings[0].value");
  EXPECT_THAT(errors[0].message, HasSubstr("min_trials_required"));
  EXPECT_EQ(errors[1].path, "spec.earlyStopping.algorithmSettings[1].value");
  EXPECT_THAT(errors[1].message, HasSubstr("start_step"));

  errors = ValidateEarlyStoppingSettings(WithEarlyStopping("medianstop", {{"eta", "3"}}));
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("eta"));
  EXPECT_THAT(errors[0].ToString(), HasSubstr("medianstop"));
  EXPECT_THROW(CreateEarlyStopper(WithEarlyStopping("medianstop", {{"start_step", "0"}})), Error);
}

TEST(EarlyStoppingTest, NoSpecNoStopper) {
  Experiment experiment = WithEarlyStopping("medianstop", {});
  experiment.spec.early_stopping.reset();
  EXPECT_EQ(CreateEarlyStopper(experiment), nullptr);
  EXPECT_TRUE(ValidateEarlyStoppingSettings(experiment).empty());
}

// --- successivehalving -----------------------------------------------------------------------

SuccessiveHalvingStopper Halving(int64_t min_resource, int eta, int rate) {
  return SuccessiveHalvingStopper({min_resource, eta, rate}, false);
}

TEST(SuccessiveHalvingStopperTest, RungsSitAtMinResourceTimesPowersOfEta) {
  auto defaults = Halving(1, 3, 0);  // rungs at 1, 3, 9, 27, ...
  const std::vector<std::pair<int64_t, int64_t>> steps_to_rung = {
      {0, 0}, {1, 1}, {2, 1}, {3, 3}, {8, 3}, {9, 9}, {26, 9}, {27, 27}, {100, 81}};
  for (auto [steps, rung] : steps_to_rung)
    EXPECT_EQ(defaults.RungStep(steps), rung) << steps;
  // min_resource 2, eta 2, min_early_stopping_rate 1: rungs at 4, 8, 16, ...
  auto later = Halving(2, 2, 1);
  const std::vector<std::pair<int64_t, int64_t>> later_rungs = {{1, 0}, {2, 0}, {3, 0},  {4, 4},
                                                                {7, 4}, {8, 8}, {15, 8}, {16, 16}};
  for (auto [steps, rung] : later_rungs)
    EXPECT_EQ(later.RungStep(steps), rung) << steps;
}

TEST(SuccessiveHalvingStopperTest, KeepsTheTopThirdOfTheTrialsAtTheRung) {
  auto stopper = Halving(1, 3, 0);
  // Three others reached step 1 (values 1, 2, 3), one has not: n = 4, kept max(1, 4/3) = 1.
  History four;
  four.Add(TrialStatus::kSucceeded, {1, 1, 1})
      .Add(TrialStatus::kEarlyStopped, {2})
      .Add(TrialStatus::kRunning, {3})
      .Add(TrialStatus::kRunning, {});
  StopDecision stop = Decide(stopper, {5}, four);
  EXPECT_TRUE(stop.stop);
  EXPECT_THAT(stop.message, HasSubstr("not among the best 1 of the 4 trials"));
  EXPECT_FALSE(Decide(stopper, {0.5}, four).stop);
  // n = 6: kept 2. 1.5 has one better (1): goes on; 2.5 has two better: stopped.
  History six;
  for (double v : {1, 2, 3, 4, 5})
    six.Add(TrialStatus::kSucceeded, {v});
  EXPECT_FALSE(Decide(stopper, {1.5}, six).stop);
  EXPECT_TRUE(Decide(stopper, {2.5}, six).stop);
  EXPECT_TRUE(Decide(stopper, {2.5, 0.1}, six).stop) << "step 2 is not a rung: step 1 decides";
}

TEST(SuccessiveHalvingStopperTest, TiesFavourTheRunningTrial) {
  History history;
  history.Add(TrialStatus::kSucceeded, {2}).Add(TrialStatus::kSucceeded, {2});
  EXPECT_FALSE(
      Decide(*std::make_unique<SuccessiveHalvingStopper>(Halving(1, 3, 0)), {2}, history).stop);
}

TEST(SuccessiveHalvingStopperTest, OnlyTheHighestRungReachedIsChecked) {
  // Worst at step 1 (9 against 1 and 1), but at the rung of step 3 its 1 ties the best.
  History history;
  history.Add(TrialStatus::kSucceeded, {1, 1, 2}).Add(TrialStatus::kSucceeded, {1, 1, 3});
  auto stopper = Halving(1, 3, 0);
  EXPECT_FALSE(Decide(stopper, {9, 9, 1}, history).stop);
  EXPECT_TRUE(Decide(stopper, {9, 9, 3}, history).stop);
}

TEST(SuccessiveHalvingStopperTest, MaximisesAndRanksNaNLast) {
  History history;
  history.Add(TrialStatus::kSucceeded, {0.9}).Add(TrialStatus::kSucceeded, {0.8});
  SuccessiveHalvingStopper maximizing({1, 3, 0}, true);
  EXPECT_TRUE(Decide(maximizing, {0.2}, history).stop);
  EXPECT_FALSE(Decide(maximizing, {0.95}, history).stop);

  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto stopper = Halving(1, 3, 0);
  History one;
  one.Add(TrialStatus::kSucceeded, {1});
  EXPECT_TRUE(Decide(stopper, {nan}, one).stop);
  History nans;
  nans.Add(TrialStatus::kSucceeded, {nan}).Add(TrialStatus::kFailed, {nan});
  EXPECT_FALSE(Decide(stopper, {1}, nans).stop);
}

TEST(SuccessiveHalvingStopperTest, SettingsErrorsNameTheSetting) {
  auto errors = ValidateEarlyStoppingSettings(WithEarlyStopping(
      "successivehalving",
      {{"min_resource", "0"}, {"eta", "1"}, {"min_early_stopping_rate", "-1"}, {"r_l", "9"}}));
  ASSERT_EQ(errors.size(), 4u);
  EXPECT_THAT(errors[0].ToString(), HasSubstr("min_resource"));
  EXPECT_THAT(errors[1].ToString(), HasSubstr("eta"));
  EXPECT_THAT(errors[2].ToString(), HasSubstr("min_early_stopping_rate"));
  EXPECT_THAT(errors[3].ToString(), HasSubstr("r_l"));
  EXPECT_THAT(errors[3].ToString(), HasSubstr("successivehalving"));
  // Valid settings create it; the rungs follow them.
  auto stopper = CreateEarlyStopper(
      WithEarlyStopping("successivehalving", {{"min_resource", "2"}, {"eta", "2"}}));
  ASSERT_NE(stopper, nullptr);
  History history;
  history.Add(TrialStatus::kSucceeded, {1, 1, 1});
  EXPECT_FALSE(Decide(*stopper, {5}, history).stop) << "step 1 is before the first rung (2)";
  EXPECT_TRUE(Decide(*stopper, {5, 5}, history).stop);
}

}  // namespace
}  // namespace tuneup
