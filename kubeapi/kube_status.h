// Kubernetes Status objects: how the API server says what went wrong. kubectl prints their message
// after "Error from server (Reason):".
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace tuneup::kubeapi {

using Json = nlohmann::json;

// A failure Status: {kind: Status, status: Failure, message, reason, code[, details]}.
Json FailureStatus(int code, const std::string& reason, const std::string& message,
                   const std::string& resource = "", const std::string& name = "");

// `experiments.kubeflow.org "NAME" not found`.
Json NotFound(const std::string& resource, const std::string& name);
Json NotFoundPath();  // "the server could not find the requested resource"
// `experiments.kubeflow.org "NAME" already exists` + `suffix`.
Json AlreadyExists(const std::string& resource, const std::string& name,
                   const std::string& suffix = "");
Json Conflict(const std::string& resource, const std::string& name, const std::string& message);
// `Experiment.kubeflow.org "NAME" is invalid: WHY` (422).
Json Invalid(const std::string& resource, const std::string& name, const std::string& why);
Json BadRequest(const std::string& message);
Json MethodNotAllowed(const std::string& message);
Json UnsupportedMediaType(const std::string& message);
Json Expired(const std::string& message);  // 410: a watch from a forgotten resourceVersion
Json Unauthorized();
Json InternalError(const std::string& message);

// The HTTP status for an Error's code, and the Status object saying it.
int StatusCodeFor(ErrorCode code);
Json StatusFromError(const Error& error);

}  // namespace tuneup::kubeapi
