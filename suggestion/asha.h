// `asha`: asynchronous successive halving (Li et al. 2020, "A system for massively parallel
// hyperparameter tuning", algorithm 2), tuneup's addition to Katib's algorithms.
//
// Rung k of a bracket with minimum early-stopping rate s trains configurations with budget
// min_resource * eta^(s + k) in the resource parameter, every rung below max_resource; the top
// rung trains with max_resource itself. Whenever a worker is free, ASHA promotes rather than
// waits: it looks at the rungs from the top down for a configuration among the best
// ⌊n_k / eta⌋ of the n_k trials that have ended in rung k (Succeeded ones, in the objective's
// direction; failed or early-stopped trials count in n_k but are never promoted) that is not in
// rung k + 1 yet, and runs it again with the next budget and the same other values. Only when
// there is none does it start a new configuration in rung 0. Workers never idle for a rung to
// fill, at the price of sometimes promoting a configuration that a full rung would have dropped.
//
// Settings (spec.algorithm.algorithmSettings): resource_name (an int or double parameter, never
// sampled), eta (>= 2, default 3), min_resource (> 0, default 1), max_resource (>= min_resource,
// required), brackets (default 1: asynchronous Hyperband with brackets s = 0 .. brackets - 1,
// new configurations dealt to them in turn; at most the number of rungs), random_state.
// ASHA never runs out of configurations, so the experiment needs maxTrialCount (or a goal).
//
// Configuration j is sampled from (random_state, j) alone, and every trial is labelled with its
// bracket, rung and configuration, so the state of every rung is read back from the trial
// history: a restarted controller goes on where it stopped. A promotion is labelled
// kResumeFromLabel with the configuration's trial in the rung below, so a trainer that checkpoints
// continues from there (controller/checkpoints.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "suggestion/algorithm.h"

namespace tuneup {

inline constexpr const char* kAshaBracketLabel = "tuneup.dev/asha-bracket";
inline constexpr const char* kAshaRungLabel = "tuneup.dev/asha-rung";
inline constexpr const char* kAshaConfigLabel = "tuneup.dev/asha-config";

struct AshaSettings {
  std::string resource_name;
  int eta = 3;
  double min_resource = 1;
  double max_resource = 0;
  int brackets = 1;
  std::optional<uint64_t> random_state;

  // Reads and checks spec.algorithm.algorithmSettings (and that the experiment has a
  // maxTrialCount or a goal); every problem goes to `errors`, naming its field.
  static AshaSettings Read(const Experiment& experiment, FieldErrors& errors);
};

// The budgets of the rungs of bracket `s`, rung 0 first: min_resource * eta^(s + k) while below
// max_resource, then max_resource itself (a bracket whose first budget reaches max_resource is
// that single rung).
std::vector<double> AshaRungBudgets(const AshaSettings& settings, int s);

class AshaSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);
  // Budgets outside the resource parameter's feasibleSpace (valid, but suspicious).
  static FieldErrors Warnings(const Experiment& experiment);

  // Throws Error(kInvalidArgument) with the first settings problem.
  AshaSearch(const Experiment& experiment, const SearchSpace& space);

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

 private:
  AshaSettings settings_;
  bool maximize_ = false;
  uint64_t seed_;
  SearchSpace space_;
  const Parameter* resource_ = nullptr;       // in space_
  std::vector<std::vector<double>> budgets_;  // per bracket, per rung
};

}  // namespace tuneup
