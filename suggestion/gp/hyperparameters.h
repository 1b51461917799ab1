// Choosing a Gaussian process' hyperparameters: the maximum a posteriori point of the log marginal
// likelihood under weak priors, found by L-BFGS (NLopt) with analytic gradients from several
// starts, within bounds that keep the model from collapsing (length scales that shrink to nothing,
// noise that swallows the signal).
#pragma once

#include <cstdint>

#include <Eigen/Core>

#include "suggestion/gp/gaussian_process.h"

namespace tuneup::gp {

struct FitOptions {
  int restarts = 3;          // starts besides the prior mode (and the previous optimum)
  int max_evaluations = 60;  // per start
  int max_points = 200;      // larger data sets are fitted on a subset (the best and a sample)
  uint64_t seed = 0;         // for the restarts and the subset
};

// Independent Gaussian priors on the log hyperparameters (inputs in [0, 1], outputs standardised):
// log length scale ~ N(log 0.5, 1.5²), log signal variance ~ N(0, 1.5²), log noise variance ~
// N(log 1e-3, 2.5²); and the box bounds the search stays in.
struct Prior {
  Eigen::VectorXd mean;
  Eigen::VectorXd sd;
  Eigen::VectorXd lower;
  Eigen::VectorXd upper;
};
Prior DefaultPrior(int dimensions);

// log p(h) (up to a constant) and its gradient.
double LogPrior(const Prior& prior, const Eigen::VectorXd& packed, Eigen::VectorXd* gradient);

// The hyperparameters maximising LogMarginalLikelihood + LogPrior for inputs X (columns) and
// standardised outputs y. `previous`, when given, is one of the starts (refits stay close to the
// last optimum and converge in a few steps).
Hyperparameters FitHyperparameters(KernelKind kind, const Eigen::MatrixXd& X,
                                   const Eigen::VectorXd& y, const FitOptions& options,
                                   const Hyperparameters* previous = nullptr);

}  // namespace tuneup::gp
