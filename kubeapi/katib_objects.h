// tuneup's experiments and trials as the Kubernetes objects Katib's clients expect: kubeflow.org/
// v1beta1 Experiment, Trial and Suggestion, with Katib's status fields (conditions, trial counts
// and lists, currentOptimalTrial). Read by `kubectl` and Katib's Python SDK through the API slice
// of `tuneup serve` (kubeapi/kube_api_service.h).
//
// The objects are rendered from the store, so they are the same after a restart: the uid is
// derived from the kind, namespace, name and creation time. metadata.resourceVersion is not set
// here: the object cache (kubeapi/object_cache.h) assigns it when the rendering changes.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/trial.h"
#include "common/clock.h"
#include "db/store.h"

namespace tuneup::kubeapi {

using Json = nlohmann::json;

inline constexpr const char* kGroup = "kubeflow.org";
inline constexpr const char* kVersion = "v1beta1";
inline constexpr const char* kGroupVersion = "kubeflow.org/v1beta1";
// The label Katib puts on an experiment's trials (and tuneup on its Trial objects).
inline constexpr const char* kExperimentLabel = "katib.kubeflow.org/experiment";

// The namespace an experiment lives in: its metadata.namespace, or "default".
std::string NamespaceOf(const Experiment& experiment);

// A stable RFC 4122 (version 5 style) uid for the object.
std::string ObjectUid(const std::string& kind, const std::string& ns, const std::string& name,
                      Timestamp created);

// "2026-12-08T01:02:03Z": Kubernetes' metav1.Time (whole seconds).
std::string KubeTime(Timestamp time);

Json ExperimentObject(const ExperimentRecord& record, const std::vector<Trial>& trials);
Json TrialObject(const ExperimentRecord& record, const Trial& trial);
// The Trial objects of an experiment's `trials`, in order (the experiment is read once).
std::vector<Json> TrialObjects(const ExperimentRecord& record, const std::vector<Trial>& trials);
// Katib's Suggestion for the experiment (same name): the algorithm and how many trials it has
// proposed.
Json SuggestionObject(const ExperimentRecord& record, const std::vector<Trial>& trials);

}  // namespace tuneup::kubeapi
