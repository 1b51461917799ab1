#include "api/cross_validation.h"

#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace {

[[noreturn]] void Malformed(const std::string& what) {
  throw Error(ErrorCode::kInvalidArgument, "fold result: " + what);
}

const Json& Field(const Json& json, const char* name, const std::string& where) {
  auto it = json.find(name);
  if (it == json.end()) Malformed(where + ": no \"" + name + "\"");
  return *it;
}

std::optional<Timestamp> TimeField(const Json& json, const char* name, const std::string& where) {
  auto it = json.find(name);
  if (it == json.end() || it->is_null()) return std::nullopt;
  std::optional<Timestamp> time;
  if (it->is_string()) time = ParseRfc3339(it->get<std::string>());
  if (!time) Malformed(where + ": \"" + name + "\" is not an RFC 3339 time");
  return time;
}

}  // namespace

Spread SpreadOf(std::span<const double> values) {
  Spread spread;
  spread.count = static_cast<int>(values.size());
  if (values.empty()) return spread;
  double sum = 0;
  for (double v : values)
    sum += v;
  spread.mean = sum / static_cast<double>(values.size());
  if (values.size() < 2) return spread;
  double squares = 0;
  for (double v : values)
    squares += (v - spread.mean) * (v - spread.mean);
  spread.sd = std::sqrt(squares / static_cast<double>(values.size() - 1));
  return spread;
}

std::vector<double> FoldObjectives(const Trial& trial) {
  std::vector<double> values;
  for (const auto& fold : trial.folds) {
    if (fold.status == TrialStatus::kSucceeded && fold.objective) values.push_back(*fold.objective);
  }
  return values;
}

Spread ObjectiveSpread(const Trial& trial) {
  std::vector<double> values = FoldObjectives(trial);
  return SpreadOf(values);
}

std::optional<double> MeanObjective(const std::vector<FoldResult>& folds) {
  std::vector<double> values;
  for (const auto& fold : folds) {
    if (fold.status == TrialStatus::kSucceeded && fold.objective) values.push_back(*fold.objective);
  }
  if (values.empty()) return std::nullopt;
  return SpreadOf(values).mean;
}

std::vector<MetricSummary> MeanMetrics(const std::vector<FoldResult>& folds) {
  std::vector<MetricSummary> sums;
  std::vector<int> counted;  // folds that reported each metric
  for (const auto& fold : folds) {
    if (fold.status != TrialStatus::kSucceeded) continue;
    for (const auto& metric : fold.metrics) {
      size_t i = 0;
      while (i < sums.size() && sums[i].name != metric.name)
        ++i;
      if (i == sums.size()) {
        sums.push_back({metric.name, 0, 0, 0, 0});
        counted.push_back(0);
      }
      sums[i].min += metric.min;
      sums[i].max += metric.max;
      sums[i].latest += metric.latest;
      sums[i].count += metric.count;
      ++counted[i];
    }
  }
  for (size_t i = 0; i < sums.size(); ++i) {
    sums[i].min /= counted[i];
    sums[i].max /= counted[i];
    sums[i].latest /= counted[i];
  }
  return sums;
}

std::string FormatMeanSd(const Spread& spread) {
  char text[64];
  if (spread.count < 2) {
    std::snprintf(text, sizeof(text), "%.6g", spread.mean);
  } else {
    std::snprintf(text, sizeof(text), "%.6g ± %.2g", spread.mean, spread.sd);
  }
  return text;
}

int FoldOf(int index, int folds) {
  return folds > 0 ? index % folds : index;
}

int RepeatOf(int index, int folds) {
  return folds > 0 ? index / folds : 0;
}

std::string FoldDirName(int index) {
  return index == kFinalJob ? "final" : "fold-" + std::to_string(index);
}

std::string FoldJobName(const std::string& trial, int index) {
  return trial + "-" + FoldDirName(index);
}

Json MetricSummariesToJson(const std::vector<MetricSummary>& metrics) {
  Json list = Json::array();
  for (const auto& m : metrics) {
    list.push_back({{"name", m.name},
                    {"min", m.min},
                    {"max", m.max},
                    {"latest", m.latest},
                    {"count", m.count}});
  }
  return list;
}

std::vector<MetricSummary> MetricSummariesFromJson(const Json& json) {
  if (!json.is_array()) {
    throw Error(ErrorCode::kInvalidArgument, "expected a list of metric summaries");
  }
  std::vector<MetricSummary> metrics;
  for (const auto& item : json) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        !item.contains("min") || !item["min"].is_number() || !item.contains("max") ||
        !item["max"].is_number() || !item.contains("latest") || !item["latest"].is_number() ||
        !item.contains("count") || !item["count"].is_number_integer()) {
      throw Error(ErrorCode::kInvalidArgument, "malformed metric summary " + item.dump());
    }
    metrics.push_back({item["name"].get<std::string>(), item["min"].get<double>(),
                       item["max"].get<double>(), item["latest"].get<double>(),
                       item["count"].get<int64_t>()});
  }
  return metrics;
}

Json FoldResultToJson(const FoldResult& result, int folds) {
  Json json = Json::object();
  json["index"] = result.index;
  if (folds > 0 && result.index >= 0) {
    json["fold"] = FoldOf(result.index, folds);
    json["repeat"] = RepeatOf(result.index, folds);
  }
  json["status"] = std::string(TrialStatusName(result.status));
  json["message"] = result.message;
  json["attempt"] = result.attempt;
  if (result.objective) json["objective"] = *result.objective;
  json["metrics"] = MetricSummariesToJson(result.metrics);
  json["job"] = result.job;
  if (result.started_at) json["startTime"] = FormatRfc3339(*result.started_at);
  if (result.completed_at) json["completionTime"] = FormatRfc3339(*result.completed_at);
  return json;
}

FoldResult FoldResultFromJson(const Json& json) {
  if (!json.is_object()) Malformed("expected an object, got " + json.dump());
  FoldResult result;
  const Json& index = Field(json, "index", "entry");
  if (!index.is_number_integer()) Malformed("\"index\" is not an integer");
  result.index = index.get<int>();
  if (result.index < 0 && result.index != kFinalJob) {
    Malformed("\"index\" " + std::to_string(result.index) + " is not a fold");
  }
  const std::string where = "entry " + std::to_string(result.index);
  const Json& status = Field(json, "status", where);
  std::optional<TrialStatus> parsed;
  if (status.is_string()) parsed = ParseTrialStatus(status.get<std::string>());
  if (!parsed) Malformed(where + ": unknown status " + status.dump());
  result.status = *parsed;
  if (auto it = json.find("message"); it != json.end()) {
    if (!it->is_string()) Malformed(where + ": \"message\" is not a string");
    result.message = it->get<std::string>();
  }
  const Json& attempt = Field(json, "attempt", where);
  if (!attempt.is_number_integer() || attempt.get<int64_t>() < 0) {
    Malformed(where + ": \"attempt\" is not a non-negative integer");
  }
  result.attempt = attempt.get<int>();
  if (auto it = json.find("objective"); it != json.end() && !it->is_null()) {
    if (!it->is_number()) Malformed(where + ": \"objective\" is not a number");
    result.objective = it->get<double>();
  }
  if (auto it = json.find("metrics"); it != json.end()) {
    try {
      result.metrics = MetricSummariesFromJson(*it);
    } catch (const Error& e) {
      Malformed(where + ": metrics: " + e.what());
    }
  }
  if (auto it = json.find("job"); it != json.end()) {
    if (!it->is_string()) Malformed(where + ": \"job\" is not a string");
    result.job = it->get<std::string>();
  }
  result.started_at = TimeField(json, "startTime", where);
  result.completed_at = TimeField(json, "completionTime", where);
  return result;
}

}  // namespace tuneup
