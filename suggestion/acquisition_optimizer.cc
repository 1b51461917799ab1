#include "suggestion/acquisition_optimizer.h"

#include <algorithm>
#include <cstddef>
#include <numeric>
#include <optional>
#include <vector>

#include <nlopt.hpp>

#include "suggestion/rng.h"
#include "suggestion/sobol.h"

namespace tuneup {

namespace {

struct ClimbData {
  const gp::GaussianProcess* model;
  AcquisitionKind kind;
  const AcquisitionSettings* settings;
  double best;
};

// NLopt minimises: the negative acquisition and its gradient in the point.
double NegativeAcquisition(unsigned n, const double* x, double* grad, void* data) {
  const auto& climb = *static_cast<const ClimbData*>(data);
  Eigen::Map<const Eigen::VectorXd> point(x, n);
  double mean = 0, variance = 0;
  Eigen::VectorXd d_mean, d_variance;
  climb.model->PredictWithGradient(point, mean, variance, d_mean, d_variance);
  AcquisitionValue a = Acquisition(climb.kind, mean, variance, climb.best, *climb.settings);
  if (grad) {
    Eigen::Map<Eigen::VectorXd>(grad, n) = -(a.d_mean * d_mean + a.d_variance * d_variance);
  }
  return -a.value;
}

}  // namespace

CandidatePool MakeCandidates(const gp::GaussianProcess& model, const SpaceTransform& space,
                             const CandidateOptions& options) {
  const int d = space.dimensions();
  Rng rng(MixSeed(options.seed, 0x63616e64));
  // The incumbents: the observations with the lowest outputs.
  const int n = model.size();
  std::vector<int> order(n);
  std::iota(order.begin(), order.end(), 0);
  const int incumbents = std::min(options.incumbents, n);
  auto outputs = model.standardised_outputs();
  std::partial_sort(order.begin(), order.begin() + incumbents, order.end(),
                    [&](int a, int b) { return outputs[a] < outputs[b]; });
  const int local = incumbents > 0 ? options.local : 0;
  CandidatePool pool;
  pool.points.resize(d, options.global + local);
  if (d <= SobolSequence::kMaxDimensions) {
    SobolSequence sobol(d, rng.NextU64());
    for (int i = 0; i < options.global; ++i)
      sobol.Point(static_cast<uint64_t>(i), pool.points.col(i).data());
  } else {
    for (int i = 0; i < options.global; ++i) {
      for (int j = 0; j < d; ++j)
        pool.points(j, i) = rng.Uniform01();
    }
  }
  auto inputs = model.inputs();
  for (int i = 0; i < local; ++i) {
    const Eigen::VectorXd& center = inputs.col(order[i % incumbents]);
    for (int j = 0; j < d; ++j) {
      pool.points(j, options.global + i) =
          std::clamp(center[j] + options.local_scale * rng.Normal(), 0.0, 1.0);
    }
  }
  for (Eigen::Index i = 0; i < pool.points.cols(); ++i) {
    pool.points.col(i) = space.Snap(pool.points.col(i));
  }
  const bool exact = model.size() <= options.exact_up_to;
  if (exact) {
    model.Predict(pool.points, pool.mean, pool.variance);
  } else {
    model.Screen(pool.points, options.neighbours, pool.mean, pool.variance);
  }
  pool.exact.assign(static_cast<size_t>(pool.points.cols()), exact);
  return pool;
}

std::vector<ScoredPoint> RankCandidates(const gp::GaussianProcess& model,
                                        const SpaceTransform& space, CandidatePool& pool,
                                        AcquisitionKind kind, const AcquisitionSettings& settings,
                                        double best, size_t keep, const PolishOptions* polish,
                                        int refine) {
  const auto m = static_cast<size_t>(pool.points.cols());
  auto score = [&](size_t i) {
    return Acquisition(kind, pool.mean[static_cast<Eigen::Index>(i)],
                       pool.variance[static_cast<Eigen::Index>(i)], best, settings)
        .value;
  };
  std::vector<size_t> order(m);
  std::iota(order.begin(), order.end(), 0);
  std::vector<double> scores(m);
  for (size_t i = 0; i < m; ++i)
    scores[i] = score(i);
  // The best screened candidates get their exact posterior (computed once per pool).
  const size_t top = std::min(static_cast<size_t>(std::max(refine, 0)), m);
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top), order.end(),
                    [&](size_t a, size_t b) { return scores[a] > scores[b]; });
  std::vector<Eigen::Index> inexact;
  for (size_t r = 0; r < top; ++r) {
    if (!pool.exact[order[r]]) inexact.push_back(static_cast<Eigen::Index>(order[r]));
  }
  if (!inexact.empty()) {
    Eigen::MatrixXd points(pool.points.rows(), static_cast<Eigen::Index>(inexact.size()));
    for (size_t i = 0; i < inexact.size(); ++i) {
      points.col(static_cast<Eigen::Index>(i)) = pool.points.col(inexact[i]);
    }
    Eigen::VectorXd mean, variance;
    model.Predict(points, mean, variance);
    for (size_t i = 0; i < inexact.size(); ++i) {
      pool.mean[inexact[i]] = mean[static_cast<Eigen::Index>(i)];
      pool.variance[inexact[i]] = variance[static_cast<Eigen::Index>(i)];
      pool.exact[static_cast<size_t>(inexact[i])] = true;
      scores[static_cast<size_t>(inexact[i])] = score(static_cast<size_t>(inexact[i]));
    }
  }
  std::vector<ScoredPoint> scored;
  scored.reserve(m);
  for (size_t i = 0; i < m; ++i) {
    scored.push_back({pool.points.col(static_cast<Eigen::Index>(i)), scores[i]});
  }
  auto by_score = [](const ScoredPoint& a, const ScoredPoint& b) { return a.score > b.score; };
  if (polish && polish->starts > 0 && !scored.empty()) {
    size_t starts = std::min(static_cast<size_t>(polish->starts), scored.size());
    std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(starts),
                      scored.end(), by_score);
    const auto d = static_cast<unsigned>(space.dimensions());
    for (size_t s = 0; s < starts; ++s) {
      std::optional<gp::GaussianProcess> local;
      if (model.size() > polish->local_size) local = model.Local(scored[s].x, polish->local_size);
      ClimbData climb{local ? &*local : &model, kind, &settings, best};
      nlopt::opt optimiser(nlopt::LD_LBFGS, d);
      optimiser.set_lower_bounds(std::vector<double>(d, 0.0));
      optimiser.set_upper_bounds(std::vector<double>(d, 1.0));
      optimiser.set_min_objective(NegativeAcquisition, &climb);
      optimiser.set_maxeval(polish->max_evaluations);
      optimiser.set_xtol_rel(1e-6);
      std::vector<double> x(scored[s].x.data(), scored[s].x.data() + d);
      double value = 0;
      try {
        optimiser.optimize(x, value);
      } catch (const std::exception&) {
        // Round-off or a stalled line search: x holds the best point reached.
      }
      Eigen::VectorXd snapped = space.Snap(Eigen::Map<Eigen::VectorXd>(x.data(), d));
      Eigen::VectorXd mean, variance;
      model.Predict(snapped, mean, variance);
      scored.push_back({snapped, Acquisition(kind, mean[0], variance[0], best, settings).value});
    }
  }
  keep = std::min(keep, scored.size());
  std::partial_sort(scored.begin(), scored.begin() + static_cast<std::ptrdiff_t>(keep),
                    scored.end(), by_score);
  scored.resize(keep);
  return scored;
}

}  // namespace tuneup
