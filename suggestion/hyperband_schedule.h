// The bracket table of Hyperband (Li et al. 2018, "Hyperband: a novel bandit-based approach to
// hyperparameter optimization", algorithm 1), with Katib's settings: r_l is the largest budget
// a configuration gets (R in the paper, in the resource parameter's units) and eta the
// down-sampling rate.
//
// With s_max = floor(log_eta(r_l)) and B = (s_max + 1) r_l, bracket s (run in the order
// s_max, s_max - 1, ..., 0) starts n = ceil(B / r_l * eta^s / (s + 1)) configurations at budget
// r = r_l * eta^-s; its rung i (i = 0..s) runs n_i = floor(n * eta^-i) configurations at budget
// r_i = r * eta^i, the best n_{i+1} of them going on to rung i + 1. Every bracket spends about B
// and ends with configurations trained on the full r_l.
#pragma once

#include <cstdint>
#include <vector>

namespace tuneup {

struct HyperbandRung {
  int64_t configurations = 0;  // n_i
  double budget = 0;           // r_i
  bool operator==(const HyperbandRung&) const = default;
};

struct HyperbandBracket {
  int s = 0;
  std::vector<HyperbandRung> rungs;  // rung 0 first
  bool operator==(const HyperbandBracket&) const = default;
};

// The brackets for (r_l, eta), s_max first. Throws Error(kInvalidArgument) unless eta >= 2 and
// r_l >= 1 (below that there is no bracket with a budget of at least one unit), or when the
// table would be absurdly large (more than a million configurations in a bracket).
std::vector<HyperbandBracket> HyperbandSchedule(double r_l, int eta);

// floor(log_eta(r_l)), exact for powers of eta (no floating-point logarithm).
int HyperbandSMax(double r_l, int eta);

}  // namespace tuneup
