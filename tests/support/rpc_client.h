// A client of tuneup's gRPC server (rpc/server.h) for tests: Katib's DBManager and Suggestion
// services and the health service on 127.0.0.1:PORT, over a real socket. Every call has a deadline, so a server that
// hangs fails the test instead of stalling it.
#pragma once

#include <grpcpp/grpcpp.h>

#include <memory>
#include <string>
#include <vector>

#include "rpc/health.grpc.pb.h"
#include "rpc/katib_api.grpc.pb.h"

namespace tuneup::testing {

namespace katib_pb = ::api::v1::beta1;
using ::grpc::health::v1::HealthCheckResponse;

// One MetricLog as text, as a Katib client sends it.
struct LogEntry {
  std::string time_stamp;
  std::string name;
  std::string value;
};

class RpcClient {
 public:
  explicit RpcClient(int port);

  grpc::Status Report(const std::string& trial, const std::vector<LogEntry>& entries);
  grpc::Status Report(const katib_pb::ReportObservationLogRequest& request);
  // The trial's log as "time_stamp name=value" lines, or the status's code and message.
  grpc::Status Get(const katib_pb::GetObservationLogRequest& request,
                   std::vector<std::string>* lines);
  std::vector<std::string> GetAll(const std::string& trial);  // fails the test on an error
  grpc::Status Delete(const std::string& trial);
  grpc::Status Check(const std::string& service, HealthCheckResponse::ServingStatus* status);
  // Health's Watch, read to its end: its final status.
  grpc::Status Watch(const std::string& service);

  katib_pb::DBManager::Stub& dbmanager() { return *dbmanager_; }

  grpc::Status GetSuggestions(const katib_pb::GetSuggestionsRequest& request,
                              katib_pb::GetSuggestionsReply* reply);
  grpc::Status ValidateAlgorithmSettings(const katib_pb::Experiment& experiment);

 private:
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<katib_pb::DBManager::Stub> dbmanager_;
  std::unique_ptr<katib_pb::Suggestion::Stub> suggestion_;
  std::unique_ptr<::grpc::health::v1::Health::Stub> health_;
};

// A request for `trial`'s log, optionally one metric and a time range.
katib_pb::GetObservationLogRequest GetRequest(const std::string& trial,
                                              const std::string& metric = "",
                                              const std::string& start_time = "",
                                              const std::string& end_time = "");

// "INVALID_ARGUMENT: trial_name: empty" for gtest messages; "OK" for OK.
std::string Describe(const grpc::Status& status);

}  // namespace tuneup::testing
