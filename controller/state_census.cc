#include "controller/state_census.h"

#include <utility>
#include <vector>

namespace tuneup {

namespace {

constexpr ExperimentState kExperimentStates[] = {
    ExperimentState::kCreated, ExperimentState::kRunning, ExperimentState::kSucceeded,
    ExperimentState::kFailed};
constexpr TrialStatus kTrialStatuses[] = {TrialStatus::kPending,
                                          TrialStatus::kRunning,
                                          TrialStatus::kSucceeded,
                                          TrialStatus::kFailed,
                                          TrialStatus::kKilled,
                                          TrialStatus::kEarlyStopped,
                                          TrialStatus::kMetricsUnavailable};

}  // namespace

Census StateCensus::Count() {
  Census census;
  for (ExperimentState state : kExperimentStates)
    census.experiments[state] = 0;
  for (TrialStatus status : kTrialStatuses)
    census.trials[status] = 0;

  const std::vector<ExperimentRecord> records = store_.ListExperiments();
  // Built aside and swapped in at the end, so that a store error leaves the remembered counts as
  // they were, and experiments that left the store are forgotten.
  std::map<std::string, Finished> finished;
  int64_t reads = 0;
  for (const auto& record : records) {
    const std::string& name = record.experiment.metadata.name;
    const ExperimentStatus& status = record.status;
    ++census.experiments[status.state];
    auto known = finished_.find(name);
    const bool unchanged = known != finished_.end() && known->second.state == status.state &&
                           known->second.reason == status.reason &&
                           known->second.completion_time == status.completion_time;
    std::map<TrialStatus, int64_t> trials;
    if (unchanged) {
      trials = known->second.trials;
    } else {
      ++reads;
      for (const auto& trial : store_.ListTrials(name))
        ++trials[trial.status];
    }
    for (const auto& [trial_status, count] : trials)
      census.trials[trial_status] += count;
    if (IsFinished(status.state)) {
      finished[name] = Finished{status.state, status.reason, status.completion_time, trials};
    }
  }
  finished_ = std::move(finished);
  last_trial_reads_ = reads;
  return census;
}

}  // namespace tuneup
