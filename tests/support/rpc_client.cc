#include "tests/support/rpc_client.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>

namespace tuneup::testing {

namespace {

constexpr auto kDeadline = std::chrono::seconds(60);

void SetDeadline(grpc::ClientContext& context) {
  context.set_deadline(std::chrono::system_clock::now() + kDeadline);
}

std::string CodeName(grpc::StatusCode code) {
  static const std::map<grpc::StatusCode, std::string> names{
      {grpc::OK, "OK"},
      {grpc::CANCELLED, "CANCELLED"},
      {grpc::UNKNOWN, "UNKNOWN"},
      {grpc::INVALID_ARGUMENT, "INVALID_ARGUMENT"},
      {grpc::DEADLINE_EXCEEDED, "DEADLINE_EXCEEDED"},
      {grpc::NOT_FOUND, "NOT_FOUND"},
      {grpc::ALREADY_EXISTS, "ALREADY_EXISTS"},
      {grpc::PERMISSION_DENIED, "PERMISSION_DENIED"},
      {grpc::RESOURCE_EXHAUSTED, "RESOURCE_EXHAUSTED"},
      {grpc::FAILED_PRECONDITION, "FAILED_PRECONDITION"},
      {grpc::ABORTED, "ABORTED"},
      {grpc::OUT_OF_RANGE, "OUT_OF_RANGE"},
      {grpc::UNIMPLEMENTED, "UNIMPLEMENTED"},
      {grpc::INTERNAL, "INTERNAL"},
      {grpc::UNAVAILABLE, "UNAVAILABLE"},
      {grpc::DATA_LOSS, "DATA_LOSS"},
      {grpc::UNAUTHENTICATED, "UNAUTHENTICATED"},
  };
  auto found = names.find(code);
  return found == names.end() ? "code " + std::to_string(code) : found->second;
}

}  // namespace

RpcClient::RpcClient(int port) {
  grpc::ChannelArguments arguments;
  arguments.SetMaxReceiveMessageSize(256 << 20);
  arguments.SetMaxSendMessageSize(256 << 20);
  channel_ = grpc::CreateCustomChannel("127.0.0.1:" + std::to_string(port),
                                       grpc::InsecureChannelCredentials(), arguments);
  dbmanager_ = katib_pb::DBManager::NewStub(channel_);
  suggestion_ = katib_pb::Suggestion::NewStub(channel_);
  health_ = ::grpc::health::v1::Health::NewStub(channel_);
}

grpc::Status RpcClient::Report(const std::string& trial, const std::vector<LogEntry>& entries) {
  katib_pb::ReportObservationLogRequest request;
  request.set_trial_name(trial);
  for (const auto& entry : entries) {
    katib_pb::MetricLog* log = request.mutable_observation_log()->add_metric_logs();
    log->set_time_stamp(entry.time_stamp);
    log->mutable_metric()->set_name(entry.name);
    log->mutable_metric()->set_value(entry.value);
  }
  return Report(request);
}

grpc::Status RpcClient::GetSuggestions(const katib_pb::GetSuggestionsRequest& request,
                                       katib_pb::GetSuggestionsReply* reply) {
  grpc::ClientContext context;
  SetDeadline(context);
  return suggestion_->GetSuggestions(&context, request, reply);
}

grpc::Status RpcClient::ValidateAlgorithmSettings(const katib_pb::Experiment& experiment) {
  grpc::ClientContext context;
  SetDeadline(context);
  katib_pb::ValidateAlgorithmSettingsRequest request;
  *request.mutable_experiment() = experiment;
  katib_pb::ValidateAlgorithmSettingsReply reply;
  return suggestion_->ValidateAlgorithmSettings(&context, request, &reply);
}

grpc::Status RpcClient::Report(const katib_pb::ReportObservationLogRequest& request) {
  grpc::ClientContext context;
  SetDeadline(context);
  katib_pb::ReportObservationLogReply reply;
  return dbmanager_->ReportObservationLog(&context, request, &reply);
}

grpc::Status RpcClient::Get(const katib_pb::GetObservationLogRequest& request,
                            std::vector<std::string>* lines) {
  grpc::ClientContext context;
  SetDeadline(context);
  katib_pb::GetObservationLogReply reply;
  grpc::Status status = dbmanager_->GetObservationLog(&context, request, &reply);
  lines->clear();
  for (const auto& log : reply.observation_log().metric_logs()) {
    lines->push_back(log.time_stamp() + " " + log.metric().name() + "=" + log.metric().value());
  }
  return status;
}

std::vector<std::string> RpcClient::GetAll(const std::string& trial) {
  std::vector<std::string> lines;
  grpc::Status status = Get(GetRequest(trial), &lines);
  EXPECT_TRUE(status.ok()) << "GetObservationLog " << trial << ": " << Describe(status);
  return lines;
}

grpc::Status RpcClient::Delete(const std::string& trial) {
  grpc::ClientContext context;
  SetDeadline(context);
  katib_pb::DeleteObservationLogRequest request;
  request.set_trial_name(trial);
  katib_pb::DeleteObservationLogReply reply;
  return dbmanager_->DeleteObservationLog(&context, request, &reply);
}

grpc::Status RpcClient::Check(const std::string& service,
                              HealthCheckResponse::ServingStatus* status) {
  grpc::ClientContext context;
  SetDeadline(context);
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  grpc::Status result = health_->Check(&context, request, &response);
  *status = response.status();
  return result;
}

grpc::Status RpcClient::Watch(const std::string& service) {
  grpc::ClientContext context;
  SetDeadline(context);
  ::grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  auto reader = health_->Watch(&context, request);
  HealthCheckResponse response;
  while (reader->Read(&response)) {
  }
  return reader->Finish();
}

katib_pb::GetObservationLogRequest GetRequest(const std::string& trial, const std::string& metric,
                                              const std::string& start_time,
                                              const std::string& end_time) {
  katib_pb::GetObservationLogRequest request;
  request.set_trial_name(trial);
  request.set_metric_name(metric);
  request.set_start_time(start_time);
  request.set_end_time(end_time);
  return request;
}

std::string Describe(const grpc::Status& status) {
  if (status.ok()) return "OK";
  return CodeName(status.error_code()) + ": " + status.error_message();
}

}  // namespace tuneup::testing
