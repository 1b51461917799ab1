// The Experiment: Katib's `kubeflow.org/v1beta1` Experiment, field for field.
//
// These types mirror Katib's Go types (pkg/apis/controller/experiments/v1beta1 and
// common/v1beta1) so that every field of a manifest has a home, including the ones tuneup does not
// act on yet: nothing in a manifest is silently dropped. Enumerations Katib spells as strings
// (parameterType, distribution, objective type, ...) stay strings here, exactly as written, so
// validation can report the value the user wrote; the typed view used for sampling is SearchSpace
// (api/search_space.h). Optional Katib pointers are std::optional.
//
// Reading: LoadManifest (api/manifest.h). Defaults: ApplyKatibDefaults (api/defaults.h).
// Admission rules: ValidateExperiment (api/validate.h). JSON form: api/experiment_json.h.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tuneup {

using Json = nlohmann::json;

// Katib spellings of the string enumerations.
namespace katib {
inline constexpr const char* kApiVersion = "kubeflow.org/v1beta1";
inline constexpr const char* kKind = "Experiment";

inline constexpr const char* kDouble = "double";
inline constexpr const char* kInt = "int";
inline constexpr const char* kDiscrete = "discrete";
inline constexpr const char* kCategorical = "categorical";

inline constexpr const char* kUniform = "uniform";
inline constexpr const char* kLogUniform = "logUniform";
inline constexpr const char* kNormal = "normal";
inline constexpr const char* kLogNormal = "logNormal";

inline constexpr const char* kMinimize = "minimize";
inline constexpr const char* kMaximize = "maximize";

inline constexpr const char* kStrategyMin = "min";
inline constexpr const char* kStrategyMax = "max";
inline constexpr const char* kStrategyLatest = "latest";

inline constexpr const char* kResumeNever = "Never";
inline constexpr const char* kResumeLongRunning = "LongRunning";
inline constexpr const char* kResumeFromVolume = "FromVolume";

inline constexpr const char* kCollectorStdOut = "StdOut";
inline constexpr const char* kCollectorFile = "File";
inline constexpr const char* kCollectorTfEvent = "TensorFlowEvent";
inline constexpr const char* kCollectorPrometheus = "PrometheusMetric";
inline constexpr const char* kCollectorCustom = "Custom";
inline constexpr const char* kCollectorPush = "Push";
// No collection: the trial stores its metrics itself (tuneup report, or Katib's SDK).
inline constexpr const char* kCollectorNone = "None";

inline constexpr const char* kFileKindFile = "File";
inline constexpr const char* kFileKindDirectory = "Directory";
inline constexpr const char* kFormatText = "TEXT";
inline constexpr const char* kFormatJson = "JSON";

// Katib's default StdOut/File TEXT filter: `name=value` pairs.
inline constexpr const char* kDefaultMetricsFilter =
    R"(([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?))";
}  // namespace katib

struct ObjectMeta {
  std::string name;
  std::string namespace_;  // "namespace" in the manifest
  std::map<std::string, std::string> labels;
  std::map<std::string, std::string> annotations;
  // Every other metadata field (uid, resourceVersion, ... from `kubectl get -o yaml`), kept as is.
  Json other = Json::object();
};

struct FeasibleSpace {
  std::string max;
  std::string min;
  std::vector<std::string> list;
  std::string step;
  std::string distribution;
};

struct ParameterSpec {
  std::string name;
  std::string parameter_type;
  FeasibleSpace feasible_space;
};

struct MetricStrategy {
  std::string name;
  std::string value;  // min | max | latest
};

struct ObjectiveSpec {
  std::string type;  // minimize | maximize
  std::optional<double> goal;
  std::string objective_metric_name;
  std::vector<std::string> additional_metric_names;
  std::vector<MetricStrategy> metric_strategies;
};

struct NamedSetting {
  std::string name;
  std::string value;
};

struct AlgorithmSpec {
  std::string algorithm_name;
  std::vector<NamedSetting> algorithm_settings;
};

struct EarlyStoppingSpec {
  std::string algorithm_name;
  std::vector<NamedSetting> algorithm_settings;
};

struct TrialParameterSpec {
  std::string name;
  std::string description;
  std::string reference;
};

struct ConfigMapSource {
  std::string config_map_name;
  std::string config_map_namespace;
  std::string template_path;
};

struct TrialTemplate {
  bool retain = false;
  std::optional<Json> trial_spec;  // the Job (or other kind) to run, unstructured
  std::optional<ConfigMapSource> config_map;
  std::optional<std::vector<TrialParameterSpec>> trial_parameters;
  std::map<std::string, std::string> primary_pod_labels;
  std::string primary_container_name;
  std::string success_condition;
  std::string failure_condition;
};

struct HttpGetAction {
  std::string path;
  Json port;  // int or named port (string), as in Kubernetes' IntOrString; null when absent
  std::string host;
  std::string scheme;
  Json http_headers;  // list of {name, value}; null when absent
};

struct FileSystemPath {
  std::string path;
  std::string kind;    // File | Directory
  std::string format;  // TEXT | JSON
};

struct FilterSpec {
  std::vector<std::string> metrics_format;
};

struct SourceSpec {
  std::optional<HttpGetAction> http_get;
  std::optional<FileSystemPath> file_system_path;
  std::optional<FilterSpec> filter;
};

struct CollectorSpec {
  std::string kind;
  std::optional<Json> custom_collector;  // a Kubernetes Container
};

struct MetricsCollectorSpec {
  std::optional<SourceSpec> source;
  std::optional<CollectorSpec> collector;
};

struct ExperimentSpec {
  std::vector<ParameterSpec> parameters;
  std::optional<ObjectiveSpec> objective;
  std::optional<AlgorithmSpec> algorithm;
  std::optional<EarlyStoppingSpec> early_stopping;
  std::optional<TrialTemplate> trial_template;
  std::optional<int32_t> parallel_trial_count;
  std::optional<int32_t> max_trial_count;
  std::optional<int32_t> max_failed_trial_count;
  std::optional<MetricsCollectorSpec> metrics_collector_spec;
  std::optional<Json> nas_config;  // neural architecture search: tuneup never runs it
  std::string resume_policy;
};

struct Experiment {
  std::string api_version;
  std::string kind;
  ObjectMeta metadata;
  ExperimentSpec spec;
};

// Whether the objective is maximised (false when there is no objective).
bool MaximizesObjective(const Experiment& experiment);

// The metric names a trial reports: the objective metric first, then the additional ones.
std::vector<std::string> MetricNames(const ObjectiveSpec& objective);

// The strategy (min | max | latest) for `metric`, or "" when none is set.
std::string StrategyFor(const ObjectiveSpec& objective, const std::string& metric);

// The setting named `name` in `settings`, if present (the last one wins, as in Katib's services).
std::optional<std::string> FindSetting(const std::vector<NamedSetting>& settings,
                                       const std::string& name);

}  // namespace tuneup
