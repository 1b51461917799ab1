#include "suggestion/gp/hyperparameters.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <vector>

#include <nlopt.hpp>

#include "suggestion/rng.h"

namespace tuneup::gp {

namespace {

struct Objective {
  KernelKind kind;
  const Eigen::MatrixXd* X;
  const Eigen::VectorXd* y;
  const Prior* prior;
};

// NLopt minimises: the negative log posterior. An unfactorisable point gets a large value and a
// gradient pointing back towards the prior mode, so L-BFGS retreats instead of stopping.
double NegativeLogPosterior(unsigned n, const double* x, double* grad, void* data) {
  const auto& objective = *static_cast<const Objective*>(data);
  Eigen::Map<const Eigen::VectorXd> packed(x, n);
  Eigen::VectorXd lml_gradient, prior_gradient;
  auto lml = LogMarginalLikelihood(objective.kind, *objective.X, *objective.y,
                                   Hyperparameters::Unpack(packed), grad ? &lml_gradient : nullptr);
  double log_prior = LogPrior(*objective.prior, packed, grad ? &prior_gradient : nullptr);
  if (!lml) {
    if (grad) {
      Eigen::Map<Eigen::VectorXd>(grad, n) = packed - objective.prior->mean;
    }
    return 1e10;
  }
  if (grad) Eigen::Map<Eigen::VectorXd>(grad, n) = -(lml_gradient + prior_gradient);
  return -(*lml + log_prior);
}

// The rows to fit on when there are more than `max_points`: the best quarter by output, the rest
// drawn at random, so the model keeps seeing both the optimum's neighbourhood and the whole space.
std::vector<Eigen::Index> Subset(const Eigen::VectorXd& y, int max_points, Rng& rng) {
  std::vector<Eigen::Index> order(y.size());
  std::iota(order.begin(), order.end(), 0);
  if (y.size() <= max_points) return order;
  std::sort(order.begin(), order.end(),
            [&](Eigen::Index a, Eigen::Index b) { return y[a] < y[b]; });
  const size_t best = static_cast<size_t>(max_points / 4);
  std::vector<Eigen::Index> chosen(order.begin(), order.begin() + best);
  std::vector<Eigen::Index> rest(order.begin() + best, order.end());
  for (size_t i = 0; chosen.size() < static_cast<size_t>(max_points); ++i) {
    auto j = static_cast<size_t>(
        rng.UniformInt(static_cast<int64_t>(i), static_cast<int64_t>(rest.size()) - 1));
    std::swap(rest[i], rest[j]);
    chosen.push_back(rest[i]);
  }
  return chosen;
}

}  // namespace

Prior DefaultPrior(int dimensions) {
  Prior prior;
  const int size = dimensions + 2;
  prior.mean.resize(size);
  prior.sd.resize(size);
  prior.lower.resize(size);
  prior.upper.resize(size);
  for (int j = 0; j < dimensions; ++j) {
    prior.mean[j] = std::log(0.5);
    prior.sd[j] = 1.5;
    prior.lower[j] = std::log(0.01);
    prior.upper[j] = std::log(20.0);
  }
  prior.mean[dimensions] = 0;  // signal variance ~ the standardised outputs' variance
  prior.sd[dimensions] = 1.5;
  prior.lower[dimensions] = std::log(0.01);
  prior.upper[dimensions] = std::log(100.0);
  prior.mean[dimensions + 1] = std::log(1e-3);
  prior.sd[dimensions + 1] = 2.5;
  prior.lower[dimensions + 1] = std::log(1e-8);
  prior.upper[dimensions + 1] = std::log(1.0);
  return prior;
}

double LogPrior(const Prior& prior, const Eigen::VectorXd& packed, Eigen::VectorXd* gradient) {
  Eigen::ArrayXd z = (packed - prior.mean).array() / prior.sd.array();
  if (gradient) *gradient = (-z / prior.sd.array()).matrix();
  return -0.5 * z.square().sum();
}

Hyperparameters FitHyperparameters(KernelKind kind, const Eigen::MatrixXd& X,
                                   const Eigen::VectorXd& y, const FitOptions& options,
                                   const Hyperparameters* previous) {
  const int d = static_cast<int>(X.rows());
  const Prior prior = DefaultPrior(d);
  Rng rng(MixSeed(options.seed, 0x6870));
  std::vector<Eigen::Index> rows = Subset(y, options.max_points, rng);
  Eigen::MatrixXd Xf(d, static_cast<Eigen::Index>(rows.size()));
  Eigen::VectorXd yf(static_cast<Eigen::Index>(rows.size()));
  for (size_t i = 0; i < rows.size(); ++i) {
    Xf.col(static_cast<Eigen::Index>(i)) = X.col(rows[i]);
    yf[static_cast<Eigen::Index>(i)] = y[rows[i]];
  }
  Objective objective{kind, &Xf, &yf, &prior};

  std::vector<Eigen::VectorXd> starts{prior.mean};
  if (previous && previous->log_lengthscales.size() == d) starts.push_back(previous->Pack());
  for (int r = 0; r < options.restarts; ++r) {
    Eigen::VectorXd start(prior.mean.size());
    for (Eigen::Index j = 0; j < start.size(); ++j) {
      start[j] =
          std::clamp(prior.mean[j] + prior.sd[j] * rng.Normal(), prior.lower[j], prior.upper[j]);
    }
    starts.push_back(start);
  }

  const auto n = static_cast<unsigned>(prior.mean.size());
  std::vector<double> lower(prior.lower.data(), prior.lower.data() + n);
  std::vector<double> upper(prior.upper.data(), prior.upper.data() + n);
  double best_value = std::numeric_limits<double>::infinity();
  Eigen::VectorXd best = prior.mean;
  for (const auto& start : starts) {
    nlopt::opt optimiser(nlopt::LD_LBFGS, n);
    optimiser.set_lower_bounds(lower);
    optimiser.set_upper_bounds(upper);
    optimiser.set_min_objective(NegativeLogPosterior, &objective);
    optimiser.set_maxeval(options.max_evaluations);
    optimiser.set_ftol_rel(1e-7);
    std::vector<double> x(start.data(), start.data() + n);
    for (unsigned j = 0; j < n; ++j)
      x[j] = std::clamp(x[j], lower[j], upper[j]);
    double value = std::numeric_limits<double>::infinity();
    try {
      optimiser.optimize(x, value);
    } catch (const std::exception&) {
      // NLopt gives up (round-off, a line search that cannot progress) by throwing; `x` and
      // `value` then hold the best point it reached, which is still a valid candidate.
      value = NegativeLogPosterior(n, x.data(), nullptr, &objective);
    }
    if (std::isfinite(value) && value < best_value) {
      best_value = value;
      best = Eigen::Map<Eigen::VectorXd>(x.data(), n);
    }
  }
  return Hyperparameters::Unpack(best);
}

}  // namespace tuneup::gp
