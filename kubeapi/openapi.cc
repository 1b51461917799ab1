#include "kubeapi/openapi.h"

#include <string>

#include "kubeapi/katib_objects.h"

namespace tuneup::kubeapi {

namespace {

// Changes when the document does, so that kubectl's cache of it is refreshed.
constexpr const char* kDocumentHash = "tuneup-1";

Json QueryParameter(const std::string& name) {
  return {{"name", name}, {"in", "query"}, {"schema", {{"type", "string"}, {"uniqueItems", true}}}};
}

Json Operation(const std::string& id, const std::string& kind, const std::string& action,
               bool patch) {
  Json parameters = Json::array();
  for (const char* name : {"dryRun", "fieldManager", "fieldValidation"})
    parameters.push_back(QueryParameter(name));
  Json operation = {{"operationId", id},
                    {"tags", {"kubeflowOrg_v1beta1"}},
                    {"parameters", parameters},
                    {"x-kubernetes-action", action},
                    {"x-kubernetes-group-version-kind",
                     {{"group", kGroup}, {"version", kVersion}, {"kind", kind}}},
                    {"responses", {{"200", {{"description", "OK"}}}}}};
  if (patch) {
    const Json object_schema = {{"schema", {{"type", "object"}}}};
    operation["requestBody"] = {{"content",
                                 {{"application/json-patch+json", object_schema},
                                  {"application/merge-patch+json", object_schema}}}};
  }
  return operation;
}

}  // namespace

Json OpenApiV3Root() {
  return {{"paths",
           {{"apis/kubeflow.org/v1beta1",
             {{"serverRelativeURL",
               std::string("/openapi/v3/apis/kubeflow.org/v1beta1?hash=") + kDocumentHash}}}}}};
}

Json OpenApiV3KatibGroup() {
  const std::string base = "/apis/kubeflow.org/v1beta1/namespaces/{namespace}/experiments";
  return {{"openapi", "3.0.0"},
          {"info", {{"title", "tuneup: Katib's resources"}, {"version", "v1beta1"}}},
          {"paths",
           {{base,
             {{"post", Operation("createKubeflowOrgV1beta1NamespacedExperiment", "Experiment",
                                 "post", false)}}},
            {base + "/{name}",
             {{"patch", Operation("patchKubeflowOrgV1beta1NamespacedExperiment", "Experiment",
                                  "patch", true)},
              {"put", Operation("replaceKubeflowOrgV1beta1NamespacedExperiment", "Experiment",
                                "put", false)}}}}},
          {"components", {{"schemas", Json::object()}}}};
}

}  // namespace tuneup::kubeapi
