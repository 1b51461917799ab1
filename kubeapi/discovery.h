// The Kubernetes API server's discovery documents, for the slice tuneup serves: what kubectl
// reads first to learn that `experiments` are kubeflow.org/v1beta1 Experiments.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

namespace tuneup::kubeapi {

using Json = nlohmann::json;

Json VersionInfo();                                // GET /version
Json CoreApiVersions(const std::string& address);  // GET /api
Json CoreResourceList();                           // GET /api/v1: namespaces, events
Json ApiGroupList();                               // GET /apis
Json KatibApiGroup();                              // GET /apis/kubeflow.org
Json KatibResourceList();                          // GET /apis/kubeflow.org/v1beta1
Json NamespaceObject(const std::string& name);     // an Active Namespace

}  // namespace tuneup::kubeapi
