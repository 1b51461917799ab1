// How many experiments the store holds in each state, and how many of their trials in each status:
// the gauges of `tuneup serve`'s /metrics (controller/serve_metrics.h), counted at scrape time.
//
// Cheap on the store: each Count() lists the experiments (one query) and lists the trials only of
// the experiments that have not finished, plus those that finished since the last count. A
// finished experiment's trials no longer change, so its counts are remembered, and forgotten
// when it leaves the store or its status changes (a restart under resumePolicy LongRunning).
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "api/experiment_status.h"
#include "api/trial.h"
#include "common/clock.h"
#include "db/store.h"

namespace tuneup {

struct Census {
  // Every state and every status is present, with 0 when none is in it.
  std::map<ExperimentState, int64_t> experiments;
  std::map<TrialStatus, int64_t> trials;
};

class StateCensus {
 public:
  // `store` must outlive the census; the census uses it only inside Count().
  explicit StateCensus(Store& store) : store_(store) {}

  // Counts what the store holds now. Throws the store's Error (the remembered counts are kept).
  // Not thread-safe: one Count() at a time.
  Census Count();

  // How many experiments' trials the last Count() listed (the rest were remembered).
  int64_t last_trial_reads() const { return last_trial_reads_; }

 private:
  // The trial counts of a finished experiment, valid while its status stays the same.
  struct Finished {
    ExperimentState state;
    std::string reason;
    std::optional<Timestamp> completion_time;
    std::map<TrialStatus, int64_t> trials;
  };

  Store& store_;
  std::map<std::string, Finished> finished_;  // by experiment name
  int64_t last_trial_reads_ = 0;
};

}  // namespace tuneup
