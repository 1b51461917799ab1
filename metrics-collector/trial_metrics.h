// What one attempt of one trial has reported so far, across all of its output sources.
#pragma once

#include <memory>
#include <string_view>
#include <vector>

#include "api/trial.h"
#include "metrics-collector/metric_parser.h"
#include "metrics-collector/metric_reducer.h"

namespace tuneup {

class TrialMetrics {
 public:
  // One parser per output source (e.g. stdout and stderr), addressed by index in Feed.
  explicit TrialMetrics(std::vector<std::unique_ptr<MetricParser>> parsers)
      : parsers_(std::move(parsers)) {}

  // Parses `bytes` of source `source` (arrived at `now`). Returns true when they held
  // observations, which are then reduced and waiting in unsaved().
  bool Feed(size_t source, std::string_view bytes, Timestamp now);

  // Every source has ended: parses what is still buffered.
  void Finish(Timestamp now);

  // Every reported metric, reduced (min, max, latest, count).
  const std::vector<MetricSummary>& summaries() const { return reducer_.summaries(); }

  // Observations reduced but not stored yet; the caller clears them once stored.
  std::vector<Observation>& unsaved() { return unsaved_; }

 private:
  void Take(std::vector<Observation>& observations);

  std::vector<std::unique_ptr<MetricParser>> parsers_;
  MetricReducer reducer_;
  std::vector<Observation> unsaved_;
};

}  // namespace tuneup
