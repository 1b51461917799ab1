// Finding where an acquisition function is highest, over the feasible points of the space.
//
// Candidates: scrambled Sobol points over the whole cube plus Gaussian perturbations of the best
// observed points (most improvement is found near them), all snapped onto feasible points. With
// a small model their posterior is computed exactly in one batched prediction. With a large one
// (O(n²) per candidate would dominate), they are screened with the posterior given their nearest
// observations (an approximate mean, an upper bound on the variance), and only the best few get
// the exact posterior. With polishing (scikit-optimize's acq_optimizer "lbfgs"), L-BFGS then climbs
// the acquisition from the best candidates with analytic gradients; the climbed points are snapped
// and scored as candidates too.
#pragma once

#include <cstdint>
#include <vector>

#include <Eigen/Core>

#include "suggestion/acquisition.h"
#include "suggestion/gp/gaussian_process.h"
#include "suggestion/space_transform.h"

namespace tuneup {

struct ScoredPoint {
  Eigen::VectorXd x;  // feasible (snapped) point of the cube
  double score = 0;
};

struct CandidatePool {
  Eigen::MatrixXd points;  // columns: feasible points
  Eigen::VectorXd mean;    // posterior, standardised
  Eigen::VectorXd variance;
  // Whether mean[i] and variance[i] are exact (else the screening approximation and bound).
  std::vector<bool> exact;
};

struct CandidateOptions {
  int global = 1024;  // Sobol candidates
  int local = 512;    // perturbations of the incumbents
  int incumbents = 5;
  double local_scale = 0.05;  // standard deviation of the perturbations, in cube units
  int exact_up_to = 450;      // observations up to which every candidate gets the exact posterior
  int neighbours = 24;        // observations behind the screening variance of larger models
  uint64_t seed = 0;
};

// Draws the candidates and predicts the posterior at all of them (one batched prediction).
CandidatePool MakeCandidates(const gp::GaussianProcess& model, const SpaceTransform& space,
                             const CandidateOptions& options);

struct PolishOptions {
  int starts = 5;            // best candidates to climb from
  int max_evaluations = 40;  // per climb
  // Above this many observations a climb runs on a local model of the nearest `local_size`
  // (climbing is local: a step costs O(local_size²) instead of O(n²)); the point it reaches is
  // scored with the full model.
  int local_size = 256;
};

// The candidates ranked by `kind` (best first, at most `keep`), after polishing when `polish` is
// given. `best` is the lowest standardised output observed. Screened candidates that make the
// top `refine` get their exact posterior, which is kept in `pool` for later rankings.
std::vector<ScoredPoint> RankCandidates(const gp::GaussianProcess& model,
                                        const SpaceTransform& space, CandidatePool& pool,
                                        AcquisitionKind kind, const AcquisitionSettings& settings,
                                        double best, size_t keep, const PolishOptions* polish,
                                        int refine = 16);

}  // namespace tuneup
