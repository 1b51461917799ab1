// spec.trialTemplate: Katib's webhook rules, and the shape of a batch/v1 Job trialSpec.
#include <set>

#include "api/json_reader.h"
#include "api/trial_template.h"
#include "api/validate.h"

namespace tuneup {

namespace {

const std::string kPath = "spec.trialTemplate";
const std::string kParamsPath = "spec.trialTemplate.trialParameters";
const std::string kSpecPath = "spec.trialTemplate.trialSpec";

// Reports fields of `object` that are not in `known`: a typo in a Job (`comand`) would otherwise
// run a trial without its command. Katib rejects these by converting the template to a Job.
void CheckKnownFields(const Json& object, const std::string& path,
                      const std::set<std::string>& known, FieldErrors& errors) {
  if (!object.is_object()) return;
  for (const auto& [key, value] : object.items()) {
    if (!known.count(key)) {
      errors.push_back({ChildPath(path, key), "unknown field in a batch/v1 Job"});
    }
  }
}

const std::set<std::string>& JobFields() {
  static const std::set<std::string> fields{"apiVersion", "kind", "metadata", "spec", "status"};
  return fields;
}

const std::set<std::string>& JobSpecFields() {
  static const std::set<std::string> fields{
      "activeDeadlineSeconds", "backoffLimit", "backoffLimitPerIndex", "completionMode",
      "completions", "managedBy", "manualSelector", "maxFailedIndexes", "parallelism",
      "podFailurePolicy", "podReplacementPolicy", "selector", "successPolicy", "suspend",
      "template", "ttlSecondsAfterFinished"};
  return fields;
}

const std::set<std::string>& PodSpecFields() {
  static const std::set<std::string> fields{
      "activeDeadlineSeconds", "affinity", "automountServiceAccountToken", "containers",
      "dnsConfig", "dnsPolicy", "enableServiceLinks", "ephemeralContainers", "hostAliases",
      "hostIPC", "hostNetwork", "hostPID", "hostUsers", "hostname", "imagePullSecrets",
      "initContainers", "nodeName", "nodeSelector", "os", "overhead", "preemptionPolicy",
      "priority", "priorityClassName", "readinessGates", "resourceClaims", "resources",
      "restartPolicy", "runtimeClassName", "schedulerName", "schedulingGates",
      "securityContext", "serviceAccount", "serviceAccountName", "setHostnameAsFQDN",
      "shareProcessNamespace", "subdomain", "terminationGracePeriodSeconds", "tolerations",
      "topologySpreadConstraints", "volumes"};
  return fields;
}

const std::set<std::string>& ContainerFields() {
  static const std::set<std::string> fields{
      "args", "command", "env", "envFrom", "image", "imagePullPolicy", "lifecycle",
      "livenessProbe", "name", "ports", "readinessProbe", "resizePolicy", "resources",
      "restartPolicy", "securityContext", "startupProbe", "stdin", "stdinOnce",
      "terminationMessagePath", "terminationMessagePolicy", "tty", "volumeDevices",
      "volumeMounts", "workingDir"};
  return fields;
}

void CheckStringList(const Json& container, const char* key, const std::string& path,
                     FieldErrors& errors) {
  auto it = container.find(key);
  if (it == container.end() || it->is_null()) return;
  if (!it->is_array()) {
    errors.push_back({ChildPath(path, key), "must be a list of strings"});
    return;
  }
  for (size_t i = 0; i < it->size(); ++i) {
    const Json& item = (*it)[i];
    if (!item.is_string()) {
      std::string message = "must be a string, got " + DescribeJson(item);
      if (item.is_number() || item.is_boolean()) message += " (quote it: \"" + item.dump() + "\")";
      errors.push_back({IndexPath(ChildPath(path, key), i), message});
    }
  }
}

void CheckContainer(const Json& container, const std::string& path, FieldErrors& errors) {
  if (!container.is_object()) {
    errors.push_back({path, "must be a container object"});
    return;
  }
  CheckKnownFields(container, path, ContainerFields(), errors);
  auto name = container.find("name");
  if (name == container.end() || !name->is_string() || name->get<std::string>().empty()) {
    errors.push_back({ChildPath(path, "name"), "must be specified"});
  }
  CheckStringList(container, "command", path, errors);
  CheckStringList(container, "args", path, errors);
  // Kubernetes types these as strings: Katib's conversion to a Job rejects anything else, and the
  // local executor reads them as strings.
  for (const char* key : {"image", "imagePullPolicy", "workingDir"}) {
    if (auto it = container.find(key); it != container.end() && !it->is_string()) {
      errors.push_back({ChildPath(path, key), "must be a string, got " + DescribeJson(*it)});
    }
  }
  auto env = container.find("env");
  if (env == container.end() || env->is_null()) return;
  if (!env->is_array()) {
    errors.push_back({ChildPath(path, "env"), "must be a list of {name, value}"});
    return;
  }
  for (size_t i = 0; i < env->size(); ++i) {
    const Json& var = (*env)[i];
    std::string var_path = IndexPath(ChildPath(path, "env"), i);
    if (!var.is_object()) {
      errors.push_back({var_path, "must be an object with name and value"});
      continue;
    }
    CheckKnownFields(var, var_path, {"name", "value", "valueFrom"}, errors);
    auto var_name = var.find("name");
    if (var_name == var.end() || !var_name->is_string() || var_name->get<std::string>().empty()) {
      errors.push_back({ChildPath(var_path, "name"), "must be specified"});
    }
    if (auto value = var.find("value"); value != var.end() && !value->is_string()) {
      std::string message = "must be a string, got " + DescribeJson(*value);
      if (value->is_number() || value->is_boolean()) {
        message += " (quote it: \"" + value->dump() + "\")";
      }
      errors.push_back({ChildPath(var_path, "value"), message});
    }
  }
}

void CheckBatchJob(const Json& job, const std::string& primary, FieldErrors& errors) {
  CheckKnownFields(job, kSpecPath, JobFields(), errors);
  auto spec = job.find("spec");
  if (spec == job.end() || !spec->is_object()) {
    errors.push_back({ChildPath(kSpecPath, "spec"), "a batch/v1 Job needs spec.template"});
    return;
  }
  std::string spec_path = ChildPath(kSpecPath, "spec");
  CheckKnownFields(*spec, spec_path, JobSpecFields(), errors);
  auto pod_template = spec->find("template");
  if (pod_template == spec->end() || !pod_template->is_object()) {
    errors.push_back({ChildPath(spec_path, "template"), "must be specified"});
    return;
  }
  std::string template_path = ChildPath(spec_path, "template");
  CheckKnownFields(*pod_template, template_path, {"metadata", "spec"}, errors);
  auto pod_spec = pod_template->find("spec");
  if (pod_spec == pod_template->end() || !pod_spec->is_object()) {
    errors.push_back({ChildPath(template_path, "spec"), "must be specified"});
    return;
  }
  std::string pod_path = ChildPath(template_path, "spec");
  CheckKnownFields(*pod_spec, pod_path, PodSpecFields(), errors);
  const Json* containers = JobContainers(job);
  if (containers == nullptr || containers->empty()) {
    errors.push_back({ChildPath(pod_path, "containers"), "must list at least one container"});
    return;
  }
  for (size_t i = 0; i < containers->size(); ++i) {
    CheckContainer((*containers)[i], IndexPath(ChildPath(pod_path, "containers"), i), errors);
  }
  if (!primary.empty() && FindJobContainer(job, primary) == nullptr) {
    errors.push_back({ChildPath(kPath, "primaryContainerName"),
                      "no container named \"" + primary + "\" in " + pod_path + ".containers"});
  }
}

// Katib's checks of trialParameters against the template text.
void CheckTrialParameters(const Experiment& experiment, const TrialTemplate& t,
                          FieldErrors& errors) {
  const auto& trial_parameters = *t.trial_parameters;
  std::set<std::string> experiment_parameters;
  for (const auto& parameter : experiment.spec.parameters) {
    experiment_parameters.insert(parameter.name);
  }
  std::string template_text = t.trial_spec->dump();
  std::set<std::string> names;
  std::set<std::string> references;
  for (size_t i = 0; i < trial_parameters.size(); ++i) {
    const TrialParameterSpec& p = trial_parameters[i];
    std::string path = IndexPath(kParamsPath, i);
    if (p.name.empty() || p.reference.empty() || p.name.find_first_of("{}") != std::string::npos) {
      errors.push_back({path, "name and reference must be specified and name must not contain "
                              "'{' or '}'"});
      continue;
    }
    if (!names.insert(p.name).second) {
      errors.push_back({ChildPath(path, "name"),
                        "\"" + p.name + "\" is duplicated in " + kParamsPath});
      continue;
    }
    if (!references.insert(p.reference).second) {
      errors.push_back({ChildPath(path, "reference"),
                        "\"" + p.reference + "\" is duplicated in " + kParamsPath});
      continue;
    }
    if (!experiment_parameters.empty() && !ParseMetadataReference(p.reference) &&
        !experiment_parameters.count(p.reference)) {
      errors.push_back({ChildPath(path, "reference"),
                        "\"" + p.reference + "\" is not a parameter in spec.parameters"});
    }
    if (template_text.find(ParameterPlaceholder(p.name)) == std::string::npos) {
      errors.push_back({ChildPath(path, "name"), "\"" + p.name + "\" is not used: " +
                                                     ParameterPlaceholder(p.name) +
                                                     " does not appear in " + kSpecPath});
    }
  }
  std::set<std::string> unlisted;
  for (const auto& name : FindParameterPlaceholders(template_text)) {
    if (!names.count(name)) unlisted.insert(name);
  }
  for (const auto& name : unlisted) {
    errors.push_back({kSpecPath, ParameterPlaceholder(name) + " is used but \"" + name +
                                     "\" is not listed in " + kParamsPath});
  }
  // Katib fails every trial when a search parameter has no trial parameter: catch it here.
  for (size_t i = 0; i < experiment.spec.parameters.size(); ++i) {
    const std::string& name = experiment.spec.parameters[i].name;
    if (!name.empty() && !references.count(name)) {
      errors.push_back({IndexPath("spec.parameters", i) + ".name",
                        "\"" + name + "\" is not referenced by any " + kParamsPath +
                            "[].reference, so no trial could receive its value"});
    }
  }
}

}  // namespace

void ValidateTrialTemplate(const Experiment& experiment, FieldErrors& errors) {
  if (!experiment.spec.trial_template) {
    errors.push_back({kPath, "must be specified"});
    return;
  }
  const TrialTemplate& t = *experiment.spec.trial_template;
  if (t.primary_container_name.empty()) {
    errors.push_back({ChildPath(kPath, "primaryContainerName"), "must be specified"});
  }
  if (t.success_condition.empty() || t.failure_condition.empty()) {
    errors.push_back({kPath, "successCondition and failureCondition must be specified for a "
                             "trialSpec kind other than Job or a Kubeflow training job"});
  }
  if (!t.trial_parameters) {
    errors.push_back({ChildPath(kPath, "trialParameters"), "must be specified"});
    return;
  }
  if (!t.trial_spec && !t.config_map) {
    errors.push_back({kPath, "one of trialSpec or configMap must be specified"});
    return;
  }
  if (t.trial_spec && t.config_map) {
    errors.push_back({kPath, "only one of trialSpec or configMap can be specified"});
    return;
  }
  if (t.config_map) {
    const ConfigMapSource& cm = *t.config_map;
    if (cm.config_map_name.empty() || cm.config_map_namespace.empty() || cm.template_path.empty()) {
      errors.push_back({ChildPath(kPath, "configMap"),
                        "configMapName, configMapNamespace and templatePath must be specified"});
    }
    return;  // the template lives in a cluster ConfigMap: nothing more to check offline
  }
  const Json& spec = *t.trial_spec;
  CheckTrialParameters(experiment, t, errors);
  if (const auto metadata = spec.find("metadata"); metadata != spec.end() && metadata->is_object()) {
    if (metadata->contains("name") || metadata->contains("namespace")) {
      errors.push_back({ChildPath(kSpecPath, "metadata"),
                        "name and namespace must be omitted: tuneup names each trial"});
    }
  }
  if (TrialSpecApiVersion(spec).empty() || TrialSpecKind(spec).empty()) {
    errors.push_back({kSpecPath, "apiVersion and kind must be specified"});
  }
  if (IsBatchJob(spec)) CheckBatchJob(spec, t.primary_container_name, errors);
}

}  // namespace tuneup
