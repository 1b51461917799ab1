#include "api/cross_validation.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {
namespace {

FoldResult Fold(int index, TrialStatus status, std::optional<double> objective) {
  FoldResult fold;
  fold.index = index;
  fold.status = status;
  fold.objective = objective;
  return fold;
}

TEST(CrossValidationTest, SpreadIsTheMeanAndTheSampleStandardDeviation) {
  // 0.90, 0.94, 0.92, 0.96, 0.88: mean 0.92, squares 0.0004+0.0004+0+0.0016+0.0016 = 0.004,
  // / (5 - 1) = 0.001, sd = 0.0316228.
  std::vector<double> values{0.90, 0.94, 0.92, 0.96, 0.88};
  Spread spread = SpreadOf(values);
  EXPECT_EQ(spread.count, 5);
  EXPECT_NEAR(spread.mean, 0.92, 1e-12);
  EXPECT_NEAR(spread.sd, 0.0316227766, 1e-9);

  std::vector<double> one{3.5};
  EXPECT_EQ(SpreadOf(one).sd, 0);
  EXPECT_EQ(SpreadOf(one).mean, 3.5);
  EXPECT_EQ(SpreadOf({}).count, 0);
}

TEST(CrossValidationTest, OnlySucceededFoldsMakeTheScore) {
  Trial trial;
  trial.folds = {Fold(0, TrialStatus::kSucceeded, 1.0), Fold(1, TrialStatus::kFailed, 100.0),
                 Fold(2, TrialStatus::kSucceeded, 3.0), Fold(3, TrialStatus::kRunning, {}),
                 Fold(4, TrialStatus::kSucceeded, 2.0)};
  EXPECT_EQ(FoldObjectives(trial), (std::vector<double>{1.0, 3.0, 2.0}));
  Spread spread = ObjectiveSpread(trial);
  EXPECT_EQ(spread.count, 3);
  EXPECT_DOUBLE_EQ(spread.mean, 2.0);
  EXPECT_DOUBLE_EQ(spread.sd, 1.0);
  EXPECT_DOUBLE_EQ(*MeanObjective(trial.folds), 2.0);
  EXPECT_FALSE(MeanObjective({Fold(0, TrialStatus::kFailed, 1.0)}));
}

TEST(CrossValidationTest, MetricSummariesAreAveragedAndCountsSummed) {
  FoldResult a = Fold(0, TrialStatus::kSucceeded, 0.5);
  a.metrics = {{"loss", 0.2, 0.9, 0.3, 10}, {"accuracy", 0.5, 0.8, 0.8, 10}};
  FoldResult b = Fold(1, TrialStatus::kSucceeded, 0.6);
  b.metrics = {{"accuracy", 0.6, 0.9, 0.9, 5}, {"loss", 0.4, 1.1, 0.5, 5}};
  FoldResult failed = Fold(2, TrialStatus::kFailed, {});
  failed.metrics = {{"loss", 100, 100, 100, 1}};
  std::vector<MetricSummary> mean = MeanMetrics({a, b, failed});
  ASSERT_EQ(mean.size(), 2u);
  EXPECT_EQ(mean[0].name, "loss");
  EXPECT_DOUBLE_EQ(mean[0].min, 0.3);
  EXPECT_DOUBLE_EQ(mean[0].max, 1.0);
  EXPECT_DOUBLE_EQ(mean[0].latest, 0.4);
  EXPECT_EQ(mean[0].count, 15);
  EXPECT_EQ(mean[1].name, "accuracy");
  EXPECT_DOUBLE_EQ(mean[1].latest, 0.85);
}

TEST(CrossValidationTest, FoldsRepeatsAndJobNames) {
  EXPECT_EQ(FoldOf(7, 5), 2);
  EXPECT_EQ(RepeatOf(7, 5), 1);
  EXPECT_EQ(FoldOf(4, 5), 4);
  EXPECT_EQ(RepeatOf(4, 5), 0);
  EXPECT_EQ(FoldJobName("exp-0001", 3), "exp-0001-fold-3");
  EXPECT_EQ(FoldJobName("exp-0001", kFinalJob), "exp-0001-final");
  EXPECT_EQ(FoldDirName(3), "fold-3");
  EXPECT_EQ(FoldDirName(kFinalJob), "final");
  EXPECT_EQ(FormatMeanSd(SpreadOf(std::vector<double>{0.90, 0.94, 0.92, 0.96, 0.88})),
            "0.92 ± 0.032");
  EXPECT_EQ(FormatMeanSd(SpreadOf(std::vector<double>{0.5})), "0.5");
}

TEST(CrossValidationTest, FoldResultsRoundTripThroughJson) {
  FoldResult fold = Fold(6, TrialStatus::kSucceeded, 0.25);
  fold.message = "done";
  fold.attempt = 2;
  fold.metrics = {{"loss", 0.25, 0.5, 0.25, 4}};
  fold.job = R"({"pid":12})";
  fold.started_at = FromUnixMicros(1'800'000'000'123'456);
  fold.completed_at = FromUnixMicros(1'800'000'100'000'000);
  Json json = FoldResultToJson(fold, 5);
  EXPECT_EQ(json["fold"], 1);
  EXPECT_EQ(json["repeat"], 1);
  EXPECT_EQ(FoldResultFromJson(json), fold);

  FoldResult final_job = Fold(kFinalJob, TrialStatus::kRunning, {});
  Json final_json = FoldResultToJson(final_job, 5);
  EXPECT_FALSE(final_json.contains("fold"));
  EXPECT_EQ(FoldResultFromJson(final_json), final_job);
}

TEST(CrossValidationTest, MalformedFoldResultsNameTheProblem) {
  auto message = [](const Json& json) {
    try {
      FoldResultFromJson(json);
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      return std::string(e.what());
    }
    return std::string("accepted");
  };
  EXPECT_NE(message(Json::array()).find("expected an object"), std::string::npos);
  EXPECT_NE(message(Json{{"status", "Running"}}).find("no \"index\""), std::string::npos);
  EXPECT_NE(
      message(Json{{"index", -7}, {"status", "Running"}, {"attempt", 0}}).find("-7 is not a fold"),
      std::string::npos);
  EXPECT_NE(message(Json{{"index", 1}, {"status", "Walking"}, {"attempt", 0}})
                .find("entry 1: unknown status"),
            std::string::npos);
  EXPECT_NE(message(Json{{"index", 1}, {"status", "Running"}, {"attempt", -1}})
                .find("\"attempt\" is not a non-negative integer"),
            std::string::npos);
  EXPECT_NE(
      message(Json{{"index", 1}, {"status", "Running"}, {"attempt", 0}, {"startTime", "yesterday"}})
          .find("\"startTime\" is not an RFC 3339 time"),
      std::string::npos);
  EXPECT_NE(message(Json{{"index", 1}, {"status", "Running"}, {"attempt", 0}, {"metrics", 3}})
                .find("fold result: entry 1: metrics: expected a list of metric summaries"),
            std::string::npos);
}

}  // namespace
}  // namespace tuneup
