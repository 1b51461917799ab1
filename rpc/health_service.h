// The standard health service (grpc.health.v1.Health) of tuneup's gRPC server. Check answers
// SERVING when the store answers a query (Store::Ping) and NOT_SERVING when it does not, for the
// server as a whole (service "") and for each service it serves by name; any other name is
// NOT_FOUND. Watch is UNIMPLEMENTED (probes such as grpc_health_probe and Kubernetes' use Check).
#pragma once

#include <set>
#include <string>

#include "db/store.h"
#include "rpc/health.grpc.pb.h"

namespace tuneup {

class HealthService final : public ::grpc::health::v1::Health::Service {
 public:
  // `store` must outlive the service. `services`: the full names of the services served
  // ("api.v1.beta1.DBManager").
  HealthService(Store& store, std::set<std::string> services)
      : store_(store), services_(std::move(services)) {}

  grpc::Status Check(grpc::ServerContext* context,
                     const ::grpc::health::v1::HealthCheckRequest* request,
                     ::grpc::health::v1::HealthCheckResponse* response) override;

 private:
  Store& store_;
  const std::set<std::string> services_;
};

}  // namespace tuneup
