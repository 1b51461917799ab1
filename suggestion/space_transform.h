// Assignments as points of the unit cube, for model-based algorithms (Bayesian optimisation now;
// TPE and CMA-ES later).
//
// Each parameter owns one or more coordinates in [0, 1]:
//  - double and int: one coordinate, linear in the value, or in log(value) for logUniform and
//    logNormal; decoding rounds to the nearest feasible value (the nearest int, or the nearest
//    min + k * step);
//  - discrete: one coordinate, linear in the numeric value; decoding picks the nearest listed
//  value;
//  - categorical: one coordinate per distinct value (one-hot); decoding picks the largest.
// Snap(x) moves any point of the cube onto a feasible one, so a model is only ever asked about
// points a trial could really run: Encode(Decode(x)), except that a continuous double's coordinate
// is only clamped (not rounded through its decimal text).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "api/search_space.h"
#include "api/trial.h"

namespace tuneup {

class SpaceTransform {
 public:
  explicit SpaceTransform(const SearchSpace& space);

  int dimensions() const { return dimensions_; }
  // True when every coordinate is a free continuous value (doubles without a step): gradient
  // polishing of acquisitions makes sense only then (scikit-optimize's acq_optimizer "auto").
  bool all_continuous() const { return all_continuous_; }
  // The number of distinct feasible points, when it is finite and below 2^62 (no free double).
  std::optional<int64_t> finite_size() const { return finite_size_; }

  // The point of a feasible assignment; nullopt when a value is missing or not feasible (a trial
  // made by hand with a value outside the space).
  std::optional<Eigen::VectorXd> Encode(const Assignment& assignment) const;
  // The feasible assignment nearest to `x` (coordinates outside [0, 1] are clamped).
  Assignment Decode(const Eigen::VectorXd& x) const;
  // The feasible point nearest to `x`; Decode(Snap(x)) == Decode(x).
  Eigen::VectorXd Snap(const Eigen::VectorXd& x) const;

 private:
  struct Block {
    Parameter parameter;
    int offset = 0;                   // first coordinate
    int width = 1;                    // coordinates (one-hot width for categoricals)
    double lo = 0, hi = 0;            // range in the transformed (maybe log) scale
    std::vector<std::string> values;  // categorical: distinct values; discrete: listed values
    std::vector<double> numbers;      // discrete: numeric values
    bool continuous = false;          // a double without a step: every value in range is feasible
  };

  double Forward(const Block& block, double value) const;
  double Inverse(const Block& block, double t) const;
  std::string DecodeValue(const Block& block, const double* x) const;
  bool EncodeValue(const Block& block, const std::string& value, double* x) const;

  std::vector<Block> blocks_;
  int dimensions_ = 0;
  bool all_continuous_ = true;
  std::optional<int64_t> finite_size_;
};

}  // namespace tuneup
