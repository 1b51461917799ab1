// What Hyperband and ASHA share: a resource parameter (epochs, steps, samples) that receives each
// trial's budget instead of being sampled, and integer labels that record a trial's place in the
// schedule.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"

namespace tuneup {

// The int and double parameters of `experiment`: what resource_name may name.
std::vector<std::string> NumericParameterNames(const Experiment& experiment);

// `assignment` with `resource` set to `budget` (rounded for an int parameter).
Assignment WithBudget(Assignment assignment, const Parameter& resource, double budget);

// The label `key` of `trial` as an integer, when present and well formed.
std::optional<int64_t> IntLabel(const Trial& trial, const char* key);

}  // namespace tuneup
