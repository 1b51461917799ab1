#include "metrics-collector/metric_reducer.h"

#include <algorithm>

namespace tuneup {

void MetricReducer::Add(const Observation& observation) {
  for (auto& summary : summaries_) {
    if (summary.name != observation.metric) continue;
    summary.min = std::min(summary.min, observation.value);
    summary.max = std::max(summary.max, observation.value);
    summary.latest = observation.value;
    ++summary.count;
    return;
  }
  summaries_.push_back(
      {observation.metric, observation.value, observation.value, observation.value, 1});
}

const MetricSummary* MetricReducer::Find(const std::string& metric) const {
  for (const auto& summary : summaries_) {
    if (summary.name == metric) return &summary;
  }
  return nullptr;
}

std::optional<double> ReducedValue(const MetricSummary& summary, const std::string& strategy) {
  if (summary.count == 0) return std::nullopt;
  if (strategy == katib::kStrategyMin) return summary.min;
  if (strategy == katib::kStrategyMax) return summary.max;
  return summary.latest;
}

std::optional<double> ObjectiveValue(const std::vector<MetricSummary>& summaries,
                                     const ObjectiveSpec& objective) {
  for (const auto& summary : summaries) {
    if (summary.name == objective.objective_metric_name) {
      return ReducedValue(summary, StrategyFor(objective, objective.objective_metric_name));
    }
  }
  return std::nullopt;
}

}  // namespace tuneup
