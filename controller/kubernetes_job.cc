#include "controller/kubernetes_job.h"

#include <cstdio>
#include <set>

#include "api/trial_template.h"

namespace tuneup {

namespace {

constexpr size_t kMaxJobName = 63;  // pods carry the Job's name in a label: 63 characters at most

// FNV-1a, 32 bits: a stable short tag for names that had to be cut.
uint32_t Fnv1a(const std::string& text) {
  uint32_t hash = 2166136261u;
  for (unsigned char c : text) {
    hash ^= c;
    hash *= 16777619u;
  }
  return hash;
}

void SetLabels(Json& metadata, const TrialJob& job) {
  Json& labels = metadata["labels"];
  if (!labels.is_object()) labels = Json::object();
  labels[kKatibExperimentLabel] = job.experiment;
  labels[kKatibTrialLabel] = job.trial_name.empty() ? job.trial : job.trial_name;
  labels[kAttemptLabel] = std::to_string(job.attempt);
}

const Json* Find(const Json& object, const char* key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

}  // namespace

std::string StringAt(const Json& object, std::initializer_list<const char*> path) {
  const Json* node = &object;
  for (const char* key : path) {
    node = Find(*node, key);
    if (node == nullptr) return "";
  }
  return node->is_string() ? node->get<std::string>() : "";
}

std::string KubernetesJobName(const std::string& trial, int attempt) {
  std::string suffix = attempt > 0 ? "-a" + std::to_string(attempt) : "";
  if (trial.size() + suffix.size() <= kMaxJobName) return trial + suffix;
  char hash[16];
  std::snprintf(hash, sizeof(hash), "-%08x", Fnv1a(trial));
  std::string cut = trial.substr(0, kMaxJobName - suffix.size() - 9);
  while (!cut.empty() && (cut.back() == '-' || cut.back() == '.'))
    cut.pop_back();
  return cut + hash + suffix;
}

KubernetesManifest BuildKubernetesJob(const TrialJob& job, const KubernetesJobSettings& settings,
                                      const std::string& launch_id) {
  KubernetesManifest out;
  const Json& spec = job.rendered_spec;
  if (!IsBatchJob(spec)) {
    std::string api_version = TrialSpecApiVersion(spec);
    std::string kind = TrialSpecKind(spec);
    out.error = "the Kubernetes executor runs trialSpec kind batch/v1 Job only, not " +
                (api_version.empty() ? std::string("(no apiVersion)") : api_version) + " " +
                (kind.empty() ? std::string("(no kind)") : kind);
    return out;
  }
  out.job = spec;
  Json& metadata = out.job["metadata"];
  if (!metadata.is_object()) metadata = Json::object();
  out.name = KubernetesJobName(job.trial, job.attempt);
  out.namespace_ = !settings.namespace_.empty()                ? settings.namespace_
                   : StringAt(metadata, {"namespace"}).empty() ? "default"
                                                               : StringAt(metadata, {"namespace"});
  metadata["name"] = out.name;
  metadata["namespace"] = out.namespace_;
  for (const char* generated : {"uid", "resourceVersion", "creationTimestamp", "generateName"})
    metadata.erase(generated);
  SetLabels(metadata, job);
  Json& annotations = metadata["annotations"];
  if (!annotations.is_object()) annotations = Json::object();
  annotations[kLaunchIdAnnotation] = launch_id;
  metadata.erase("ownerReferences");

  Json& job_spec = out.job["spec"];
  if (!job_spec.is_object()) job_spec = Json::object();
  if (!job_spec.contains("backoffLimit")) job_spec["backoffLimit"] = 0;
  Json& pod_template = job_spec["template"];
  if (!pod_template.is_object()) pod_template = Json::object();
  Json& pod_metadata = pod_template["metadata"];
  if (!pod_metadata.is_object()) pod_metadata = Json::object();
  SetLabels(pod_metadata, job);
  Json& pod_spec = pod_template["spec"];
  if (!pod_spec.is_object()) pod_spec = Json::object();
  if (!pod_spec.contains("restartPolicy")) pod_spec["restartPolicy"] = "Never";
  if (job.priority == Priority::kLow && !settings.priority_class_low.empty()) {
    out.priority_class = settings.priority_class_low;
  } else if (job.priority == Priority::kHigh && !settings.priority_class_high.empty()) {
    out.priority_class = settings.priority_class_high;
  }
  if (!out.priority_class.empty()) {
    pod_spec["priorityClassName"] = out.priority_class;
    pod_spec.erase("priority");  // the admission controller sets it from the class
  }

  Json& containers = pod_spec["containers"];
  if (!containers.is_array() || containers.empty()) {
    out.error = "the Job has no spec.template.spec.containers";
    return out;
  }
  Json* primary = nullptr;
  for (Json& container : containers) {
    if (job.primary_container.empty() || StringAt(container, {"name"}) == job.primary_container) {
      primary = &container;
      break;
    }
  }
  if (primary == nullptr) {
    out.error = "no container named \"" + job.primary_container + "\" in the Job";
    return out;
  }
  out.container = StringAt(*primary, {"name"});
  Json& env = (*primary)["env"];
  if (!env.is_array()) env = Json::array();
  std::set<std::string> defined;
  for (const Json& var : env)
    defined.insert(StringAt(var, {"name"}));
  const std::string& trial = job.trial_name.empty() ? job.trial : job.trial_name;
  const std::pair<std::string, std::string> ours[] = {{"KATIB_TRIAL_NAME", trial},
                                                      {"TUNEUP_TRIAL_NAME", trial},
                                                      {"TUNEUP_EXPERIMENT_NAME", job.experiment},
                                                      {"PYTHONUNBUFFERED", "1"}};
  for (const auto& [name, value] : ours) {
    if (!defined.count(name)) env.push_back({{"name", name}, {"value", value}});
  }
  // A fold job of a cross-validated trial: which fold it is (controller/runner_folds.cc).
  for (const auto& [name, value] : job.env) {
    const bool fold_variable = name == "TUNEUP_FOLD" || name == "TUNEUP_FOLDS" ||
                               name == "TUNEUP_REPEAT" || name == "TUNEUP_FINAL";
    if (fold_variable && !defined.count(name)) env.push_back({{"name", name}, {"value", value}});
  }
  return out;
}

bool PodOwnedBy(const Json& pod, const std::string& job_uid) {
  if (job_uid.empty()) return false;
  const Json* metadata = Find(pod, "metadata");
  if (metadata == nullptr) return false;
  if (const Json* owners = Find(*metadata, "ownerReferences"); owners && owners->is_array()) {
    for (const Json& owner : *owners) {
      if (StringAt(owner, {"kind"}) == "Job" && StringAt(owner, {"uid"}) == job_uid) return true;
    }
    return false;
  }
  return StringAt(*metadata, {"labels", "batch.kubernetes.io/controller-uid"}) == job_uid ||
         StringAt(*metadata, {"labels", "controller-uid"}) == job_uid;
}

std::string ConditionStatus(const Json& object, const std::string& type, std::string* reason,
                            std::string* message) {
  const Json* status = Find(object, "status");
  const Json* conditions = status ? Find(*status, "conditions") : nullptr;
  if (conditions == nullptr || !conditions->is_array()) return "";
  for (const Json& condition : *conditions) {
    if (StringAt(condition, {"type"}) != type) continue;
    if (reason) *reason = StringAt(condition, {"reason"});
    if (message) *message = StringAt(condition, {"message"});
    return StringAt(condition, {"status"});
  }
  return "";
}

std::optional<JobResult> PodTakenAway(const Json& pod) {
  static const std::set<std::string> kPreemptions = {
      "PreemptionByScheduler", "EvictionByEvictionAPI", "DeletionByTaintManager",
      "TerminationByKubelet"};
  const std::string pod_name = StringAt(pod, {"metadata", "name"});
  JobResult result;
  std::string reason;
  std::string message;
  if (ConditionStatus(pod, "DisruptionTarget", &reason, &message) == "True") {
    if (kPreemptions.count(reason)) {
      result.kind = JobResult::Kind::kPreempted;
    } else if (reason == "DeletionByPodGC") {
      result.kind = JobResult::Kind::kInfrastructureFailed;
    } else {
      return std::nullopt;  // an unknown reason: wait for the pod's end
    }
    result.message =
        "pod " + pod_name + " disrupted (" + reason + ")" + (message.empty() ? "" : ": " + message);
    return result;
  }
  const std::string status_reason = StringAt(pod, {"status", "reason"});
  const std::string status_message = StringAt(pod, {"status", "message"});
  if (status_reason == "Evicted" || status_reason == "Preempting") {
    result.kind = JobResult::Kind::kPreempted;
  } else if (status_reason == "NodeLost") {
    result.kind = JobResult::Kind::kInfrastructureFailed;
  } else {
    return std::nullopt;
  }
  result.message = "pod " + pod_name + " " + status_reason +
                   (status_message.empty() ? "" : ": " + status_message);
  return result;
}

ContainerState PrimaryContainerState(const Json& pod, const std::string& container) {
  ContainerState out;
  const Json* status = Find(pod, "status");
  const Json* statuses = status ? Find(*status, "containerStatuses") : nullptr;
  if (statuses == nullptr || !statuses->is_array()) return out;
  for (const Json& entry : *statuses) {
    if (!container.empty() && StringAt(entry, {"name"}) != container) continue;
    const Json* state = Find(entry, "state");
    if (state == nullptr) return out;
    if (const Json* terminated = Find(*state, "terminated")) {
      out.state = "terminated";
      const Json* code = Find(*terminated, "exitCode");
      out.exit_code = code && code->is_number_integer() ? code->get<int>() : -1;
      std::string reason = StringAt(*terminated, {"reason"});
      out.message = "exit code " + std::to_string(out.exit_code) +
                    (reason.empty() ? "" : " (" + reason + ")");
    } else if (Find(*state, "running")) {
      out.state = "running";
    } else if (const Json* waiting = Find(*state, "waiting")) {
      out.waiting_reason = StringAt(*waiting, {"reason"});
      out.message = StringAt(*waiting, {"message"});
    }
    return out;
  }
  return out;
}

}  // namespace tuneup
