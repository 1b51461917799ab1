// OpenAPI v3 documents for the slice tuneup serves. kubectl reads them before `apply` to learn
// whether the server validates fields itself (the fieldValidation parameter of an Experiment's
// PATCH) and which patch types it takes (JSON merge and JSON patches, not strategic merge): with
// no document kubectl would fall back to client-side validation, which needs the whole OpenAPI
// v2 schema of a real cluster, and refuse to apply.
#pragma once

#include <nlohmann/json.hpp>

namespace tuneup::kubeapi {

using Json = nlohmann::json;

Json OpenApiV3Root();        // GET /openapi/v3: where each group version's document is
Json OpenApiV3KatibGroup();  // GET /openapi/v3/apis/kubeflow.org/v1beta1

}  // namespace tuneup::kubeapi
