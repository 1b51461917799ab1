#include "rpc/grpc_status.h"

#include <exception>
#include <new>
#include <string>

namespace tuneup {

grpc::StatusCode StatusCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return grpc::StatusCode::INVALID_ARGUMENT;
    case ErrorCode::kNotFound:
      return grpc::StatusCode::NOT_FOUND;
    case ErrorCode::kAlreadyExists:
      return grpc::StatusCode::ALREADY_EXISTS;
    case ErrorCode::kFailedPrecondition:
      return grpc::StatusCode::FAILED_PRECONDITION;
    case ErrorCode::kUnsupported:
      return grpc::StatusCode::UNIMPLEMENTED;
    case ErrorCode::kUnavailable:
      return grpc::StatusCode::UNAVAILABLE;
    case ErrorCode::kIo:
    case ErrorCode::kInternal:
      return grpc::StatusCode::INTERNAL;
  }
  return grpc::StatusCode::INTERNAL;
}

ErrorCode ErrorCodeFor(grpc::StatusCode code) {
  for (ErrorCode ours :
       {ErrorCode::kInvalidArgument, ErrorCode::kNotFound, ErrorCode::kAlreadyExists,
        ErrorCode::kFailedPrecondition, ErrorCode::kUnsupported, ErrorCode::kUnavailable}) {
    if (StatusCodeFor(ours) == code) return ours;
  }
  return code == grpc::StatusCode::DEADLINE_EXCEEDED ? ErrorCode::kUnavailable
                                                     : ErrorCode::kInternal;
}

grpc::Status CurrentExceptionStatus() {
  try {
    throw;
  } catch (const Error& e) {
    return grpc::Status(StatusCodeFor(e.code()), e.what());
  } catch (const std::bad_alloc&) {
    return grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "out of memory");
  } catch (const std::exception& e) {
    return grpc::Status(grpc::StatusCode::INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return grpc::Status(grpc::StatusCode::INTERNAL, "internal error: unknown exception");
  }
}

}  // namespace tuneup
