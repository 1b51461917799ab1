#include "api/experiment_status.h"

namespace tuneup {

std::string_view ExperimentStateName(ExperimentState state) {
  switch (state) {
    case ExperimentState::kCreated:
      return "Created";
    case ExperimentState::kRunning:
      return "Running";
    case ExperimentState::kSucceeded:
      return "Succeeded";
    case ExperimentState::kFailed:
      return "Failed";
  }
  return "Unknown";
}

std::optional<ExperimentState> ParseExperimentState(std::string_view name) {
  for (ExperimentState state : {ExperimentState::kCreated, ExperimentState::kRunning,
                                ExperimentState::kSucceeded, ExperimentState::kFailed}) {
    if (ExperimentStateName(state) == name) return state;
  }
  return std::nullopt;
}

}  // namespace tuneup
