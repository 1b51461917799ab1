// Acquisition functions: how much a point is worth trying, from the model's posterior there.
//
// Scores are to be maximised and are computed in the model's standardised units for a
// *minimised* objective (maximised objectives are negated before they reach the model), with
// scikit-optimize's definitions and defaults (xi = 0.01, kappa = 1.96):
//   EI  = (best - mu - xi) Phi(z) + sigma phi(z),  z = (best - mu - xi) / sigma
//   PI  = Phi(z)
//   LCB = -(mu - kappa sigma)        (scikit-optimize minimises mu - kappa sigma)
#pragma once

#include <array>
#include <string_view>

namespace tuneup {

enum class AcquisitionKind {
  kExpectedImprovement,
  kProbabilityOfImprovement,
  kLowerConfidenceBound
};

inline constexpr std::array<AcquisitionKind, 3> kAllAcquisitions = {
    AcquisitionKind::kExpectedImprovement, AcquisitionKind::kProbabilityOfImprovement,
    AcquisitionKind::kLowerConfidenceBound};

std::string_view AcquisitionName(AcquisitionKind kind);  // "EI", "PI", "LCB"

struct AcquisitionSettings {
  double xi = 0.01;
  double kappa = 1.96;
};

struct AcquisitionValue {
  double value = 0;
  double d_mean = 0;      // d value / d mean
  double d_variance = 0;  // d value / d variance
};

// The score at a point whose posterior is N(mean, variance); `best` is the lowest standardised
// output observed so far.
AcquisitionValue Acquisition(AcquisitionKind kind, double mean, double variance, double best,
                             const AcquisitionSettings& settings);

}  // namespace tuneup
