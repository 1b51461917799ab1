#include "suggestion/acquisition.h"

#include <cmath>

#include "suggestion/normal.h"

namespace tuneup {

namespace {
// Below this standard deviation the posterior is treated as certain (avoids 0/0).
constexpr double kMinSigma = 1e-12;
}  // namespace

std::string_view AcquisitionName(AcquisitionKind kind) {
  switch (kind) {
    case AcquisitionKind::kExpectedImprovement:
      return "EI";
    case AcquisitionKind::kProbabilityOfImprovement:
      return "PI";
    case AcquisitionKind::kLowerConfidenceBound:
      return "LCB";
  }
  return "?";
}

AcquisitionValue Acquisition(AcquisitionKind kind, double mean, double variance, double best,
                             const AcquisitionSettings& settings) {
  AcquisitionValue out;
  const double sigma = std::sqrt(std::max(variance, 0.0));
  const double improvement = best - mean - settings.xi;
  if (kind == AcquisitionKind::kLowerConfidenceBound) {
    out.value = -mean + settings.kappa * sigma;
    out.d_mean = -1;
    out.d_variance = sigma > kMinSigma ? settings.kappa / (2 * sigma) : 0;
    return out;
  }
  if (sigma < kMinSigma) {
    if (kind == AcquisitionKind::kExpectedImprovement) {
      out.value = std::max(improvement, 0.0);
      out.d_mean = improvement > 0 ? -1 : 0;
    } else {
      out.value = improvement > 0 ? 1 : 0;
    }
    return out;
  }
  const double z = improvement / sigma;
  const double cdf = NormalCdf(z);
  const double pdf = NormalPdf(z);
  // d sigma / d variance = 1 / (2 sigma)
  if (kind == AcquisitionKind::kExpectedImprovement) {
    out.value = improvement * cdf + sigma * pdf;
    out.d_mean = -cdf;
    out.d_variance = pdf / (2 * sigma);
  } else {
    out.value = cdf;
    out.d_mean = -pdf / sigma;
    out.d_variance = -pdf * z / sigma / (2 * sigma);
  }
  return out;
}

}  // namespace tuneup
