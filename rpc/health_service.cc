#include "rpc/health_service.h"

#include <exception>

namespace tuneup {

using ::grpc::health::v1::HealthCheckResponse;

grpc::Status HealthService::Check(grpc::ServerContext* /*context*/,
                                  const ::grpc::health::v1::HealthCheckRequest* request,
                                  HealthCheckResponse* response) {
  const std::string& service = request->service();
  if (!service.empty() && !services_.contains(service)) {
    return grpc::Status(grpc::StatusCode::NOT_FOUND,
                        "service \"" + service + "\" is not served here");
  }
  try {
    store_.Ping();
    response->set_status(HealthCheckResponse::SERVING);
  } catch (const std::exception&) {
    response->set_status(HealthCheckResponse::NOT_SERVING);
  }
  return grpc::Status::OK;
}

}  // namespace tuneup
