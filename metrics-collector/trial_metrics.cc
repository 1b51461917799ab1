#include "metrics-collector/trial_metrics.h"

namespace tuneup {

bool TrialMetrics::Feed(size_t source, std::string_view bytes, Timestamp now) {
  std::vector<Observation> found;
  parsers_.at(source)->Feed(bytes, now, found);
  Take(found);
  return !found.empty();
}

void TrialMetrics::Finish(Timestamp now) {
  std::vector<Observation> found;
  for (auto& parser : parsers_)
    parser->Finish(now, found);
  Take(found);
}

void TrialMetrics::Take(std::vector<Observation>& observations) {
  for (const auto& observation : observations) {
    reducer_.Add(observation);
    unsaved_.push_back(observation);
  }
}

}  // namespace tuneup
