// Acquisition functions (suggestion/acquisition.h): values from their closed forms, derivatives
// against finite differences, and the limits at zero variance.
#include "suggestion/acquisition.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace tuneup {
namespace {

constexpr double kPi = 3.14159265358979323846;

double Phi(double z) {
  return 0.5 * std::erfc(-z / std::sqrt(2.0));
}
double phi(double z) {
  return std::exp(-0.5 * z * z) / std::sqrt(2 * kPi);
}

TEST(AcquisitionTest, ValuesFollowScikitOptimizesDefinitions) {
  AcquisitionSettings settings;  // xi 0.01, kappa 1.96
  const double mean = 0.3, variance = 0.49, best = 0.5, sigma = 0.7;
  const double improvement = best - mean - settings.xi, z = improvement / sigma;
  EXPECT_NEAR(
      Acquisition(AcquisitionKind::kExpectedImprovement, mean, variance, best, settings).value,
      improvement * Phi(z) + sigma * phi(z), 1e-15);
  EXPECT_NEAR(
      Acquisition(AcquisitionKind::kProbabilityOfImprovement, mean, variance, best, settings).value,
      Phi(z), 1e-15);
  EXPECT_NEAR(
      Acquisition(AcquisitionKind::kLowerConfidenceBound, mean, variance, best, settings).value,
      -(mean - 1.96 * sigma), 1e-15);
}

TEST(AcquisitionTest, SettingsChangeTheTradeOff) {
  AcquisitionSettings cautious, bold;
  bold.xi = 0.5;
  bold.kappa = 5;
  // A larger xi demands more improvement; a larger kappa values uncertainty more.
  EXPECT_LT(Acquisition(AcquisitionKind::kExpectedImprovement, 0, 1, 0, bold).value,
            Acquisition(AcquisitionKind::kExpectedImprovement, 0, 1, 0, cautious).value);
  EXPECT_LT(Acquisition(AcquisitionKind::kProbabilityOfImprovement, 0, 1, 0, bold).value,
            Acquisition(AcquisitionKind::kProbabilityOfImprovement, 0, 1, 0, cautious).value);
  EXPECT_GT(Acquisition(AcquisitionKind::kLowerConfidenceBound, 0, 1, 0, bold).value,
            Acquisition(AcquisitionKind::kLowerConfidenceBound, 0, 1, 0, cautious).value);
}

TEST(AcquisitionTest, DerivativesMatchFiniteDifferences) {
  AcquisitionSettings settings;
  const double h = 1e-6;
  for (AcquisitionKind kind : kAllAcquisitions) {
    for (double mean : {-1.5, -0.2, 0.0, 0.4, 2.0}) {
      for (double variance : {0.01, 0.3, 1.0, 4.0}) {
        const double best = -0.1;
        AcquisitionValue at = Acquisition(kind, mean, variance, best, settings);
        double d_mean = (Acquisition(kind, mean + h, variance, best, settings).value -
                         Acquisition(kind, mean - h, variance, best, settings).value) /
                        (2 * h);
        double d_variance = (Acquisition(kind, mean, variance + h, best, settings).value -
                             Acquisition(kind, mean, variance - h, best, settings).value) /
                            (2 * h);
        EXPECT_NEAR(at.d_mean, d_mean, 1e-6 * std::max(1.0, std::abs(d_mean)))
            << AcquisitionName(kind) << " mean " << mean << " variance " << variance;
        EXPECT_NEAR(at.d_variance, d_variance, 1e-6 * std::max(1.0, std::abs(d_variance)))
            << AcquisitionName(kind) << " mean " << mean << " variance " << variance;
      }
    }
  }
}

TEST(AcquisitionTest, ImprovementAcquisitionsGrowAsTheMeanFalls) {
  AcquisitionSettings settings;
  for (AcquisitionKind kind : kAllAcquisitions) {
    double previous = -std::numeric_limits<double>::infinity();
    for (double mean = 2; mean >= -2; mean -= 0.25) {
      double value = Acquisition(kind, mean, 0.5, 0, settings).value;
      EXPECT_GT(value, previous) << AcquisitionName(kind);
      previous = value;
    }
  }
}

TEST(AcquisitionTest, ACertainPointIsWorthExactlyItsImprovement) {
  AcquisitionSettings settings;
  settings.xi = 0;
  EXPECT_EQ(Acquisition(AcquisitionKind::kExpectedImprovement, -0.5, 0, 0, settings).value, 0.5);
  EXPECT_EQ(Acquisition(AcquisitionKind::kExpectedImprovement, 0.5, 0, 0, settings).value, 0);
  EXPECT_EQ(Acquisition(AcquisitionKind::kProbabilityOfImprovement, -0.5, 0, 0, settings).value, 1);
  EXPECT_EQ(Acquisition(AcquisitionKind::kProbabilityOfImprovement, 0.5, 0, 0, settings).value, 0);
  EXPECT_EQ(Acquisition(AcquisitionKind::kLowerConfidenceBound, 0.5, 0, 0, settings).value, -0.5);
  // A negative variance (rounding in the posterior) counts as zero, never NaN.
  for (AcquisitionKind kind : kAllAcquisitions) {
    EXPECT_FALSE(std::isnan(Acquisition(kind, 0.1, -1e-18, 0, settings).value));
  }
}

TEST(AcquisitionTest, Names) {
  EXPECT_EQ(AcquisitionName(AcquisitionKind::kExpectedImprovement), "EI");
  EXPECT_EQ(AcquisitionName(AcquisitionKind::kProbabilityOfImprovement), "PI");
  EXPECT_EQ(AcquisitionName(AcquisitionKind::kLowerConfidenceBound), "LCB");
}

}  // namespace
}  // namespace tuneup
