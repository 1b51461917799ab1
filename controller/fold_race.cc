#include "controller/fold_race.h"

#include <cmath>
#include <cstdio>

#include <boost/math/distributions/students_t.hpp>

#include "api/cross_validation.h"

namespace tuneup {

std::optional<std::string> RaceVerdict(const std::vector<FoldResult>& folds,
                                       const std::vector<FoldResult>& best_folds, bool maximize,
                                       const RaceSettings& settings) {
  std::vector<double> differences;
  for (const auto& fold : folds) {
    if (fold.status != TrialStatus::kSucceeded || !fold.objective) continue;
    const auto index = static_cast<size_t>(fold.index);
    if (index >= best_folds.size()) continue;
    const FoldResult& best = best_folds[index];
    if (best.status != TrialStatus::kSucceeded || !best.objective) continue;
    differences.push_back(maximize ? *fold.objective - *best.objective
                                   : *best.objective - *fold.objective);
  }
  const int n = static_cast<int>(differences.size());
  if (n < settings.min_folds || n < 2) return std::nullopt;
  const Spread spread = SpreadOf(differences);
  bool loses = false;
  double t = 0;
  const boost::math::students_t distribution(n - 1);
  const double critical = boost::math::quantile(distribution, settings.confidence);
  if (spread.sd == 0) {
    loses = spread.mean < 0;
  } else {
    t = spread.mean / (spread.sd / std::sqrt(static_cast<double>(n)));
    loses = t < -critical;
  }
  if (!loses) return std::nullopt;
  char text[256];
  std::snprintf(text, sizeof(text),
                "raced out after %d folds: worse by %.4g on average per fold (paired t = %.3g < "
                "-%.3g, %.0f%% confidence)",
                n, -spread.mean, t, critical, settings.confidence * 100);
  return std::string(text);
}

}  // namespace tuneup
