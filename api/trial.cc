#include "api/trial.h"

#include <algorithm>

#include "common/error.h"

namespace tuneup {

std::string AssignmentKey(const Assignment& assignment) {
  std::vector<const ParameterAssignment*> sorted;
  sorted.reserve(assignment.size());
  for (const auto& item : assignment) sorted.push_back(&item);
  std::sort(sorted.begin(), sorted.end(),
            [](const auto* a, const auto* b) { return a->name < b->name; });
  std::string key;
  for (const auto* item : sorted) {
    // Unit and record separators cannot appear in YAML-given names or values by accident.
    key += item->name;
    key += '\x1f';
    key += item->value;
    key += '\x1e';
  }
  return key;
}

std::optional<std::string> FindValue(const Assignment& assignment, std::string_view name) {
  for (const auto& item : assignment) {
    if (item.name == name) return item.value;
  }
  return std::nullopt;
}

Json AssignmentToJson(const Assignment& assignment) {
  Json list = Json::array();
  for (const auto& item : assignment) list.push_back({{"name", item.name}, {"value", item.value}});
  return list;
}

Assignment AssignmentFromJson(const Json& json) {
  if (!json.is_array()) {
    throw Error(ErrorCode::kInvalidArgument, "assignment must be a list of {name, value}");
  }
  Assignment assignment;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("name") || !item.contains("value") ||
        !item["name"].is_string() || !item["value"].is_string()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "assignment entries must be {name: string, value: string}, got " + item.dump());
    }
    assignment.push_back({item["name"].get<std::string>(), item["value"].get<std::string>()});
  }
  return assignment;
}

std::string_view TrialStatusName(TrialStatus status) {
  switch (status) {
    case TrialStatus::kPending:
      return "Pending";
    case TrialStatus::kRunning:
      return "Running";
    case TrialStatus::kSucceeded:
      return "Succeeded";
    case TrialStatus::kFailed:
      return "Failed";
    case TrialStatus::kKilled:
      return "Killed";
    case TrialStatus::kEarlyStopped:
      return "EarlyStopped";
    case TrialStatus::kMetricsUnavailable:
      return "MetricsUnavailable";
  }
  return "Unknown";
}

std::optional<TrialStatus> ParseTrialStatus(std::string_view name) {
  for (TrialStatus status :
       {TrialStatus::kPending, TrialStatus::kRunning, TrialStatus::kSucceeded,
        TrialStatus::kFailed, TrialStatus::kKilled, TrialStatus::kEarlyStopped,
        TrialStatus::kMetricsUnavailable}) {
    if (TrialStatusName(status) == name) return status;
  }
  return std::nullopt;
}

bool IsActive(TrialStatus status) {
  return status == TrialStatus::kPending || status == TrialStatus::kRunning;
}

bool CountsAsFailed(TrialStatus status) {
  return status == TrialStatus::kFailed || status == TrialStatus::kMetricsUnavailable;
}

}  // namespace tuneup
