#include "db/row_codec.h"

#include <cmath>

#include "api/cross_validation.h"
#include "api/experiment_json.h"
#include "common/error.h"
#include "common/text.h"

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

// One entry of the cross_validation column; `entry` says which ("folds[2]", "final").
FoldResult DecodeFoldResult(const Json& json, const RowContext& where, const std::string& entry) {
  try {
    return FoldResultFromJson(json);
  } catch (const Error& e) {
    Corrupt(where, entry + ": " + e.what());
  } catch (const Json::exception& e) {
    Corrupt(where, entry + ": " + e.what());
  }
}

[[noreturn]] void Unstorable(std::string_view trial, const std::string& problem) {
  throw Error(ErrorCode::kInvalidArgument, "trial " + std::string(trial) + ": " + problem);
}

// `owner` names whose summaries they are: "" for the trial's own, "folds[3]: " for a fold's.
void CheckMetrics(std::string_view trial, const std::string& owner,
                  const std::vector<MetricSummary>& metrics) {
  for (const auto& m : metrics) {
    if (!std::isfinite(m.min) || !std::isfinite(m.max) || !std::isfinite(m.latest)) {
      Unstorable(trial, owner + "metric " + m.name + " is not a finite number");
    }
  }
}

// Whether the RFC 3339 text the cross_validation column holds reads back as `time` (to the
// microsecond, the precision of every stored time).
bool RoundTripsAsText(const std::optional<Timestamp>& time) {
  return !time || ParseRfc3339(FormatRfc3339(*time)) == FromUnixMicros(ToUnixMicros(*time));
}

void CheckFold(std::string_view trial, const FoldResult& fold, const std::string& owner) {
  if (fold.index < 0 && fold.index != kFinalJob) {
    Unstorable(trial, owner + "index " + std::to_string(fold.index) + " is not a fold");
  }
  if (fold.attempt < 0) Unstorable(trial, owner + "attempt is negative");
  if (fold.objective && !std::isfinite(*fold.objective)) {
    Unstorable(trial, owner + "objective is not a finite number");
  }
  CheckMetrics(trial, owner, fold.metrics);
  if (!RoundTripsAsText(fold.started_at) || !RoundTripsAsText(fold.completed_at)) {
    Unstorable(trial, owner + "a time is outside the years 1678 to 2261");
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
  return MetricSummariesToJson(metrics).dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::vector<MetricSummary> DecodeMetrics(const std::string& text, const RowContext& where) {
  Json json = ParseJson(text, where);
  try {
    return MetricSummariesFromJson(json);
  } catch (const Error& e) {
    Corrupt(where, e.what());
  }
}

std::string EncodeCrossValidation(const Trial& trial) {
  Json json = Json::object();
  if (!trial.folds.empty()) {
    Json folds = Json::array();
    for (const auto& fold : trial.folds)
      folds.push_back(FoldResultToJson(fold));
    json["folds"] = std::move(folds);
  }
  if (trial.final_evaluation) json["final"] = FoldResultToJson(*trial.final_evaluation);
  return json.dump(-1, ' ', false, Json::error_handler_t::replace);
}

CrossValidationResults DecodeCrossValidation(const std::string& text, const RowContext& where) {
  Json json = ParseJson(text, where);
  if (!json.is_object()) Corrupt(where, "expected an object of folds and final evaluation");
  CrossValidationResults results;
  for (const auto& [key, value] : json.items()) {
    if (key == "folds") {
      if (!value.is_array()) Corrupt(where, "\"folds\" is not a list");
      for (size_t i = 0; i < value.size(); ++i) {
        results.folds.push_back(
            DecodeFoldResult(value[i], where, "folds[" + std::to_string(i) + "]"));
      }
    } else if (key == "final") {
      results.final_evaluation = DecodeFoldResult(value, where, "final");
    } else {
      Corrupt(where, "unknown key \"" + key + "\"");
    }
  }
  return results;
}

void CheckStorable(std::string_view trial, std::span<const Observation> observations) {
  for (const auto& o : observations) {
    if (!std::isfinite(o.value)) {
      Unstorable(trial, "observation of " + o.metric + " is not a finite number");
    }
  }
}

void CheckStorable(const Trial& trial, std::span<const Observation> observations) {
  if (trial.objective && !std::isfinite(*trial.objective)) {
    Unstorable(trial.name, "objective is not a finite number");
  }
  CheckMetrics(trial.name, "", trial.metrics);
  for (size_t i = 0; i < trial.folds.size(); ++i) {
    CheckFold(trial.name, trial.folds[i], "folds[" + std::to_string(i) + "]: ");
  }
  if (trial.final_evaluation) CheckFold(trial.name, *trial.final_evaluation, "final evaluation: ");
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
