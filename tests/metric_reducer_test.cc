#include "metrics-collector/metric_reducer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>

#include "api/defaults.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'700'000'000));

Observation Obs(const std::string& metric, double value) {
  return {metric, value, kNow};
}

TEST(MetricReducerTest, KeepsMinMaxLatestAndCount) {
  MetricReducer reducer;
  for (double value : {0.5, 0.2, 0.9, 0.4})
    reducer.Add(Obs("loss", value));
  const MetricSummary* loss = reducer.Find("loss");
  ASSERT_NE(loss, nullptr);
  EXPECT_EQ(*loss, (MetricSummary{"loss", 0.2, 0.9, 0.4, 4}));
}

TEST(MetricReducerTest, OneSummaryPerMetricInOrderOfFirstSight) {
  MetricReducer reducer;
  reducer.Add(Obs("accuracy", 0.5));
  reducer.Add(Obs("loss", 1.5));
  reducer.Add(Obs("accuracy", 0.75));
  EXPECT_THAT(reducer.summaries(), ElementsAre(MetricSummary{"accuracy", 0.5, 0.75, 0.75, 2},
                                               MetricSummary{"loss", 1.5, 1.5, 1.5, 1}));
}

TEST(MetricReducerTest, SingleObservationIsMinMaxAndLatest) {
  MetricReducer reducer;
  reducer.Add(Obs("loss", -3));
  EXPECT_EQ(*reducer.Find("loss"), (MetricSummary{"loss", -3, -3, -3, 1}));
}

TEST(MetricReducerTest, UnknownMetricIsNotFound) {
  MetricReducer reducer;
  EXPECT_EQ(reducer.Find("loss"), nullptr);
  reducer.Add(Obs("loss", 1));
  EXPECT_EQ(reducer.Find("accuracy"), nullptr);
}

TEST(MetricReducerTest, ClearForgetsEverything) {
  MetricReducer reducer;
  reducer.Add(Obs("loss", 1));
  reducer.Clear();
  EXPECT_THAT(reducer.summaries(), IsEmpty());
  EXPECT_EQ(reducer.Find("loss"), nullptr);
  reducer.Add(Obs("loss", 2));
  EXPECT_EQ(*reducer.Find("loss"), (MetricSummary{"loss", 2, 2, 2, 1}));
}

TEST(ReducedValueTest, ByStrategy) {
  MetricSummary summary{"loss", 0.1, 0.9, 0.4, 3};
  EXPECT_THAT(ReducedValue(summary, "min"), Optional(0.1));
  EXPECT_THAT(ReducedValue(summary, "max"), Optional(0.9));
  EXPECT_THAT(ReducedValue(summary, "latest"), Optional(0.4));
  // Anything else (no strategy set) falls back to latest.
  EXPECT_THAT(ReducedValue(summary, ""), Optional(0.4));
}

TEST(ReducedValueTest, NothingReported) {
  EXPECT_EQ(ReducedValue(MetricSummary{"loss", 0, 0, 0, 0}, "min"), std::nullopt);
}

ObjectiveSpec Objective(const std::string& type, std::vector<MetricStrategy> strategies = {}) {
  ObjectiveSpec objective;
  objective.type = type;
  objective.objective_metric_name = "loss";
  objective.additional_metric_names = {"accuracy"};
  objective.metric_strategies = std::move(strategies);
  return objective;
}

std::vector<MetricSummary> Summaries() {
  MetricReducer reducer;
  for (double value : {0.5, 0.2, 0.3})
    reducer.Add(Obs("loss", value));
  for (double value : {0.7, 0.9, 0.8})
    reducer.Add(Obs("accuracy", value));
  return reducer.summaries();
}

TEST(ObjectiveValueTest, UsesTheObjectiveMetricsStrategy) {
  auto summaries = Summaries();
  EXPECT_THAT(ObjectiveValue(summaries, Objective("minimize", {{"loss", "min"}})), Optional(0.2));
  EXPECT_THAT(ObjectiveValue(summaries, Objective("minimize", {{"loss", "max"}})), Optional(0.5));
  EXPECT_THAT(ObjectiveValue(summaries, Objective("minimize", {{"loss", "latest"}})),
              Optional(0.3));
  // Another metric's strategy does not apply to the objective.
  EXPECT_THAT(
      ObjectiveValue(summaries, Objective("minimize", {{"accuracy", "max"}, {"loss", "latest"}})),
      Optional(0.3));
}

TEST(ObjectiveValueTest, KatibDefaultsFollowTheObjectiveType) {
  auto summaries = Summaries();
  for (auto [type, expected] :
       {std::pair{"minimize", 0.2}, std::pair{"maximize", 0.5}, std::pair{"", 0.3}}) {
    Experiment experiment;
    experiment.spec.objective = Objective(type);
    ApplyKatibDefaults(experiment);
    EXPECT_THAT(ObjectiveValue(summaries, *experiment.spec.objective), Optional(expected)) << type;
  }
}

TEST(ObjectiveValueTest, ObjectiveNeverReported) {
  MetricReducer reducer;
  reducer.Add(Obs("accuracy", 0.9));
  EXPECT_EQ(ObjectiveValue(reducer.summaries(), Objective("minimize", {{"loss", "min"}})),
            std::nullopt);
  EXPECT_EQ(ObjectiveValue({}, Objective("maximize")), std::nullopt);
}

}  // namespace
}  // namespace tuneup
