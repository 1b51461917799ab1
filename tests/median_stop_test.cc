// The median stopping rule (suggestion/median_stop.h) against hand-computed cases, including the
// edges of start_step and min_trials_required.
#include "suggestion/median_stop.h"

#include <cmath>
#include <limits>
#include <vector>

#include <gtest/gtest.h>

namespace tuneup {
namespace {

using Curves = std::vector<std::vector<double>>;

// Three completed minimised trials. Running averages at step 4:
//   (4+3+2+1)/4 = 2.5, (8+6+4+2)/4 = 5, (1+1+1+1)/4 = 1   -> median 2.5.
// At step 2: 3.5, 7, 1 -> median 3.5.
const Curves kCompleted = {{4, 3, 2, 1, 0.5}, {8, 6, 4, 2, 1}, {1, 1, 1, 1, 1}};

TEST(MedianStopTest, StopsWhenTheBestSoFarIsWorseThanTheMedianOfRunningAverages) {
  MedianStopDecision d = MedianStop(std::vector<double>{9, 8, 7, 6}, kCompleted, false, {});
  EXPECT_EQ(d.step, 4);
  ASSERT_TRUE(d.median);
  EXPECT_DOUBLE_EQ(*d.median, 2.5);
  EXPECT_DOUBLE_EQ(d.best, 6);
  EXPECT_TRUE(d.stop);
}

TEST(MedianStopTest, TheBestValueSoFarCountsNotTheLatest) {
  // Latest 9 is worse than 2.5, but the best so far (2) is better: keep running.
  MedianStopDecision d = MedianStop(std::vector<double>{2, 9, 9, 9}, kCompleted, false, {});
  EXPECT_DOUBLE_EQ(d.best, 2);
  EXPECT_FALSE(d.stop);
}

TEST(MedianStopTest, EqualToTheMedianIsNotStrictlyWorse) {
  MedianStopDecision d = MedianStop(std::vector<double>{5, 4, 3, 2.5}, kCompleted, false, {});
  EXPECT_DOUBLE_EQ(*d.median, 2.5);
  EXPECT_FALSE(d.stop);
  d = MedianStop(std::vector<double>{5, 4, 3, 2.5000001}, kCompleted, false, {});
  EXPECT_TRUE(d.stop);
}

TEST(MedianStopTest, NothingIsStoppedBeforeStartStep) {
  MedianStopSettings settings;  // start_step 4
  EXPECT_FALSE(MedianStop(std::vector<double>{99, 99, 99}, kCompleted, false, settings).stop);
  EXPECT_FALSE(
      MedianStop(std::vector<double>{99, 99, 99}, kCompleted, false, settings).median.has_value());
  EXPECT_TRUE(MedianStop(std::vector<double>{99, 99, 99, 99}, kCompleted, false, settings).stop);
  settings.start_step = 2;  // at step 2 the median is 3.5
  MedianStopDecision d = MedianStop(std::vector<double>{4, 3.6}, kCompleted, false, settings);
  EXPECT_DOUBLE_EQ(*d.median, 3.5);
  EXPECT_TRUE(d.stop);
  EXPECT_FALSE(MedianStop(std::vector<double>{4, 3.4}, kCompleted, false, settings).stop);
}

TEST(MedianStopTest, NothingIsStoppedWithTooFewCompletedTrials) {
  const Curves two(kCompleted.begin(), kCompleted.begin() + 2);
  MedianStopSettings settings;  // min_trials_required 3
  EXPECT_FALSE(MedianStop(std::vector<double>{99, 99, 99, 99}, two, false, settings).stop);
  settings.min_trials_required = 2;  // median of 2.5 and 5 = 3.75
  MedianStopDecision d = MedianStop(std::vector<double>{9, 9, 9, 3.8}, two, false, settings);
  EXPECT_DOUBLE_EQ(*d.median, 3.75);
  EXPECT_TRUE(d.stop);
  EXPECT_FALSE(MedianStop(std::vector<double>{9, 9, 9, 3.7}, two, false, settings).stop);
}

TEST(MedianStopTest, ShortCompletedTrialsContributeTheAverageOfWhatTheyReported) {
  // At step 4: averages 2 (only 3 values: 3, 2, 1), 5, 1 -> median 2.
  const Curves completed = {{3, 2, 1}, {8, 6, 4, 2}, {1, 1, 1, 1}};
  MedianStopDecision d = MedianStop(std::vector<double>{9, 9, 9, 2.1}, completed, false, {});
  EXPECT_DOUBLE_EQ(*d.median, 2);
  EXPECT_TRUE(d.stop);
}

TEST(MedianStopTest, MaximisedObjectivesStopWhenBelowTheMedian) {
  // Accuracies; running averages at step 4: 0.55, 0.75, 0.35 -> median 0.55.
  const Curves completed = {{0.4, 0.5, 0.6, 0.7}, {0.6, 0.7, 0.8, 0.9}, {0.2, 0.3, 0.4, 0.5}};
  MedianStopDecision d = MedianStop(std::vector<double>{0.1, 0.5, 0.54, 0.3}, completed, true, {});
  EXPECT_DOUBLE_EQ(*d.median, 0.55);
  EXPECT_DOUBLE_EQ(d.best, 0.54);
  EXPECT_TRUE(d.stop);
  EXPECT_FALSE(MedianStop(std::vector<double>{0.1, 0.5, 0.56, 0.3}, completed, true, {}).stop);
}

TEST(MedianStopTest, AnEvenNumberOfCompletedTrialsTakesTheMiddleMean) {
  const Curves completed = {{1, 1, 1, 1}, {2, 2, 2, 2}, {3, 3, 3, 3}, {10, 10, 10, 10}};
  MedianStopDecision d = MedianStop(std::vector<double>{9, 9, 9, 9}, completed, false, {});
  EXPECT_DOUBLE_EQ(*d.median, 2.5);
}

TEST(MedianStopTest, NonFiniteValuesAreIgnored) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // The NaN is not a step: the running trial is at step 3, below start_step.
  EXPECT_FALSE(MedianStop(std::vector<double>{9, nan, 9, 9}, kCompleted, false, {}).stop);
  Curves completed = kCompleted;
  completed.push_back({inf, nan});  // a completed trial without a finite value does not count
  MedianStopDecision d = MedianStop(std::vector<double>{9, 8, 7, 6}, completed, false, {});
  EXPECT_DOUBLE_EQ(*d.median, 2.5);
}

TEST(MedianStopTest, ARunningTrialWithoutValuesIsNeverStopped) {
  MedianStopSettings settings;
  settings.start_step = 0;
  EXPECT_FALSE(MedianStop(std::vector<double>{}, kCompleted, false, settings).stop);
}

}  // namespace
}  // namespace tuneup
