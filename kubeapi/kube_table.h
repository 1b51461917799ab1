// kubectl's tables (meta.k8s.io/v1 Table): what `kubectl get` shows when it asks with
// `Accept: application/json;as=Table;...`, with the printer columns of Katib's CRDs
// (Type and Status of the last condition, Age; for suggestions also Requested and Assigned).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tuneup::kubeapi {

using Json = nlohmann::json;

// `objects` (all of one resource) as a Table with resourceVersion `version`. Each row carries the
// object's metadata (PartialObjectMetadata), which kubectl uses for namespaces and watches.
Json TableOf(const std::string& resource, const std::vector<Json>& objects, uint64_t version,
             bool with_columns = true);

// An age as kubectl prints it: "45s", "3m12s", "5h", "2d3h", ...
std::string HumanDuration(std::chrono::seconds age);

}  // namespace tuneup::kubeapi
