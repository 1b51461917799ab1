#include "rpc/observation_log.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "common/text.h"
#include "rpc/katib_time.h"

namespace tuneup {

namespace {

[[noreturn]] void Refuse(const std::string& field, const std::string& problem) {
  throw Error(ErrorCode::kInvalidArgument, field + ": " + problem);
}

std::string Quoted(std::string_view text) {
  constexpr size_t kShown = 64;
  if (text.size() <= kShown) return "\"" + std::string(text) + "\"";
  return "\"" + std::string(text.substr(0, kShown)) + "...\" (" + std::to_string(text.size()) +
         " bytes)";
}

void CheckName(const std::string& field, std::string_view name, const DbManagerLimits& limits) {
  if (name.empty()) Refuse(field, "empty");
  if (name.size() > limits.max_name_bytes) {
    Refuse(field,
           Quoted(name) + " is longer than " + std::to_string(limits.max_name_bytes) + " bytes");
  }
}

std::optional<Timestamp> ParseBound(const std::string& field, const std::string& text) {
  if (text.empty()) return std::nullopt;
  std::optional<Timestamp> time = ParseKatibTime(text);
  if (!time) {
    Refuse(field, Quoted(text) +
                      " is not an RFC 3339 time between the years 1678 and 2261 (e.g. "
                      "2026-01-02T15:04:05Z)");
  }
  return time;
}

}  // namespace

void CheckTrialName(std::string_view name, const DbManagerLimits& limits) {
  CheckName("trial_name", name, limits);
}

std::vector<Observation> ObservationsFromLog(const katib_pb::ObservationLog& log,
                                             const DbManagerLimits& limits) {
  const std::string logs_field = "observation_log.metric_logs";
  if (static_cast<size_t>(log.metric_logs_size()) > limits.max_metric_logs) {
    Refuse(logs_field, std::to_string(log.metric_logs_size()) + " entries, more than the " +
                           std::to_string(limits.max_metric_logs) + " one report may hold");
  }
  std::vector<Observation> observations;
  observations.reserve(log.metric_logs_size());
  for (int i = 0; i < log.metric_logs_size(); ++i) {
    const katib_pb::MetricLog& entry = log.metric_logs(i);
    if (entry.time_stamp().empty()) continue;  // Katib's DBManager skips these too
    const std::string field = IndexPath(logs_field, i);
    if (!entry.has_metric()) Refuse(ChildPath(field, "metric"), "missing");
    const katib_pb::Metric& metric = entry.metric();
    CheckName(ChildPath(field, "metric.name"), metric.name(), limits);
    const std::optional<double> value = ParseDouble(metric.value());
    if (!value || !std::isfinite(*value)) {
      Refuse(ChildPath(field, "metric.value"), "value " + Quoted(metric.value()) + " of metric " +
                                                   Quoted(metric.name()) +
                                                   " is not a finite number");
    }
    const std::optional<Timestamp> time = ParseKatibTime(entry.time_stamp());
    if (!time) {
      Refuse(ChildPath(field, "time_stamp"),
             Quoted(entry.time_stamp()) + " (metric " + Quoted(metric.name()) +
                 ") is not an RFC 3339 time between the years 1678 and 2261");
    }
    observations.push_back({metric.name(), *value, *time});
  }
  return observations;
}

ObservationFilter FilterFromRequest(const katib_pb::GetObservationLogRequest& request,
                                    const DbManagerLimits& limits) {
  ObservationFilter filter;
  filter.attempt = kCurrentAttempt;
  if (!request.metric_name().empty()) {
    CheckName("metric_name", request.metric_name(), limits);
    filter.metric = request.metric_name();
  }
  filter.from = ParseBound("start_time", request.start_time());
  filter.to = ParseBound("end_time", request.end_time());
  if (filter.from && filter.to && *filter.from > *filter.to) {
    Refuse("start_time",
           Quoted(request.start_time()) + " is after end_time " + Quoted(request.end_time()));
  }
  return filter;
}

void FillLog(std::vector<Observation> observations, katib_pb::ObservationLog* log) {
  std::stable_sort(observations.begin(), observations.end(),
                   [](const Observation& a, const Observation& b) { return a.time < b.time; });
  log->mutable_metric_logs()->Reserve(static_cast<int>(observations.size()));
  for (auto& o : observations) {
    katib_pb::MetricLog* entry = log->add_metric_logs();
    entry->set_time_stamp(FormatKatibTime(o.time));
    entry->mutable_metric()->set_name(std::move(o.metric));
    entry->mutable_metric()->set_value(FormatDouble(o.value));
  }
}

}  // namespace tuneup
