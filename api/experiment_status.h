// Where an experiment stands, and why it ended.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace tuneup {

enum class ExperimentState { kCreated, kRunning, kSucceeded, kFailed };

std::string_view ExperimentStateName(ExperimentState state);
std::optional<ExperimentState> ParseExperimentState(std::string_view name);
inline bool IsFinished(ExperimentState state) {
  return state == ExperimentState::kSucceeded || state == ExperimentState::kFailed;
}

// Katib's condition reasons.
namespace experiment_reason {
inline constexpr const char* kCreated = "ExperimentCreated";
inline constexpr const char* kRunning = "ExperimentRunning";
inline constexpr const char* kGoalReached = "ExperimentGoalReached";
inline constexpr const char* kMaxTrialsReached = "ExperimentMaxTrialsReached";
inline constexpr const char* kMaxFailedTrialsReached = "ExperimentMaxFailedTrialsReached";
inline constexpr const char* kSuggestionEndReached = "ExperimentSuggestionEndReached";
inline constexpr const char* kFailed = "ExperimentFailed";
inline constexpr const char* kInterrupted = "ExperimentInterrupted";
}  // namespace experiment_reason

struct ExperimentStatus {
  ExperimentState state = ExperimentState::kCreated;
  std::string reason = experiment_reason::kCreated;
  std::string message;
  std::optional<Timestamp> start_time;
  std::optional<Timestamp> completion_time;
};

}  // namespace tuneup
