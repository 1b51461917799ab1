// The Kubernetes Job of a trial, and what the status of its Job and pods means for the trial.
//
// Supported trialSpec: a batch/v1 Job, submitted as rendered (the image and every field as
// written, `${trialParameters.X}` substituted, `$(VAR)` left for the kubelet). Any other
// apiVersion/kind (TFJob, PyTorchJob, MPIJob, XGBoostJob, Argo Workflow, Tekton PipelineRun, ...)
// is refused naming it: following their status and pods needs knowledge of each operator.
//
// What tuneup changes in the Job before it creates it:
//  - metadata.name: the trial's name for attempt 0, "<trial>-a<N>" for attempt N > 0, so that a
//    re-run never collides with the old Job (which may still be terminating). A name that would
//    be longer than 63 characters is cut and given 8 hex digits of a hash of the trial's name
//    ("<cut>-<hash>[-a<N>]").
//  - metadata.namespace: --namespace when given, else the rendered one (the experiment's
//    metadata.namespace, "default" when it has none, as ${trialSpec.Namespace} says).
//  - labels, on the Job and on its pod template: katib.kubeflow.org/experiment and
//    katib.kubeflow.org/trial (as Katib labels trials and their pods) and tuneup.dev/attempt (the
//    attempt number; tuneup's watches select on it). The annotation tuneup.dev/launch-id (random,
//    per launch) tells tuneup's own Job from a leftover of an earlier run with the same name. No
//    ownerReferences (Katib's point to the Trial object, which does not exist here).
//  - spec.backoffLimit 0 and the pod template's restartPolicy Never, unless the manifest sets
//    them: a failed container is the trial's failure, not something to retry behind tuneup's back.
//  - spec.template.spec.priorityClassName for a low- or high-priority experiment (TrialJob's
//    priority) when a class name is configured for it; normal priority leaves the manifest's own.
//  - the primary container's env gets KATIB_TRIAL_NAME, TUNEUP_TRIAL_NAME,
//    TUNEUP_EXPERIMENT_NAME and PYTHONUNBUFFERED=1 appended, unless the manifest defines them.
//    Paths on the controller's machine (TUNEUP_TRIAL_DIR, TUNEUP_DB, ...) are not given to pods.
#pragma once

#include <optional>
#include <string>

#include "controller/executor.h"

namespace tuneup {

inline constexpr const char* kKatibExperimentLabel = "katib.kubeflow.org/experiment";
inline constexpr const char* kKatibTrialLabel = "katib.kubeflow.org/trial";
inline constexpr const char* kAttemptLabel = "tuneup.dev/attempt";
inline constexpr const char* kLaunchIdAnnotation = "tuneup.dev/launch-id";

struct KubernetesJobSettings {
  std::string namespace_;                         // "" = the rendered namespace
  std::string priority_class_low = "tuneup-low";  // "" = the manifest's own
  std::string priority_class_high;                // "" = the manifest's own
};

// The Job name of `attempt` of `trial`.
std::string KubernetesJobName(const std::string& trial, int attempt);

struct KubernetesManifest {
  Json job;                    // the Job to POST
  std::string namespace_;      // its namespace
  std::string name;            // its name
  std::string container;       // the primary container's name
  std::string priority_class;  // set by tuneup ("" = none set)
  std::string error;           // why `job` cannot be submitted ("" = it can)
};

// The Job tuneup creates for `job` (see the top of this file).
KubernetesManifest BuildKubernetesJob(const TrialJob& job, const KubernetesJobSettings& settings,
                                      const std::string& launch_id);

// True when `pod` belongs to the Job whose metadata.uid is `job_uid` (an ownerReference, or the
// Job controller's controller-uid label).
bool PodOwnedBy(const Json& pod, const std::string& job_uid);

// What the cluster did to `pod`, if it took it away: kPreempted (condition DisruptionTarget with
// reason PreemptionByScheduler, EvictionByEvictionAPI, DeletionByTaintManager or
// TerminationByKubelet; status.reason Evicted or Preempting) or kInfrastructureFailed
// (DisruptionTarget DeletionByPodGC: its node is gone; status.reason NodeLost), with a message.
std::optional<JobResult> PodTakenAway(const Json& pod);

// The state of container `container` of `pod`: "" (not started), "running" or "terminated"; for
// terminated, its exitCode and a message ("exit code 3 (Error)").
struct ContainerState {
  std::string state;
  int exit_code = -1;
  std::string message;
  std::string waiting_reason;  // e.g. ImagePullBackOff, while it waits
};
ContainerState PrimaryContainerState(const Json& pod, const std::string& container);

// The status of condition `type` of a Job or pod ("True", "False", "" when absent); `reason` and
// `message` are filled in when found.
std::string ConditionStatus(const Json& object, const std::string& type, std::string* reason = {},
                            std::string* message = {});

// A string field by path ("status", "phase"); "" when absent or not a string.
std::string StringAt(const Json& object, std::initializer_list<const char*> path);

}  // namespace tuneup
