#include "api/defaults.h"

#include <set>

namespace tuneup {

namespace {

constexpr const char* kJobSuccessCondition = R"(status.conditions.#(type=="Complete")#|#(status=="True")#)";
constexpr const char* kJobFailureCondition = R"(status.conditions.#(type=="Failed")#|#(status=="True")#)";
constexpr const char* kKubeflowJobSuccessCondition =
    R"(status.conditions.#(type=="Succeeded")#|#(status=="True")#)";

const std::set<std::string>& KubeflowJobKinds() {
  static const std::set<std::string> kinds{"TFJob", "PyTorchJob", "XGBoostJob", "MPIJob",
                                           "TrainJob"};
  return kinds;
}

void DefaultObjective(ObjectiveSpec& objective) {
  auto default_strategy = [&] {
    if (objective.type == katib::kMinimize) return katib::kStrategyMin;
    if (objective.type == katib::kMaximize) return katib::kStrategyMax;
    return katib::kStrategyLatest;
  };
  std::set<std::string> listed;
  for (const auto& strategy : objective.metric_strategies) {
    listed.insert(strategy.name);
  }
  // A missing metric name is reported by validation on the field the user wrote; a strategy
  // defaulted for it would add a second error on metricStrategies, which the user never wrote.
  const std::string& objective_name = objective.objective_metric_name;
  if (!objective_name.empty() && !listed.count(objective_name)) {
    objective.metric_strategies.push_back({objective_name, default_strategy()});
    listed.insert(objective_name);
  }
  for (const auto& name : objective.additional_metric_names) {
    if (!name.empty() && listed.insert(name).second) {
      objective.metric_strategies.push_back({name, default_strategy()});
    }
  }
}

void DefaultTrialTemplate(TrialTemplate& t) {
  if (!t.trial_spec || !t.trial_spec->is_object()) return;
  auto kind_it = t.trial_spec->find("kind");
  if (kind_it == t.trial_spec->end() || !kind_it->is_string()) return;
  std::string kind = kind_it->get<std::string>();
  if (kind == "Job") {
    if (t.success_condition.empty()) t.success_condition = kJobSuccessCondition;
    if (t.failure_condition.empty()) t.failure_condition = kJobFailureCondition;
  } else if (KubeflowJobKinds().count(kind)) {
    bool train_job = kind == "TrainJob";
    if (t.success_condition.empty()) {
      t.success_condition = train_job ? kJobSuccessCondition : kKubeflowJobSuccessCondition;
    }
    if (t.failure_condition.empty()) t.failure_condition = kJobFailureCondition;
    if (t.primary_pod_labels.empty()) {
      if (train_job) {
        t.primary_pod_labels = {{"jobset.sigs.k8s.io/replicatedjob-name", "node"},
                                {"batch.kubernetes.io/job-completion-index", "0"}};
      } else {
        t.primary_pod_labels = {{"training.kubeflow.org/job-role", "master"}};
      }
    }
  }
}

void DefaultMetricsCollector(ExperimentSpec& spec) {
  if (!spec.metrics_collector_spec) spec.metrics_collector_spec.emplace();
  MetricsCollectorSpec& mc = *spec.metrics_collector_spec;
  if (!mc.collector) mc.collector = CollectorSpec{katib::kCollectorStdOut, std::nullopt};
  const std::string& kind = mc.collector->kind;
  if (kind == katib::kCollectorPrometheus) {
    if (!mc.source) mc.source.emplace();
    if (!mc.source->http_get) mc.source->http_get.emplace();
    HttpGetAction& http = *mc.source->http_get;
    if (http.path.empty()) http.path = "/metrics";
    bool port_unset = http.port.is_null() || (http.port.is_number_integer() && http.port == 0) ||
                      (http.port.is_string() && (http.port == "" || http.port == "0"));
    if (port_unset) http.port = 8080;
  } else if (kind == katib::kCollectorFile || kind == katib::kCollectorTfEvent) {
    bool file = kind == katib::kCollectorFile;
    if (!mc.source) mc.source.emplace();
    if (!mc.source->file_system_path) mc.source->file_system_path.emplace();
    FileSystemPath& path = *mc.source->file_system_path;
    if (path.kind.empty()) path.kind = file ? katib::kFileKindFile : katib::kFileKindDirectory;
    if (path.path.empty()) {
      path.path = file ? "/var/log/katib/metrics.log" : "/var/log/katib/tfevent/";
    }
    if (file && path.format.empty()) path.format = katib::kFormatText;
  }
}

}  // namespace

void ApplyKatibDefaults(Experiment& experiment) {
  ExperimentSpec& spec = experiment.spec;
  if (!spec.parallel_trial_count) spec.parallel_trial_count = kDefaultParallelTrialCount;
  if (spec.resume_policy.empty()) spec.resume_policy = katib::kResumeNever;
  if (spec.objective) DefaultObjective(*spec.objective);
  if (spec.trial_template) DefaultTrialTemplate(*spec.trial_template);
  DefaultMetricsCollector(spec);
  for (auto& parameter : spec.parameters) {
    if (parameter.feasible_space.distribution.empty()) {
      parameter.feasible_space.distribution = katib::kUniform;
    }
  }
}

}  // namespace tuneup
