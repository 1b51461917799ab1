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
#include "common/error.h"
#include "suggestion/settings.h"

namespace tuneup {

// The int and double parameters of `experiment`: what resource_name may name.
std::vector<std::string> NumericParameterNames(const Experiment& experiment);

// The `resource_name` setting, which must name one of NumericParameterNames, if given and valid.
std::optional<std::string> ReadResourceName(SettingsReader& reader, const Experiment& experiment);
// The error when resource_name is not given.
FieldError ResourceNameMissing();

// The parameter resource_name names in `space`. Throws Error(kInvalidArgument) when there is none.
const Parameter& ResourceParameter(const SearchSpace& space, const std::string& resource_name);

// `assignment` with `resource` set to `budget` (rounded for an int parameter).
Assignment WithBudget(Assignment assignment, const Parameter& resource, double budget);

// A warning when the budgets [smallest, largest] a schedule gives `resource_name` leave its
// feasibleSpace: valid (the budgets are set, never sampled, as in Katib), but then the
// feasibleSpace does not describe what trials get. `settings` names the settings that set the
// budgets, for the message. Nothing when the parameter has no numeric range.
FieldErrors BudgetRangeWarnings(const Experiment& experiment, const std::string& resource_name,
                                double smallest, double largest, const std::string& settings);

// For a schedule that never runs out (asha; hyperband with passes 0): the error on
// spec.maxTrialCount when the experiment has neither maxTrialCount nor an objective goal to end
// it. `what_it_does` starts the message ("asha keeps starting configurations until the experiment
// ends").
std::optional<FieldError> EndlessScheduleError(const Experiment& experiment,
                                               const std::string& what_it_does);

// The label `key` of `trial` as an integer, when present and well formed.
std::optional<int64_t> IntLabel(const Trial& trial, const char* key);

}  // namespace tuneup
