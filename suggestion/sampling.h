// Drawing parameter values from their feasible space and distribution.
//
// Semantics follow Katib's random search (hyperopt) with two fixes, documented in README:
//  - normal and logNormal (mean at the middle of [min, max], sigma = (max - min) / 6, in log
//    space for logNormal) are truncated to [min, max]: hyperopt can return values outside the
//    feasible space;
//  - a step always means the values min, min + step, ... <= max, for every distribution (hyperopt
//    rounds to multiples of step instead, which can leave the range).
// int parameters on a log scale are drawn log-uniformly over [min - 0.5, max + 0.5] and rounded,
// as Optuna does, so both ends are as likely as their neighbourhood.
#pragma once

#include <string>

#include "api/search_space.h"
#include "api/trial.h"
#include "suggestion/rng.h"

namespace tuneup {

// One value of `parameter`, as text.
std::string SampleValue(const Parameter& parameter, Rng& rng);

// One value for every parameter of `space`, in order.
Assignment SampleAssignment(const SearchSpace& space, Rng& rng);

// The value of `parameter` at quantile `u` in [0, 1) of its distribution (the inverse CDF), with
// the same semantics as SampleValue: SampleValue's distribution is QuantileValue of a uniform u.
// Quasi-random designs (Sobol) map their points through this.
std::string QuantileValue(const Parameter& parameter, double u);

}  // namespace tuneup
