#include "controller/end_rules.h"

#include "common/text.h"

namespace tuneup {

namespace {

int Count(const RunState& state, TrialStatus status) {
  auto it = state.counts.find(status);
  return it == state.counts.end() ? 0 : it->second;
}

}  // namespace

std::optional<ExperimentEnd> CheckExperimentEnd(const ExperimentSpec& spec, const RunState& state) {
  const ObjectiveSpec& objective = *spec.objective;
  if (objective.goal && state.best_objective) {
    bool maximize = objective.type == katib::kMaximize;
    double best = *state.best_objective;
    if (maximize ? best >= *objective.goal : best <= *objective.goal) {
      return ExperimentEnd{
          ExperimentState::kSucceeded, experiment_reason::kGoalReached,
          "Experiment has succeeded because the objective goal (" + FormatDouble(*objective.goal) +
              ") was reached: " + objective.objective_metric_name + "=" + FormatDouble(best)};
    }
  }
  int failed = Count(state, TrialStatus::kFailed) + Count(state, TrialStatus::kMetricsUnavailable);
  if (spec.max_failed_trial_count && failed > 0 && failed >= *spec.max_failed_trial_count) {
    return ExperimentEnd{ExperimentState::kFailed, experiment_reason::kMaxFailedTrialsReached,
                         "Experiment has failed because " + std::to_string(failed) +
                             " trials failed (maxFailedTrialCount " +
                             std::to_string(*spec.max_failed_trial_count) + ")"};
  }
  int completed = 0;
  for (const auto& [status, count] : state.counts) {
    if (!IsActive(status)) completed += count;
  }
  if (spec.max_trial_count && completed >= *spec.max_trial_count) {
    return ExperimentEnd{ExperimentState::kSucceeded, experiment_reason::kMaxTrialsReached,
                         "Experiment has succeeded because max trial count (" +
                             std::to_string(*spec.max_trial_count) + ") has been reached"};
  }
  if (state.suggestions_exhausted && !state.trials_in_flight) {
    return ExperimentEnd{
        ExperimentState::kSucceeded, experiment_reason::kSuggestionEndReached,
        state.exhausted_message.empty()
            ? "Experiment has succeeded because the algorithm has no more trials to suggest"
            : state.exhausted_message};
  }
  if (state.consecutive_launch_failures >=
      kMaxConsecutiveLaunchFailures + spec.parallel_trial_count.value_or(1)) {
    return ExperimentEnd{
        ExperimentState::kFailed, experiment_reason::kFailed,
        std::to_string(state.consecutive_launch_failures) +
            " trials in a row could not be started; last error: " + state.last_launch_error};
  }
  return std::nullopt;
}

}  // namespace tuneup
