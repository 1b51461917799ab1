#include "metrics-collector/trial_metrics.h"

#include <string>

namespace tuneup {

bool TrialMetrics::Feed(size_t source, std::string_view bytes, Timestamp now) {
  std::vector<Observation> found;
  parsers_.at(source)->Feed(bytes, now, found);
  return Take(found, unsaved_) > 0;
}

bool TrialMetrics::Add(std::vector<Observation> observations, bool already_stored) {
  return Take(observations, already_stored ? stored_elsewhere_ : unsaved_) > 0;
}

void TrialMetrics::Finish(Timestamp now) {
  std::vector<Observation> found;
  for (auto& parser : parsers_)
    parser->Finish(now, found);
  Take(found, unsaved_);
}

size_t TrialMetrics::Take(std::vector<Observation>& observations, std::vector<Observation>& into) {
  size_t taken = 0;
  for (auto& observation : observations) {
    if (kept_ >= options_.max_observations) {
      if (!limit_reported_ && options_.warn) {
        options_.warn("the trial reached the limit of " +
                      std::to_string(options_.max_observations) +
                      " observations; later values are dropped (tuneup run --max-observations)");
      }
      limit_reported_ = true;
      break;
    }
    reducer_.Add(observation);
    into.push_back(std::move(observation));
    ++kept_;
    ++taken;
  }
  return taken;
}

}  // namespace tuneup
