// `hyperband` (Li et al. 2018): successive halving run in brackets that trade many cheap
// configurations against few expensive ones (suggestion/hyperband_schedule.h for the table).
//
// Katib's settings: resource_name (an int or double parameter: each trial gets its rung's budget
// there, rounded for an int, never sampled; as in Katib its feasibleSpace is not consulted),
// eta (default 3) and r_l (the largest budget, >= 1), plus random_state.
// Each proposal is labelled with its bracket, rung and configuration index; the state of every
// bracket is read back from those labels in the trial history, so a restarted controller goes on
// with the same brackets. Rung i + 1 of a bracket is proposed once every trial of rung i has
// ended: the best ⌊n_i / eta⌋ Succeeded configurations (in the objective's direction; failed ones
// are never promoted and never hold a rung up) run again with the next budget and the same other
// values. Brackets do not wait for each other, so workers do not idle; which trials exist does
// not depend on the parallelism, only their order. After the last rung of every bracket (of every
// pass, below) the algorithm is exhausted and the experiment ends (ExperimentSuggestionEndReached).
//
// tuneup's `sampler` setting chooses how new configurations are drawn: `random` (the default, as
// in Katib and the paper) or `bayesianoptimization` (model-guided, as BOHB, Falkner et al. 2018):
// brackets then run one after another, and each bracket after the first draws its configurations
// from tuneup's Bayesian optimisation fitted on the earlier brackets' Succeeded trials at the
// largest budget where it has enough of them (at least 3, and more than the other parameters).
// Its inputs are complete brackets only, so the trials made still do not depend on the
// parallelism; the price is workers idling while a bracket finishes.
//
// tuneup's `passes` setting (default 1, as Katib and the paper's Algorithm 1) runs the whole table
// that many times, each pass with fresh configurations (and, model-guided, a model fitted on every
// earlier pass too); 0 repeats it until maxTrialCount or the goal ends the experiment (which one
// of them is then required), as BOHB and Ray Tune's HyperBand do.
//
// A promotion is labelled kResumeFromLabel with the trial of the configuration's previous rung, so
// a trainer that checkpoints trains only the extra budget (controller/checkpoints.h).
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "suggestion/algorithm.h"
#include "suggestion/hyperband_schedule.h"

namespace tuneup {

// Labels of a Hyperband trial.
inline constexpr const char* kHyperbandPassLabel = "tuneup.dev/hyperband-pass";
inline constexpr const char* kHyperbandBracketLabel = "tuneup.dev/hyperband-bracket";
inline constexpr const char* kHyperbandRungLabel = "tuneup.dev/hyperband-rung";
inline constexpr const char* kHyperbandConfigLabel = "tuneup.dev/hyperband-config";

struct HyperbandSettings {
  std::string resource_name;
  int eta = 3;
  double r_l = 0;
  bool model_guided = false;  // sampler: bayesianoptimization
  int passes = 1;             // 0: until maxTrialCount or the goal
  std::optional<uint64_t> random_state;

  // Reads and checks spec.algorithm.algorithmSettings (resource_name must name an int or double
  // parameter); every problem goes to `errors`, naming the setting.
  static HyperbandSettings Read(const Experiment& experiment, FieldErrors& errors);
};

class HyperbandSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);
  // Budgets outside the resource parameter's feasibleSpace (valid, as in Katib, but suspicious).
  static FieldErrors Warnings(const Experiment& experiment);

  // Throws Error(kInvalidArgument) with the first settings problem.
  HyperbandSearch(const Experiment& experiment, const SearchSpace& space);

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

  const std::vector<HyperbandBracket>& schedule() const { return schedule_; }

 private:
  Assignment NewConfiguration(int pass, int bracket, int64_t config, double budget) const;
  // The configurations of bracket `s` of `pass` (for the model-guided sampler), from the
  // Succeeded trials of the brackets before it; empty when they are too few for a model.
  std::vector<Assignment> GuidedConfigurations(std::span<const Trial> trials, int pass, int s,
                                               int64_t configurations);

  HyperbandSettings settings_;
  bool maximize_ = false;
  uint64_t seed_;
  Experiment experiment_;
  SearchSpace space_;
  const Parameter* resource_ = nullptr;  // in space_
  std::vector<HyperbandBracket> schedule_;
  // Per (pass, bracket): the model's inputs (trial names) and the configurations they gave. A
  // cache: the same inputs always give the same configurations.
  std::map<std::pair<int, int>, std::pair<std::string, std::vector<Assignment>>> guided_cache_;
};

}  // namespace tuneup
