#include "api/best_trial.h"

namespace tuneup {

const Trial* FindBestTrial(const Experiment& experiment, const std::vector<Trial>& trials) {
  const bool maximize = MaximizesObjective(experiment);
  const Trial* best = nullptr;
  for (const auto& trial : trials) {
    if (trial.status != TrialStatus::kSucceeded || !trial.objective) continue;
    const bool better =
        best == nullptr ||
        (maximize ? *trial.objective > *best->objective : *trial.objective < *best->objective) ||
        (*trial.objective == *best->objective && trial.sequence < best->sequence);
    if (better) best = &trial;
  }
  return best;
}

}  // namespace tuneup
