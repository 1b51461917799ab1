#include "db/row_codec.h"

#include <cmath>

#include "api/experiment_json.h"
#include "common/error.h"

namespace tuneup {

namespace {

[[noreturn]] void Corrupt(const RowContext& where, const std::string& problem) {
  throw Error(ErrorCode::kInternal,
              "stored data is unreadable: " + where.Describe() + ": " + problem);
}

Json ParseJson(const std::string& text, const RowContext& where) {
  try {
    return Json::parse(text);
  } catch (const Json::exception& e) {
    Corrupt(where, std::string("not valid JSON: ") + e.what());
  }
}

}  // namespace

std::string EncodeExperimentSpec(const Experiment& experiment) {
  return ExperimentToJson(experiment).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Experiment DecodeExperimentSpec(const std::string& text, const RowContext& where) {
  FieldErrors errors;
  Experiment experiment = ExperimentFromJson(ParseJson(text, where), errors);
  if (!errors.empty()) Corrupt(where, errors.front().ToString());
  return experiment;
}

std::string EncodeAssignment(const Assignment& assignment) {
  return AssignmentToJson(assignment).dump(-1, ' ', false, Json::error_handler_t::replace);
}

Assignment DecodeAssignment(const std::string& text, const RowContext& where) {
  try {
    return AssignmentFromJson(ParseJson(text, where));
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInternal) throw;
    Corrupt(where, e.what());
  }
}

std::string EncodeLabels(const std::map<std::string, std::string>& labels) {
  return Json(labels).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::map<std::string, std::string> DecodeLabels(const std::string& text, const RowContext& where) {
  Json json = ParseJson(text, where);
  std::map<std::string, std::string> labels;
  if (!json.is_object()) Corrupt(where, "expected an object of strings");
  for (const auto& [key, value] : json.items()) {
    if (!value.is_string()) Corrupt(where, "label \"" + key + "\" is not a string");
    labels[key] = value.get<std::string>();
  }
  return labels;
}

std::string EncodeMetrics(const std::vector<MetricSummary>& metrics) {
  Json list = Json::array();
  for (const auto& m : metrics) {
    list.push_back({{"name", m.name},
                    {"min", m.min},
                    {"max", m.max},
                    {"latest", m.latest},
                    {"count", m.count}});
  }
  return list.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<MetricSummary> DecodeMetrics(const std::string& text, const RowContext& where) {
  Json json = ParseJson(text, where);
  if (!json.is_array()) Corrupt(where, "expected a list of metric summaries");
  std::vector<MetricSummary> metrics;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        !item.contains("min") || !item["min"].is_number() || !item.contains("max") ||
        !item["max"].is_number() || !item.contains("latest") || !item["latest"].is_number() ||
        !item.contains("count") || !item["count"].is_number_integer()) {
      Corrupt(where, "malformed metric summary " + item.dump());
    }
    metrics.push_back({item["name"].get<std::string>(), item["min"].get<double>(),
                       item["max"].get<double>(), item["latest"].get<double>(),
                       item["count"].get<int64_t>()});
  }
  return metrics;
}

void CheckStorable(std::string_view trial, std::span<const Observation> observations) {
  for (const auto& o : observations) {
    if (!std::isfinite(o.value)) {
      throw Error(ErrorCode::kInvalidArgument, "trial " + std::string(trial) + ": observation of " +
                                                   o.metric + " is not a finite number");
    }
  }
}

void CheckStorable(const Trial& trial, std::span<const Observation> observations) {
  if (trial.objective && !std::isfinite(*trial.objective)) {
    throw Error(ErrorCode::kInvalidArgument,
                "trial " + trial.name + ": objective is not a finite number");
  }
  for (const auto& m : trial.metrics) {
    if (!std::isfinite(m.min) || !std::isfinite(m.max) || !std::isfinite(m.latest)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "trial " + trial.name + ": metric " + m.name + " is not a finite number");
    }
  }
  CheckStorable(trial.name, observations);
}

TrialStatus DecodeTrialStatus(const std::string& text, const RowContext& where) {
  auto status = ParseTrialStatus(text);
  if (!status) Corrupt(where, "unknown trial status \"" + text + "\"");
  return *status;
}

ExperimentState DecodeExperimentState(const std::string& text, const RowContext& where) {
  auto state = ParseExperimentState(text);
  if (!state) Corrupt(where, "unknown experiment state \"" + text + "\"");
  return *state;
}

}  // namespace tuneup
