// Which trial is the experiment's current optimum (Katib's currentOptimalTrial).
#pragma once

#include <vector>

#include "api/experiment.h"
#include "api/trial.h"

namespace tuneup {

// The Succeeded trial with the best objective by the experiment's objective type; the earliest
// (by sequence) among equals. nullptr when no Succeeded trial has an objective. Early-stopped
// trials are not ranked: their objective covers only part of their training.
const Trial* FindBestTrial(const Experiment& experiment, const std::vector<Trial>& trials);

}  // namespace tuneup
