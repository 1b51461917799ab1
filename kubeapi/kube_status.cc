#include "kubeapi/kube_status.h"

#include "kubeapi/katib_objects.h"

namespace tuneup::kubeapi {

namespace {

// "experiments" -> "Experiment": the kind as Status messages spell it.
std::string KindName(const std::string& resource) {
  if (resource == "experiments") return "Experiment";
  if (resource == "trials") return "Trial";
  if (resource == "suggestions") return "Suggestion";
  return resource;
}

}  // namespace

Json FailureStatus(int code, const std::string& reason, const std::string& message,
                   const std::string& resource, const std::string& name) {
  Json status = {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
                 {"status", "Failure"}, {"message", message}, {"reason", reason},
                 {"code", code}};
  if (!resource.empty()) {
    status["details"] = {{"name", name}, {"group", kGroup}, {"kind", resource}};
  }
  return status;
}

Json NotFound(const std::string& resource, const std::string& name) {
  return FailureStatus(404, "NotFound", resource + "." + kGroup + " \"" + name + "\" not found",
                       resource, name);
}

Json NotFoundPath() {
  return FailureStatus(404, "NotFound", "the server could not find the requested resource");
}

Json AlreadyExists(const std::string& resource, const std::string& name,
                   const std::string& suffix) {
  return FailureStatus(409, "AlreadyExists",
                       resource + "." + kGroup + " \"" + name + "\" already exists" + suffix,
                       resource, name);
}

Json Conflict(const std::string& resource, const std::string& name, const std::string& message) {
  return FailureStatus(409, "Conflict", message, resource, name);
}

Json Invalid(const std::string& resource, const std::string& name, const std::string& why) {
  Json status = FailureStatus(
      422, "Invalid", KindName(resource) + "." + kGroup + " \"" + name + "\" is invalid: " + why);
  // kubectl prints an Invalid status from its causes ("The Experiment.kubeflow.org "x" is
  // invalid: FIELD: MESSAGE"): one per problem, as tuneup's validation joins them ("; ").
  Json causes = Json::array();
  size_t start = 0;
  while (start < why.size()) {
    size_t end = why.find("; ", start);
    if (end == std::string::npos) end = why.size();
    const std::string problem = why.substr(start, end - start);
    const size_t colon = problem.find(": ");
    const bool has_field =
        colon != std::string::npos && problem.substr(0, colon).find(' ') == std::string::npos;
    causes.push_back({{"reason", "FieldValueInvalid"},
                      {"message", has_field ? problem.substr(colon + 2) : problem},
                      {"field", has_field ? problem.substr(0, colon) : ""}});
    start = end + 2;
  }
  status["details"] = {
      {"name", name}, {"group", kGroup}, {"kind", KindName(resource)}, {"causes", causes}};
  return status;
}

Json BadRequest(const std::string& message) {
  return FailureStatus(400, "BadRequest", message);
}

Json MethodNotAllowed(const std::string& message) {
  return FailureStatus(405, "MethodNotAllowed", message);
}

Json UnsupportedMediaType(const std::string& message) {
  return FailureStatus(415, "UnsupportedMediaType", message);
}

Json Expired(const std::string& message) {
  return FailureStatus(410, "Expired", message);
}

Json Unauthorized() {
  return FailureStatus(401, "Unauthorized", "Unauthorized");
}

Json InternalError(const std::string& message) {
  return FailureStatus(500, "InternalError", message);
}

int StatusCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return 400;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
    case ErrorCode::kUnsupported:
      return 422;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      break;
  }
  return 500;
}

Json StatusFromError(const Error& error) {
  const int code = StatusCodeFor(error.code());
  const char* reason = code == 400   ? "BadRequest"
                       : code == 404 ? "NotFound"
                       : code == 409 ? "AlreadyExists"
                       : code == 422 ? "Invalid"
                       : code == 503 ? "ServiceUnavailable"
                                     : "InternalError";
  return FailureStatus(code, reason, error.what());
}

}  // namespace tuneup::kubeapi
