// Racing a cross-validated trial (tuneup.dev/cv-race): stopping its remaining folds once the folds
// it has finished show that it cannot beat the best trial.
//
// The test is a one-sided paired t-test on the folds both trials have finished. Fold i of every
// trial is evaluated on the same split (the same fold of the same repeat), so the differences
// d_i = (trial's objective - best's objective) on fold i, signed so that positive means "the
// trial is better", remove the part of the spread that comes from some folds being easier than
// others. With n >= min_folds differences of mean m and sample standard deviation s, the trial is
// stopped when
//     m / (s / sqrt(n)) < -t(confidence, n - 1)
// (t the Student-t quantile): the hypothesis "the trial is at least as good as the best on
// average" is rejected at that confidence. When every difference is the same (s = 0) it is
// stopped if that difference is negative. Two folds are enough: the t quantile with one degree of
// freedom (6.31 at 95%) keeps the same confidence, so only a trial far behind on both folds is
// stopped that early.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/trial.h"

namespace tuneup {

struct RaceSettings {
  double confidence = 0.95;
  int min_folds = 2;
};

// Why `folds` (a running trial's) lose to `best_folds` (the best finished trial's), or nullopt
// while they may still win. `maximize` is the objective's direction.
std::optional<std::string> RaceVerdict(const std::vector<FoldResult>& folds,
                                       const std::vector<FoldResult>& best_folds, bool maximize,
                                       const RaceSettings& settings = {});

}  // namespace tuneup
