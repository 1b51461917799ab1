// What one attempt of one trial has reported so far, across all of its output sources.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "api/trial.h"
#include "metrics-collector/metric_parser.h"
#include "metrics-collector/metric_reducer.h"

namespace tuneup {

struct TrialMetricsOptions {
  // Observations kept per attempt; later ones are dropped with one warning, so a trial that
  // reports in a tight loop cannot fill the store.
  int64_t max_observations = 100'000;
  WarningSink warn;  // may be empty
};

class TrialMetrics {
 public:
  // One parser per byte source (e.g. stdout and stderr), addressed by index in Feed; sources
  // that deliver observations already parsed (event files, scrapes, pushes) use Add instead.
  explicit TrialMetrics(std::vector<std::unique_ptr<MetricParser>> parsers,
                        TrialMetricsOptions options = {})
      : parsers_(std::move(parsers)), options_(std::move(options)) {}

  // Parses `bytes` of source `source` (arrived at `now`). Returns true when they held
  // observations, which are then reduced and waiting in unsaved().
  bool Feed(size_t source, std::string_view bytes, Timestamp now);

  // Observations parsed elsewhere. Those `already_stored` (a Push collector's: the trial wrote
  // them to the store itself) are reduced and wait in stored_elsewhere(), not in unsaved().
  // Returns true when any was kept.
  bool Add(std::vector<Observation> observations, bool already_stored);

  // Every source has ended: parses what is still buffered.
  void Finish(Timestamp now);

  // Every reported metric, reduced (min, max, latest, count).
  const std::vector<MetricSummary>& summaries() const { return reducer_.summaries(); }

  // Observations reduced but not stored yet; the caller clears them once stored.
  std::vector<Observation>& unsaved() { return unsaved_; }
  // Observations reduced that were stored by someone else; the caller clears them once it has
  // looked at them (early stopping sees them like the others).
  std::vector<Observation>& stored_elsewhere() { return stored_elsewhere_; }

  // Observations kept so far (at most options.max_observations).
  int64_t kept() const { return kept_; }

 private:
  // Keeps what fits under the limit; returns how many were kept.
  size_t Take(std::vector<Observation>& observations, std::vector<Observation>& into);

  std::vector<std::unique_ptr<MetricParser>> parsers_;
  TrialMetricsOptions options_;
  MetricReducer reducer_;
  std::vector<Observation> unsaved_;
  std::vector<Observation> stored_elsewhere_;
  int64_t kept_ = 0;
  bool limit_reported_ = false;
};

}  // namespace tuneup
