#include "suggestion/resource_budget.h"

#include "common/text.h"

namespace tuneup {

std::vector<std::string> NumericParameterNames(const Experiment& experiment) {
  std::vector<std::string> names;
  for (const auto& parameter : experiment.spec.parameters) {
    if (parameter.parameter_type == "int" || parameter.parameter_type == "double") {
      names.push_back(parameter.name);
    }
  }
  return names;
}

std::optional<std::string> ReadResourceName(SettingsReader& reader, const Experiment& experiment) {
  return reader.OneOf("resource_name", NumericParameterNames(experiment));
}

FieldError ResourceNameMissing() {
  return {kAlgorithmSettingsPath,
          "resource_name must be set: the int or double parameter that receives each rung's "
          "budget (e.g. epochs)"};
}

const Parameter& ResourceParameter(const SearchSpace& space, const std::string& resource_name) {
  const Parameter* resource = space.Find(resource_name);
  if (resource == nullptr) {
    throw Error(ErrorCode::kInvalidArgument,
                "resource_name " + resource_name + " is not a parameter");
  }
  return *resource;
}

Assignment WithBudget(Assignment assignment, const Parameter& resource, double budget) {
  for (auto& value : assignment) {
    if (value.name == resource.name) value.value = resource.FormatValue(budget);
  }
  return assignment;
}

FieldErrors BudgetRangeWarnings(const Experiment& experiment, const std::string& resource_name,
                                double smallest, double largest, const std::string& settings) {
  FieldErrors ignored;
  const SearchSpace space = SearchSpace::FromSpec(experiment.spec, ignored);
  const Parameter* resource = space.Find(resource_name);
  if (resource == nullptr || !resource->is_numeric_range()) return {};
  if (smallest >= resource->min && largest <= resource->max) return {};
  return {{kAlgorithmSettingsPath,
           settings + " give " + resource_name + " budgets from " + FormatDouble(smallest) +
               " to " + FormatDouble(largest) + ", outside its feasibleSpace [" +
               FormatDouble(resource->min) + ", " + FormatDouble(resource->max) +
               "]: trials get the budgets anyway (the resource is set, never sampled, as in "
               "Katib), so the feasibleSpace does not describe them"}};
}

std::optional<FieldError> EndlessScheduleError(const Experiment& experiment,
                                               const std::string& what_it_does) {
  const auto& spec = experiment.spec;
  if (spec.max_trial_count || (spec.objective && spec.objective->goal)) return std::nullopt;
  return FieldError{"spec.maxTrialCount",
                    what_it_does + ": set maxTrialCount (or an objective goal)"};
}

std::optional<int64_t> IntLabel(const Trial& trial, const char* key) {
  auto it = trial.labels.find(key);
  if (it == trial.labels.end()) return std::nullopt;
  return ParseInt64(it->second);
}

}  // namespace tuneup
