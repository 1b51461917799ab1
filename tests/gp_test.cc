// The Gaussian process: gradients against finite differences, the posterior against an
// independent reference, incremental updates against refactorising, hyperparameter fitting.
#include "suggestion/gp/gaussian_process.h"

#include <cmath>

#include <gtest/gtest.h>
#include <Eigen/Dense>

#include "suggestion/gp/hyperparameters.h"
#include "suggestion/rng.h"

namespace tuneup::gp {
namespace {

Eigen::MatrixXd RandomPoints(int d, int n, uint64_t seed) {
  Rng rng(seed);
  Eigen::MatrixXd X(d, n);
  for (int j = 0; j < n; ++j) {
    for (int i = 0; i < d; ++i)
      X(i, j) = rng.Uniform01();
  }
  return X;
}

double TestFunction(const Eigen::VectorXd& x) {
  double value = 0;
  for (Eigen::Index i = 0; i < x.size(); ++i)
    value += std::sin(3 * x[i] + i) * (i + 1);
  return value;
}

Eigen::VectorXd Outputs(const Eigen::MatrixXd& X) {
  Eigen::VectorXd y(X.cols());
  for (Eigen::Index j = 0; j < X.cols(); ++j)
    y[j] = TestFunction(X.col(j));
  return y;
}

Hyperparameters SomeHyperparameters(int d, double noise = 1e-3) {
  Hyperparameters h;
  h.log_lengthscales.resize(d);
  for (int i = 0; i < d; ++i)
    h.log_lengthscales[i] = std::log(0.3 + 0.1 * i);
  h.log_signal_variance = std::log(1.7);
  h.log_noise_variance = std::log(noise);
  return h;
}

// The kernel written out from its definition, independently of the library's vectorised code.
double ReferenceKernel(KernelKind kind, const Hyperparameters& h, const Eigen::VectorXd& a,
                       const Eigen::VectorXd& b) {
  double r2 = 0;
  for (Eigen::Index i = 0; i < a.size(); ++i) {
    double l = std::exp(h.log_lengthscales[i]);
    r2 += (a[i] - b[i]) * (a[i] - b[i]) / (l * l);
  }
  double s = std::exp(h.log_signal_variance);
  if (kind == KernelKind::kRbf) return s * std::exp(-0.5 * r2);
  double r = std::sqrt(r2);
  return s * (1 + std::sqrt(5.0) * r + 5.0 / 3.0 * r2) * std::exp(-std::sqrt(5.0) * r);
}

// Textbook GP posterior with an explicit inverse (Rasmussen & Williams, eq. 2.25-2.26).
void ReferencePosterior(KernelKind kind, const Hyperparameters& h, const Eigen::MatrixXd& X,
                        const Eigen::VectorXd& y_standardised, const Eigen::VectorXd& z,
                        double& mean, double& variance) {
  const Eigen::Index n = X.cols();
  Eigen::MatrixXd K(n, n);
  Eigen::VectorXd k(n);
  for (Eigen::Index a = 0; a < n; ++a) {
    for (Eigen::Index b = 0; b < n; ++b)
      K(a, b) = ReferenceKernel(kind, h, X.col(a), X.col(b));
    K(a, a) += std::exp(h.log_noise_variance);
    k[a] = ReferenceKernel(kind, h, X.col(a), z);
  }
  Eigen::MatrixXd inverse = K.fullPivLu().inverse();
  mean = k.dot(inverse * y_standardised);
  variance = ReferenceKernel(kind, h, z, z) - k.dot(inverse * k);
}

Eigen::VectorXd Standardised(const Eigen::VectorXd& y) {
  double mean = y.mean();
  double sd = std::sqrt((y.array() - mean).square().sum() / static_cast<double>(y.size() - 1));
  return (y.array() - mean) / sd;
}

class GaussianProcessTest : public ::testing::TestWithParam<KernelKind> {};

TEST_P(GaussianProcessTest, KernelMatrixMatchesTheDefinition) {
  Hyperparameters h = SomeHyperparameters(3);
  Eigen::MatrixXd A = RandomPoints(3, 5, 1), B = RandomPoints(3, 7, 2);
  Eigen::MatrixXd K = KernelMatrix(GetParam(), h, A, B);
  for (int a = 0; a < 5; ++a) {
    for (int b = 0; b < 7; ++b) {
      EXPECT_NEAR(K(a, b), ReferenceKernel(GetParam(), h, A.col(a), B.col(b)), 1e-12);
    }
  }
}

TEST_P(GaussianProcessTest, PosteriorEqualsTheTextbookFormula) {
  const int d = 3;
  Eigen::MatrixXd X = RandomPoints(d, 25, 3);
  Eigen::VectorXd y = Outputs(X);
  Hyperparameters h = SomeHyperparameters(d);
  GaussianProcess gp(GetParam(), d);
  gp.Fit(X, y, h);
  Eigen::MatrixXd Z = RandomPoints(d, 10, 4);
  Eigen::VectorXd mean, variance;
  gp.Predict(Z, mean, variance);
  Eigen::VectorXd ys = Standardised(y);
  for (int j = 0; j < 10; ++j) {
    double ref_mean, ref_variance;
    ReferencePosterior(GetParam(), h, X, ys, Z.col(j), ref_mean, ref_variance);
    EXPECT_NEAR(mean[j], ref_mean, 1e-8);
    EXPECT_NEAR(variance[j], ref_variance, 1e-8);
    // The objective's units: the standardisation undone.
    EXPECT_NEAR(gp.Unstandardise(mean[j]), ref_mean * gp.output_scale() + y.mean(), 1e-8);
  }
}

TEST_P(GaussianProcessTest, MeanInterpolatesNoiselessData) {
  const int d = 2;
  Eigen::MatrixXd X = RandomPoints(d, 15, 5);
  Eigen::VectorXd y = Outputs(X);
  GaussianProcess gp(GetParam(), d);
  gp.Fit(X, y, SomeHyperparameters(d, 1e-10));
  Eigen::VectorXd mean, variance;
  gp.Predict(X, mean, variance);
  for (int j = 0; j < 15; ++j) {
    EXPECT_NEAR(gp.Unstandardise(mean[j]), y[j], 1e-4);
    EXPECT_LT(variance[j], 1e-4);
  }
}

TEST_P(GaussianProcessTest, PredictionGradientsMatchFiniteDifferences) {
  const int d = 3;
  Eigen::MatrixXd X = RandomPoints(d, 20, 6);
  GaussianProcess gp(GetParam(), d);
  gp.Fit(X, Outputs(X), SomeHyperparameters(d));
  Eigen::MatrixXd Z = RandomPoints(d, 5, 7);
  for (int j = 0; j < 5; ++j) {
    double mean, variance;
    Eigen::VectorXd d_mean, d_variance;
    gp.PredictWithGradient(Z.col(j), mean, variance, d_mean, d_variance);
    Eigen::VectorXd m, v;
    gp.Predict(Z.col(j), m, v);
    EXPECT_NEAR(mean, m[0], 1e-10);
    EXPECT_NEAR(variance, v[0], 1e-10);
    for (int i = 0; i < d; ++i) {
      const double step = 1e-6;
      Eigen::VectorXd up = Z.col(j), down = Z.col(j);
      up[i] += step;
      down[i] -= step;
      Eigen::VectorXd mu_up, mu_down, var_up, var_down;
      gp.Predict(up, mu_up, var_up);
      gp.Predict(down, mu_down, var_down);
      EXPECT_NEAR(d_mean[i], (mu_up[0] - mu_down[0]) / (2 * step), 1e-5);
      EXPECT_NEAR(d_variance[i], (var_up[0] - var_down[0]) / (2 * step), 1e-5);
    }
  }
}

TEST_P(GaussianProcessTest, LogMarginalLikelihoodGradientMatchesFiniteDifferences) {
  const int d = 3;
  Eigen::MatrixXd X = RandomPoints(d, 30, 8);
  Eigen::VectorXd y = Standardised(Outputs(X));
  for (double noise : {1e-6, 1e-3, 0.1}) {
    Hyperparameters h = SomeHyperparameters(d, noise);
    Eigen::VectorXd gradient;
    auto value = LogMarginalLikelihood(GetParam(), X, y, h, &gradient);
    ASSERT_TRUE(value);
    Eigen::VectorXd packed = h.Pack();
    for (Eigen::Index i = 0; i < packed.size(); ++i) {
      const double step = 1e-5;
      Eigen::VectorXd up = packed, down = packed;
      up[i] += step;
      down[i] -= step;
      double numeric =
          (*LogMarginalLikelihood(GetParam(), X, y, Hyperparameters::Unpack(up), nullptr) -
           *LogMarginalLikelihood(GetParam(), X, y, Hyperparameters::Unpack(down), nullptr)) /
          (2 * step);
      EXPECT_NEAR(gradient[i], numeric, 1e-4 * std::max(1.0, std::abs(numeric)))
          << "parameter " << i << " noise " << noise;
    }
  }
}

TEST_P(GaussianProcessTest, LogMarginalLikelihoodMatchesTheDefinition) {
  const int d = 2;
  Eigen::MatrixXd X = RandomPoints(d, 12, 9);
  Eigen::VectorXd y = Standardised(Outputs(X));
  Hyperparameters h = SomeHyperparameters(d);
  Eigen::MatrixXd K(12, 12);
  for (int a = 0; a < 12; ++a) {
    for (int b = 0; b < 12; ++b)
      K(a, b) = ReferenceKernel(GetParam(), h, X.col(a), X.col(b));
    K(a, a) += std::exp(h.log_noise_variance);
  }
  double expected = -0.5 * y.dot(K.fullPivLu().solve(y)) - 0.5 * std::log(K.determinant()) -
                    6 * std::log(2 * M_PI);
  EXPECT_NEAR(*LogMarginalLikelihood(GetParam(), X, y, h, nullptr), expected, 1e-8);
}

TEST_P(GaussianProcessTest, AddEqualsRefactorisingWithTheSameStandardisation) {
  const int d = 3;
  Eigen::MatrixXd X = RandomPoints(d, 30, 10);
  Eigen::VectorXd y = Outputs(X);
  Hyperparameters h = SomeHyperparameters(d);
  GaussianProcess incremental(GetParam(), d);
  incremental.Fit(X.leftCols(20), y.head(20), h);
  for (int j = 20; j < 30; ++j)
    incremental.Add(X.col(j), y[j]);
  ASSERT_EQ(incremental.size(), 30);
  // Reference: all 30 points, standardised with the first 20's mean and scale (as Add does).
  Eigen::VectorXd ys(30);
  for (int j = 0; j < 30; ++j)
    ys[j] = incremental.Standardise(y[j]);
  Eigen::MatrixXd Z = RandomPoints(d, 8, 11);
  Eigen::VectorXd mean, variance;
  incremental.Predict(Z, mean, variance);
  for (int j = 0; j < 8; ++j) {
    double ref_mean, ref_variance;
    ReferencePosterior(GetParam(), h, X, ys, Z.col(j), ref_mean, ref_variance);
    EXPECT_NEAR(mean[j], ref_mean, 1e-8);
    EXPECT_NEAR(variance[j], ref_variance, 1e-8);
  }
}

TEST_P(GaussianProcessTest, TruncateForgetsFantasiesExactly) {
  const int d = 2;
  Eigen::MatrixXd X = RandomPoints(d, 20, 12);
  GaussianProcess gp(GetParam(), d);
  // Noisy data: a fantasy must still pin the model down where it is.
  gp.Fit(X, Outputs(X), SomeHyperparameters(d, /*noise=*/0.1));
  Eigen::MatrixXd Z = RandomPoints(d, 6, 13);
  Eigen::VectorXd before_mean, before_variance;
  gp.Predict(Z, before_mean, before_variance);
  Eigen::VectorXd belief = RandomPoints(d, 1, 14).col(0);
  Eigen::VectorXd at_belief_mean, at_belief_variance;
  gp.Predict(belief, at_belief_mean, at_belief_variance);
  gp.AddBelief(belief);
  Eigen::VectorXd after_mean, after_variance;
  gp.Predict(belief, after_mean, after_variance);
  // Kriging believer: the mean at the fantasy stays, and it is a noiseless observation: the
  // latent variance there drops to (nearly) zero, far below the noise variance.
  EXPECT_NEAR(after_mean[0], at_belief_mean[0], 1e-6);
  EXPECT_GT(at_belief_variance[0], 1e-3);
  EXPECT_LT(after_variance[0], 1e-6);
  // Screening treats it the same way, and stays an upper bound.
  Eigen::VectorXd screened_mean, bound;
  gp.Screen(belief, 8, screened_mean, bound);
  EXPECT_LT(bound[0], 1e-6);
  EXPECT_GE(bound[0], after_variance[0] - 1e-12);
  gp.Truncate(20);
  Eigen::VectorXd mean, variance;
  gp.Predict(Z, mean, variance);
  EXPECT_LT((mean - before_mean).cwiseAbs().maxCoeff(), 1e-12);
  EXPECT_LT((variance - before_variance).cwiseAbs().maxCoeff(), 1e-12);
}

TEST_P(GaussianProcessTest, ScreeningApproximatesTheMeanAndBoundsTheVariance) {
  const int d = 3;
  Eigen::MatrixXd X = RandomPoints(d, 200, 15);
  GaussianProcess gp(GetParam(), d);
  gp.Fit(X, Outputs(X), SomeHyperparameters(d));
  Eigen::MatrixXd Z = RandomPoints(d, 50, 16);
  Eigen::VectorXd mean, variance, screened_mean, bound;
  gp.Predict(Z, mean, variance);
  gp.Screen(Z, 24, screened_mean, bound);
  for (int j = 0; j < 50; ++j) {
    EXPECT_GE(bound[j], variance[j] - 1e-12);
    // The nearest 24 of 200 points carry most of what the data say about a point's mean (in
    // standardised units: a tenth of the outputs' spread at worst, far less on average).
    EXPECT_NEAR(screened_mean[j], mean[j], 0.1) << j;
  }
  EXPECT_LT((screened_mean - mean).cwiseAbs().mean(), 0.02);
  // With every observation as a neighbour, the screening posterior is the exact one.
  gp.Screen(Z, 200, screened_mean, bound);
  EXPECT_LT((bound - variance).cwiseAbs().maxCoeff(), 1e-8);
  EXPECT_LT((screened_mean - mean).cwiseAbs().maxCoeff(), 1e-8);
}

TEST_P(GaussianProcessTest, LocalModelAgreesNearItsCenter) {
  const int d = 2;
  Eigen::MatrixXd X = RandomPoints(d, 400, 17);
  GaussianProcess gp(GetParam(), d);
  Hyperparameters h = SomeHyperparameters(d);
  h.log_lengthscales.setConstant(std::log(0.1));
  gp.Fit(X, Outputs(X), h);
  Eigen::VectorXd center = RandomPoints(d, 1, 18).col(0);
  GaussianProcess local = gp.Local(center, 150);
  EXPECT_EQ(local.size(), 150);
  Eigen::VectorXd m1, v1, m2, v2;
  gp.Predict(center, m1, v1);
  local.Predict(center, m2, v2);
  EXPECT_NEAR(m1[0], m2[0], 1e-3);
  EXPECT_NEAR(v1[0], v2[0], 1e-3);
}

TEST_P(GaussianProcessTest, DuplicatePointsStillFactorise) {
  const int d = 2;
  Eigen::MatrixXd X(d, 6);
  X << 0.5, 0.5, 0.5, 0.2, 0.2, 0.9, 0.5, 0.5, 0.5, 0.3, 0.3, 0.1;
  Eigen::VectorXd y(6);
  y << 1, 1.01, 0.99, 2, 2, 3;
  GaussianProcess gp(GetParam(), d);
  gp.Fit(X, y, SomeHyperparameters(d, 1e-12));
  gp.Add(X.col(0), 1.0);  // and once more, incrementally
  Eigen::VectorXd mean, variance;
  gp.Predict(RandomPoints(d, 5, 19), mean, variance);
  EXPECT_TRUE(mean.allFinite());
  EXPECT_TRUE(variance.allFinite());
  EXPECT_TRUE((variance.array() >= 0).all());
}

INSTANTIATE_TEST_SUITE_P(Kernels, GaussianProcessTest,
                         ::testing::Values(KernelKind::kMatern52, KernelKind::kRbf),
                         [](const auto& info) {
                           return info.param == KernelKind::kMatern52 ? "Matern52" : "Rbf";
                         });

TEST(HyperparameterFitTest, LogPriorGradientMatchesFiniteDifferences) {
  Prior prior = DefaultPrior(3);
  Eigen::VectorXd x = prior.mean + Eigen::VectorXd::Constant(5, 0.3);
  Eigen::VectorXd gradient;
  LogPrior(prior, x, &gradient);
  for (int i = 0; i < 5; ++i) {
    Eigen::VectorXd up = x, down = x;
    up[i] += 1e-6;
    down[i] -= 1e-6;
    EXPECT_NEAR(gradient[i], (LogPrior(prior, up, nullptr) - LogPrior(prior, down, nullptr)) / 2e-6,
                1e-6);
  }
}

TEST(HyperparameterFitTest, FindsTheRelevantDimensionAndSmallNoise) {
  // y depends on x0 only: ARD should give x1 a much longer length scale, and the noise of
  // noiseless data should end up small.
  Eigen::MatrixXd X = RandomPoints(2, 40, 20);
  Eigen::VectorXd y(40);
  for (int j = 0; j < 40; ++j)
    y[j] = std::sin(6 * X(0, j));
  Eigen::VectorXd ys = Standardised(y);
  FitOptions options;
  options.seed = 1;
  Hyperparameters h = FitHyperparameters(KernelKind::kMatern52, X, ys, options);
  EXPECT_LT(h.log_lengthscales[0], std::log(1.0));
  EXPECT_GT(h.log_lengthscales[1], h.log_lengthscales[0] + std::log(3.0));
  EXPECT_LT(h.log_noise_variance, std::log(1e-2));
  // The fit is at least as likely as the prior's mode.
  Prior prior = DefaultPrior(2);
  double fitted = *LogMarginalLikelihood(KernelKind::kMatern52, X, ys, h, nullptr) +
                  LogPrior(prior, h.Pack(), nullptr);
  double at_mode = *LogMarginalLikelihood(KernelKind::kMatern52, X, ys,
                                          Hyperparameters::Unpack(prior.mean), nullptr) +
                   LogPrior(prior, prior.mean, nullptr);
  EXPECT_GE(fitted, at_mode);
}

TEST(HyperparameterFitTest, StaysInsideTheBoundsOnDegenerateData) {
  Eigen::MatrixXd X = RandomPoints(3, 10, 21);
  Eigen::VectorXd constant = Eigen::VectorXd::Zero(10);
  FitOptions options;
  Hyperparameters h = FitHyperparameters(KernelKind::kMatern52, X, constant, options);
  Prior prior = DefaultPrior(3);
  Eigen::VectorXd packed = h.Pack();
  EXPECT_TRUE(packed.allFinite());
  EXPECT_TRUE((packed.array() >= prior.lower.array() - 1e-12).all());
  EXPECT_TRUE((packed.array() <= prior.upper.array() + 1e-12).all());
}

TEST(HyperparameterFitTest, IsReproducibleForASeed) {
  Eigen::MatrixXd X = RandomPoints(4, 60, 22);
  Eigen::VectorXd y = Standardised(Outputs(X));
  FitOptions options;
  options.seed = 7;
  options.max_points = 40;  // exercise the subset too
  Hyperparameters a = FitHyperparameters(KernelKind::kMatern52, X, y, options);
  Hyperparameters b = FitHyperparameters(KernelKind::kMatern52, X, y, options);
  EXPECT_EQ(a.Pack(), b.Pack());
}

}  // namespace
}  // namespace tuneup::gp
