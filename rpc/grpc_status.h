// tuneup's errors as gRPC statuses, so that a service method never lets an exception reach gRPC.
#pragma once

#include <grpcpp/support/status.h>

#include "common/error.h"

namespace tuneup {

// kInvalidArgument -> INVALID_ARGUMENT, kNotFound -> NOT_FOUND, kAlreadyExists ->
// ALREADY_EXISTS, kFailedPrecondition -> FAILED_PRECONDITION, kUnsupported -> UNIMPLEMENTED,
// kUnavailable -> UNAVAILABLE (a client may retry), kIo and kInternal -> INTERNAL.
grpc::StatusCode StatusCodeFor(ErrorCode code);

// The other way, for clients: the codes above back to theirs (UNIMPLEMENTED -> kUnsupported,
// DEADLINE_EXCEEDED -> kUnavailable too); anything else kInternal.
ErrorCode ErrorCodeFor(grpc::StatusCode code);

// The status for the exception being handled (call it inside a catch block): a tuneup::Error by
// its code with its message; std::bad_alloc RESOURCE_EXHAUSTED; anything else INTERNAL.
grpc::Status CurrentExceptionStatus();

// Runs `body` (which fills the reply) and returns OK, or the status of what it threw.
template <typename Body>
grpc::Status Serve(Body&& body) {
  try {
    body();
    return grpc::Status::OK;
  } catch (...) {
    return CurrentExceptionStatus();
  }
}

}  // namespace tuneup
