#include "rpc/katib_convert.h"

#include <cmath>
#include <string>

#include "api/defaults.h"
#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace pb = ::api::v1::beta1;

namespace {

[[noreturn]] void Bad(const std::string& field, const std::string& problem) {
  throw Error(ErrorCode::kInvalidArgument, field + ": " + problem);
}

std::string Indexed(const std::string& field, int index) {
  return field + "[" + std::to_string(index) + "]";
}

std::string ParameterType(pb::ParameterType type, const std::string& field) {
  switch (type) {
    case pb::DOUBLE:
      return katib::kDouble;
    case pb::INT:
      return katib::kInt;
    case pb::DISCRETE:
      return katib::kDiscrete;
    case pb::CATEGORICAL:
      return katib::kCategorical;
    default:
      Bad(field, "unknown parameter type " + std::to_string(static_cast<int>(type)) +
                     " (DOUBLE, INT, DISCRETE or CATEGORICAL)");
  }
}

std::string Distribution(pb::Distribution distribution, const std::string& field) {
  switch (distribution) {
    case pb::DISTRIBUTION_UNSPECIFIED:
      return "";
    case pb::UNIFORM:
      return katib::kUniform;
    case pb::LOG_UNIFORM:
      return katib::kLogUniform;
    case pb::NORMAL:
      return katib::kNormal;
    case pb::LOG_NORMAL:
      return katib::kLogNormal;
    default:
      Bad(field, "unknown distribution " + std::to_string(static_cast<int>(distribution)));
  }
}

TrialStatus StatusOf(pb::TrialStatus::TrialConditionType condition, const std::string& field) {
  switch (condition) {
    case pb::TrialStatus::CREATED:
      return TrialStatus::kPending;
    case pb::TrialStatus::RUNNING:
    case pb::TrialStatus::UNKNOWN:  // not known to have ended: still in flight
      return TrialStatus::kRunning;
    case pb::TrialStatus::SUCCEEDED:
      return TrialStatus::kSucceeded;
    case pb::TrialStatus::KILLED:
      return TrialStatus::kKilled;
    case pb::TrialStatus::FAILED:
      return TrialStatus::kFailed;
    case pb::TrialStatus::METRICSUNAVAILABLE:
      return TrialStatus::kMetricsUnavailable;
    case pb::TrialStatus::EARLYSTOPPED:
      return TrialStatus::kEarlyStopped;
    default:
      Bad(field, "unknown trial condition " + std::to_string(static_cast<int>(condition)));
  }
}

std::optional<Timestamp> TimeOf(const std::string& text, const std::string& field) {
  if (text.empty()) return std::nullopt;
  auto time = ParseRfc3339(text);
  if (!time) Bad(field, "\"" + text + "\" is not an RFC 3339 time");
  return time;
}

}  // namespace

Experiment ExperimentFromProto(const pb::Experiment& proto) {
  Experiment experiment;
  experiment.api_version = katib::kApiVersion;
  experiment.kind = katib::kKind;
  if (proto.name().empty()) Bad("experiment.name", "must be set");
  experiment.metadata.name = proto.name();
  const pb::ExperimentSpec& spec = proto.spec();
  const auto& parameters = spec.parameter_specs().parameters();
  for (int i = 0; i < parameters.size(); ++i) {
    const pb::ParameterSpec& p = parameters[i];
    const std::string field = Indexed("experiment.spec.parameter_specs.parameters", i);
    ParameterSpec parameter;
    parameter.name = p.name();
    parameter.parameter_type = ParameterType(p.parameter_type(), field + ".parameter_type");
    parameter.feasible_space.min = p.feasible_space().min();
    parameter.feasible_space.max = p.feasible_space().max();
    parameter.feasible_space.step = p.feasible_space().step();
    parameter.feasible_space.list.assign(p.feasible_space().list().begin(),
                                         p.feasible_space().list().end());
    parameter.feasible_space.distribution =
        Distribution(p.feasible_space().distribution(), field + ".feasible_space.distribution");
    experiment.spec.parameters.push_back(std::move(parameter));
  }
  if (experiment.spec.parameters.empty()) {
    Bad("experiment.spec.parameter_specs.parameters", "no parameters to suggest values for");
  }
  ObjectiveSpec objective;
  switch (spec.objective().type()) {
    case pb::MINIMIZE:
      objective.type = katib::kMinimize;
      break;
    case pb::MAXIMIZE:
      objective.type = katib::kMaximize;
      break;
    default:
      Bad("experiment.spec.objective.type", "must be MINIMIZE or MAXIMIZE");
  }
  if (spec.objective().objective_metric_name().empty()) {
    Bad("experiment.spec.objective.objective_metric_name", "must be set");
  }
  objective.objective_metric_name = spec.objective().objective_metric_name();
  objective.additional_metric_names.assign(spec.objective().additional_metric_names().begin(),
                                           spec.objective().additional_metric_names().end());
  // proto3 cannot tell a goal of 0 from none; algorithms never need the goal.
  if (spec.objective().goal() != 0) objective.goal = spec.objective().goal();
  experiment.spec.objective = std::move(objective);
  AlgorithmSpec algorithm;
  algorithm.algorithm_name = spec.algorithm().algorithm_name();
  for (const auto& setting : spec.algorithm().algorithm_settings())
    algorithm.algorithm_settings.push_back({setting.name(), setting.value()});
  experiment.spec.algorithm = std::move(algorithm);
  if (!spec.early_stopping().algorithm_name().empty()) {
    EarlyStoppingSpec early_stopping;
    early_stopping.algorithm_name = spec.early_stopping().algorithm_name();
    for (const auto& setting : spec.early_stopping().algorithm_settings())
      early_stopping.algorithm_settings.push_back({setting.name(), setting.value()});
    experiment.spec.early_stopping = std::move(early_stopping);
  }
  if (spec.parallel_trial_count() < 0) {
    Bad("experiment.spec.parallel_trial_count", "must not be negative");
  }
  if (spec.max_trial_count() < 0) Bad("experiment.spec.max_trial_count", "must not be negative");
  if (spec.parallel_trial_count() > 0)
    experiment.spec.parallel_trial_count = spec.parallel_trial_count();
  if (spec.max_trial_count() > 0) experiment.spec.max_trial_count = spec.max_trial_count();
  ApplyKatibDefaults(experiment);
  return experiment;
}

std::vector<Trial> TrialsFromProto(const google::protobuf::RepeatedPtrField<pb::Trial>& trials,
                                   const Experiment& experiment) {
  const std::string& metric = experiment.spec.objective->objective_metric_name;
  std::vector<Trial> result;
  result.reserve(static_cast<size_t>(trials.size()));
  for (int i = 0; i < trials.size(); ++i) {
    const pb::Trial& proto = trials[i];
    const std::string field = Indexed("trials", i);
    Trial trial;
    trial.name = proto.name();
    if (trial.name.empty()) Bad(field + ".name", "must be set");
    trial.experiment = experiment.metadata.name;
    trial.sequence = i;
    for (const auto& assignment : proto.spec().parameter_assignments().assignments())
      trial.assignment.push_back({assignment.name(), assignment.value()});
    trial.labels.insert(proto.spec().labels().begin(), proto.spec().labels().end());
    trial.status = StatusOf(proto.status().condition(), field + ".status.condition");
    trial.started_at = TimeOf(proto.status().start_time(), field + ".status.start_time");
    trial.completed_at =
        TimeOf(proto.status().completion_time(), field + ".status.completion_time");
    const auto& metrics = proto.status().observation().metrics();
    for (int m = 0; m < metrics.size(); ++m) {
      const std::string where =
          field + ".status.observation.metrics" + "[" + std::to_string(m) + "].value";
      std::optional<double> value = ParseDouble(metrics[m].value());
      if (!value || !std::isfinite(*value)) {
        Bad(where, "\"" + metrics[m].value() + "\" is not a finite number");
      }
      trial.metrics.push_back({metrics[m].name(), *value, *value, *value, 1});
      if (metrics[m].name() == metric) trial.objective = *value;
    }
    result.push_back(std::move(trial));
  }
  return result;
}

}  // namespace tuneup
