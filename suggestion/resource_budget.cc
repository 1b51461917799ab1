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

Assignment WithBudget(Assignment assignment, const Parameter& resource, double budget) {
  for (auto& value : assignment) {
    if (value.name == resource.name) value.value = resource.FormatValue(budget);
  }
  return assignment;
}

std::optional<int64_t> IntLabel(const Trial& trial, const char* key) {
  auto it = trial.labels.find(key);
  if (it == trial.labels.end()) return std::nullopt;
  return ParseInt64(it->second);
}

}  // namespace tuneup
