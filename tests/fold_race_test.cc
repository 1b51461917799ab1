// Racing's paired t-test (controller/fold_race.h) against hand-computed cases.
#include "controller/fold_race.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tuneup {
namespace {

std::vector<FoldResult> Folds(std::vector<std::optional<double>> objectives) {
  std::vector<FoldResult> folds;
  for (size_t i = 0; i < objectives.size(); ++i) {
    FoldResult fold;
    fold.index = static_cast<int>(i);
    fold.status = objectives[i] ? TrialStatus::kSucceeded : TrialStatus::kPending;
    fold.objective = objectives[i];
    folds.push_back(fold);
  }
  return folds;
}

const std::vector<FoldResult> kBest = Folds({0.90, 0.95, 0.85, 0.92, 0.88});

TEST(FoldRaceTest, AConsistentlyWorseTrialIsStopped) {
  // Differences -0.1, -0.12, -0.08: mean -0.1, sd 0.02, t = -0.1 / (0.02 / sqrt 3) = -8.66,
  // below -t(0.95, 2) = -2.92.
  auto verdict = RaceVerdict(Folds({0.80, 0.83, 0.77, {}, {}}), kBest, /*maximize=*/true);
  ASSERT_TRUE(verdict);
  EXPECT_THAT(*verdict, ::testing::HasSubstr("raced out after 3 folds"));
  EXPECT_THAT(*verdict, ::testing::HasSubstr("t = -8.66 < -2.92"));
}

TEST(FoldRaceTest, ATrialThatMayStillWinRuns) {
  // Differences -0.1, +0.1, -0.05: mean -0.0167, sd 0.104, t = -0.28.
  EXPECT_FALSE(RaceVerdict(Folds({0.80, 1.05, 0.80, {}, {}}), kBest, true));
  // Better than the best: never stopped.
  EXPECT_FALSE(RaceVerdict(Folds({0.95, 0.99, 0.90, {}, {}}), kBest, true));
  // One fold says nothing.
  EXPECT_FALSE(RaceVerdict(Folds({0.10, {}, {}, {}, {}}), kBest, true));
}

TEST(FoldRaceTest, TwoFoldsStopOnlyATrialFarBehind) {
  // t(0.95, 1) = 6.31. Differences -0.8, -0.84: mean -0.82, sd 0.028, t = -41.
  EXPECT_TRUE(RaceVerdict(Folds({0.10, 0.11, {}, {}, {}}), kBest, true));
  // Differences -0.1, -0.2: mean -0.15, sd 0.071, t = -3.0: not far enough behind yet.
  EXPECT_FALSE(RaceVerdict(Folds({0.80, 0.75, {}, {}, {}}), kBest, true));
}

TEST(FoldRaceTest, EqualDifferencesDecideByTheirSign) {
  EXPECT_TRUE(RaceVerdict(Folds({0.89, 0.94, 0.84, {}, {}}), kBest, true));
  EXPECT_FALSE(RaceVerdict(Folds({0.90, 0.95, 0.85, {}, {}}), kBest, true));
}

TEST(FoldRaceTest, MinimisingFlipsTheSign) {
  // Losses: the trial's are 0.1 higher on every fold, so it is worse when minimising ...
  EXPECT_TRUE(RaceVerdict(Folds({1.00, 1.05, 0.95, {}, {}}), kBest, /*maximize=*/false));
  // ... and better when maximising.
  EXPECT_FALSE(RaceVerdict(Folds({1.00, 1.05, 0.95, {}, {}}), kBest, /*maximize=*/true));
}

TEST(FoldRaceTest, OnlyFoldsBothTrialsFinishedArePaired) {
  std::vector<FoldResult> best = Folds({0.90, {}, 0.85, {}, {}});
  // Fold 1 has no partner: two pairs, differences -0.5 and -0.45.
  auto verdict = RaceVerdict(Folds({0.40, 0.95, 0.40, {}, {}}), best, true);
  ASSERT_TRUE(verdict);
  EXPECT_THAT(*verdict, ::testing::HasSubstr("after 2 folds"));
  RaceSettings strict;
  strict.min_folds = 3;
  EXPECT_FALSE(RaceVerdict(Folds({0.40, 0.95, 0.40, {}, {}}), best, true, strict));
}

}  // namespace
}  // namespace tuneup
