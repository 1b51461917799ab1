#include "controller/manifest_check.h"

#include "api/defaults.h"
#include "api/trial_template.h"
#include "api/tuneup_annotations.h"
#include "api/validate.h"
#include "controller/collector_kinds.h"
#include "suggestion/early_stopping.h"

namespace tuneup {

namespace {

const std::string kContainersPath = "spec.trialTemplate.trialSpec.spec.template.spec.containers";

// A container the local executor starts as a process: it needs a command, and plain env values.
void CheckLocalContainer(const Json& container, const std::string& path, const char* role,
                         FieldErrors& unsupported) {
  auto command = container.find("command");
  if (command == container.end() || !command->is_array() || command->empty()) {
    unsupported.push_back({ChildPath(path, "command"),
                           std::string("the local executor needs a command for the ") + role +
                               ": there is no container image whose entrypoint it could use"});
  }
  if (auto env = container.find("env"); env != container.end() && env->is_array()) {
    for (size_t j = 0; j < env->size(); ++j) {
      if ((*env)[j].is_object() && (*env)[j].contains("valueFrom")) {
        unsupported.push_back({IndexPath(ChildPath(path, "env"), j) + ".valueFrom",
                               "references Kubernetes objects, which the local executor cannot "
                               "read; give a value instead"});
      }
    }
  }
}

void CheckPrimaryContainer(const Json& trial_spec, const std::string& primary,
                           FieldErrors& unsupported) {
  const Json* containers = JobContainers(trial_spec);
  if (containers == nullptr) return;
  for (size_t i = 0; i < containers->size(); ++i) {
    const Json& container = (*containers)[i];
    if (!container.is_object() || container.value("name", "") != primary) continue;
    CheckLocalContainer(container, IndexPath(kContainersPath, i), "trial", unsupported);
  }
}

// What the scraper cannot do: HTTPS, metric names the Prometheus text format cannot hold (such
// as Katib's "Validation-accuracy"), headers that are not HTTP headers.
void CheckPrometheusSource(const Experiment& experiment, FieldErrors& unsupported) {
  if (auto problem = CheckPrometheusScraperOptions(PrometheusOptionsFor(experiment))) {
    unsupported.push_back({"spec.metricsCollectorSpec",
                           "the PrometheusMetric collector cannot scrape this: " + *problem});
  }
}

}  // namespace

FieldErrors FindLocallyUnsupported(const Experiment& experiment,
                                   const AlgorithmRegistry& registry) {
  FieldErrors unsupported;
  const ExperimentSpec& spec = experiment.spec;
  if (spec.algorithm && registry.Find(spec.algorithm->algorithm_name) == nullptr) {
    std::string runnable;
    for (const auto& name : registry.Names())
      runnable += (runnable.empty() ? "" : ", ") + name;
    unsupported.push_back(
        {"spec.algorithm.algorithmName", "tuneup cannot run \"" + spec.algorithm->algorithm_name +
                                             "\" yet (it runs: " + runnable + ")"});
  }
  if (spec.metrics_collector_spec && spec.metrics_collector_spec->collector) {
    const CollectorSpec& collector = *spec.metrics_collector_spec->collector;
    if (collector.kind == katib::kCollectorCustom && collector.custom_collector &&
        collector.custom_collector->is_object()) {
      CheckLocalContainer(*collector.custom_collector,
                          "spec.metricsCollectorSpec.collector.customCollector",
                          "custom metrics collector", unsupported);
    } else if (collector.kind == katib::kCollectorPrometheus && spec.objective &&
               spec.metrics_collector_spec->source &&
               spec.metrics_collector_spec->source->http_get) {
      CheckPrometheusSource(experiment, unsupported);
    }
  }
  {
    FieldErrors ignored;  // validated already
    const CollectorSpec* collector =
        spec.metrics_collector_spec && spec.metrics_collector_spec->collector
            ? &*spec.metrics_collector_spec->collector
            : nullptr;
    if (ReadTuneupSettings(experiment, ignored).cv.folds > 0 && collector != nullptr &&
        (collector->kind == katib::kCollectorPush || collector->kind == katib::kCollectorCustom)) {
      // Those report per trial (`tuneup report`, KATIB_TRIAL_NAME), with no way to say which
      // fold a value belongs to.
      unsupported.push_back({std::string("metadata.annotations[") + kCvFoldsAnnotation + "]",
                             "cross-validation needs a collector that reads each fold job's own "
                             "output (StdOut, File, TensorFlowEvent, PrometheusMetric), not " +
                                 collector->kind});
    }
  }
  if (spec.trial_template) {
    const TrialTemplate& t = *spec.trial_template;
    if (t.config_map) {
      unsupported.push_back({"spec.trialTemplate.configMap",
                             "the trial template is in a Kubernetes ConfigMap, which the local "
                             "executor cannot read; put the Job in spec.trialTemplate.trialSpec"});
    } else if (t.trial_spec && !IsBatchJob(*t.trial_spec)) {
      unsupported.push_back({"spec.trialTemplate.trialSpec.kind",
                             TrialSpecApiVersion(*t.trial_spec) + " " +
                                 TrialSpecKind(*t.trial_spec) +
                                 " trials need a Kubernetes cluster; the local executor runs "
                                 "batch/v1 Job trials"});
    } else if (t.trial_spec) {
      CheckPrimaryContainer(*t.trial_spec, t.primary_container_name, unsupported);
    }
  }
  return unsupported;
}

ManifestCheck CheckExperiment(LoadedExperiment loaded, const AlgorithmRegistry& registry) {
  ManifestCheck check;
  check.experiment = std::move(loaded.experiment);
  check.source = std::move(loaded.source);
  check.directory = std::move(loaded.directory);
  check.errors = std::move(loaded.errors);
  ApplyKatibDefaults(check.experiment);
  FieldErrors rules = ValidateExperiment(check.experiment);
  check.errors.insert(check.errors.end(), rules.begin(), rules.end());
  if (check.errors.empty()) {
    check.errors = registry.ValidateSettings(check.experiment);
    FieldErrors stopping = ValidateEarlyStoppingSettings(check.experiment);
    check.errors.insert(check.errors.end(), stopping.begin(), stopping.end());
  }
  if (check.errors.empty()) {
    check.unsupported = FindLocallyUnsupported(check.experiment, registry);
    check.warnings = registry.Warnings(check.experiment);
  }
  return check;
}

std::vector<ManifestCheck> CheckManifestFile(const std::string& path,
                                             const AlgorithmRegistry& registry) {
  std::vector<ManifestCheck> checks;
  for (auto& loaded : LoadManifestFile(path)) {
    checks.push_back(CheckExperiment(std::move(loaded), registry));
  }
  return checks;
}

}  // namespace tuneup
