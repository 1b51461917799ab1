#include "api/experiment.h"

namespace tuneup {

bool MaximizesObjective(const Experiment& experiment) {
  return experiment.spec.objective && experiment.spec.objective->type == katib::kMaximize;
}

std::vector<std::string> MetricNames(const ObjectiveSpec& objective) {
  std::vector<std::string> names{objective.objective_metric_name};
  for (const auto& name : objective.additional_metric_names) {
    if (name != objective.objective_metric_name) names.push_back(name);
  }
  return names;
}

std::string StrategyFor(const ObjectiveSpec& objective, const std::string& metric) {
  for (const auto& strategy : objective.metric_strategies) {
    if (strategy.name == metric) return strategy.value;
  }
  return "";
}

std::optional<std::string> FindSetting(const std::vector<NamedSetting>& settings,
                                       const std::string& name) {
  std::optional<std::string> found;
  for (const auto& setting : settings) {
    if (setting.name == name) found = setting.value;
  }
  return found;
}

}  // namespace tuneup
