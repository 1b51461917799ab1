// Reducing a trial's observations to one value per metric, as Katib's metricStrategies say.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/trial.h"

namespace tuneup {

// Keeps min, max, latest and count of every metric, one observation at a time (no history kept).
class MetricReducer {
 public:
  void Add(const Observation& observation);
  // Forgets everything (a trial re-run starts a new attempt).
  void Clear() { summaries_.clear(); }

  // One summary per metric, in the order metrics were first seen.
  const std::vector<MetricSummary>& summaries() const { return summaries_; }
  const MetricSummary* Find(const std::string& metric) const;

 private:
  std::vector<MetricSummary> summaries_;
};

// The value of `metric` under `strategy` ("min", "max", "latest"), if it was reported.
std::optional<double> ReducedValue(const MetricSummary& summary, const std::string& strategy);

// The trial's objective: the objective metric reduced by its strategy (after Katib's defaults,
// min for minimize and max for maximize). nullopt when the objective metric was never reported.
std::optional<double> ObjectiveValue(const std::vector<MetricSummary>& summaries,
                                     const ObjectiveSpec& objective);

}  // namespace tuneup
