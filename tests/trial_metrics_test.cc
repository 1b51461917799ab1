// What one attempt of a trial reported (metrics-collector/trial_metrics.h): parsed and
// already-stored observations kept apart, and the per-attempt limit.
#include "metrics-collector/trial_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "metrics-collector/text_parser.h"

namespace tuneup {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'700'000'000));

struct Harness {
  explicit Harness(int64_t max_observations) {
    TextParserOptions text;
    text.metric_names = {"loss"};
    std::vector<std::unique_ptr<MetricParser>> parsers;
    parsers.push_back(MakeTextMetricParser(std::move(text)));
    TrialMetricsOptions options;
    options.max_observations = max_observations;
    options.warn = [this](std::string_view message) { warnings.emplace_back(message); };
    metrics = std::make_unique<TrialMetrics>(std::move(parsers), std::move(options));
  }
  std::unique_ptr<TrialMetrics> metrics;
  std::vector<std::string> warnings;
};

TEST(TrialMetricsTest, ParsedObservationsWaitToBeStored) {
  Harness h(10);
  EXPECT_TRUE(h.metrics->Feed(0, "loss=0.5\n", kNow));
  EXPECT_FALSE(h.metrics->Feed(0, "no metric here\n", kNow));
  EXPECT_THAT(h.metrics->unsaved(), SizeIs(1));
  EXPECT_THAT(h.metrics->stored_elsewhere(), IsEmpty());
  ASSERT_THAT(h.metrics->summaries(), SizeIs(1));
  EXPECT_EQ(h.metrics->summaries()[0].latest, 0.5);
}

TEST(TrialMetricsTest, ObservationsStoredElsewhereAreReducedButNotStoredAgain) {
  Harness h(10);
  EXPECT_TRUE(h.metrics->Add({{"loss", 0.7, kNow}, {"loss", 0.2, kNow}}, true));
  EXPECT_THAT(h.metrics->unsaved(), IsEmpty());
  EXPECT_THAT(h.metrics->stored_elsewhere(), SizeIs(2));
  EXPECT_EQ(h.metrics->summaries()[0].min, 0.2);
  EXPECT_TRUE(h.metrics->Add({{"loss", 0.1, kNow}}, false));
  EXPECT_THAT(h.metrics->unsaved(), SizeIs(1));
}

TEST(TrialMetricsTest, TheLimitDropsLaterObservationsWithOneWarning) {
  Harness h(3);
  EXPECT_TRUE(h.metrics->Feed(0, "loss=1\nloss=2\n", kNow));
  EXPECT_TRUE(h.metrics->Feed(0, "loss=3\nloss=4\nloss=5\n", kNow));  // only loss=3 fits
  EXPECT_FALSE(h.metrics->Feed(0, "loss=6\n", kNow));
  EXPECT_FALSE(h.metrics->Add({{"loss", 7, kNow}}, true));
  EXPECT_EQ(h.metrics->kept(), 3);
  EXPECT_THAT(h.metrics->unsaved(), SizeIs(3));
  EXPECT_EQ(h.metrics->summaries()[0].latest, 3);
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("limit of 3 observations"));
}

}  // namespace
}  // namespace tuneup
