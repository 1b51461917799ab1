// When an experiment ends, and why: Katib's rules as a pure function of where the trials stand.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "api/experiment.h"
#include "api/experiment_status.h"
#include "api/trial.h"

namespace tuneup {

// A run that cannot start any trial must not spin forever: after this many launch failures in a
// row (plus parallelTrialCount) the experiment fails with the last launch error.
inline constexpr int kMaxConsecutiveLaunchFailures = 10;

struct RunState {
  std::map<TrialStatus, int> counts;     // every trial of the experiment, by status
  std::optional<double> best_objective;  // best objective of a Succeeded or EarlyStopped trial
  bool suggestions_exhausted = false;    // the algorithm has nothing left to propose
  std::string exhausted_message;         // why, when it is not the usual reason
  bool trials_in_flight = false;         // a trial is running or queued to (re)start
  int consecutive_launch_failures = 0;
  std::string last_launch_error;
};

struct ExperimentEnd {
  ExperimentState state = ExperimentState::kSucceeded;
  std::string reason;
  std::string message;
};

// The end of the experiment, if it has come. Checked in Katib's order:
//   ExperimentGoalReached             best objective reached objective.goal      -> Succeeded
//   ExperimentMaxFailedTrialsReached  Failed + MetricsUnavailable trials reached
//                                     maxFailedTrialCount (and at least one)     -> Failed
//   ExperimentMaxTrialsReached        completed trials reached maxTrialCount     -> Succeeded
//   ExperimentSuggestionEndReached    nothing left to propose, nothing in flight -> Succeeded
// and finally ExperimentFailed when too many trials in a row could not be launched.
std::optional<ExperimentEnd> CheckExperimentEnd(const ExperimentSpec& spec, const RunState& state);

}  // namespace tuneup
