#include "rpc/manager_client.h"

#include <grpcpp/grpcpp.h>

#include <chrono>

#include "common/error.h"
#include "rpc/grpc_status.h"
#include "rpc/tuneup_api.grpc.pb.h"

namespace tuneup {

namespace pb = ::tuneup::v1;

namespace {

[[noreturn]] void Throw(const grpc::Status& status, const std::string& address) {
  const ErrorCode code = ErrorCodeFor(status.error_code());
  throw Error(code, code == ErrorCode::kUnavailable
                        ? "tuneup serve at " + address + ": " + status.error_message()
                        : status.error_message());
}

ExperimentSummary SummaryOf(const pb::ExperimentInfo& info) {
  ExperimentSummary summary;
  summary.name = info.name();
  summary.state = info.state();
  summary.reason = info.reason();
  summary.message = info.message();
  summary.trials.insert(info.trials().begin(), info.trials().end());
  summary.optimal_trial = info.optimal_trial();
  summary.optimal_objective = info.optimal_objective();
  return summary;
}

}  // namespace

struct ManagerClient::Impl {
  std::string address;
  std::string token;
  std::unique_ptr<pb::Manager::Stub> stub;

  // Every call: the token, and (except a watch) a deadline.
  void Prepare(grpc::ClientContext& context, bool deadline = true) const {
    if (deadline) context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(60));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
  }
};

ManagerClient::ManagerClient(const std::string& address, const ClientSecurity& security)
    : impl_(std::make_unique<Impl>()) {
  impl_->address = address;
  impl_->token = security.token;
  std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
  if (!security.ca_pem.empty()) {
    grpc::SslCredentialsOptions ssl;
    ssl.pem_root_certs = security.ca_pem;
    ssl.pem_private_key = security.key_pem;
    ssl.pem_cert_chain = security.cert_pem;
    credentials = grpc::SslCredentials(ssl);
  }
  impl_->stub = pb::Manager::NewStub(grpc::CreateChannel(address, credentials));
}

ManagerClient::~ManagerClient() = default;

std::pair<ExperimentSummary, bool> ManagerClient::Submit(const std::string& manifest) {
  grpc::ClientContext context;
  impl_->Prepare(context);
  pb::SubmitExperimentRequest request;
  request.set_manifest(manifest);
  pb::SubmitExperimentReply reply;
  grpc::Status status = impl_->stub->SubmitExperiment(&context, request, &reply);
  if (!status.ok()) Throw(status, impl_->address);
  return {SummaryOf(reply.experiment()), reply.created()};
}

std::vector<ExperimentSummary> ManagerClient::ListExperiments() {
  grpc::ClientContext context;
  impl_->Prepare(context);
  pb::ListExperimentsReply reply;
  grpc::Status status = impl_->stub->ListExperiments(&context, {}, &reply);
  if (!status.ok()) Throw(status, impl_->address);
  std::vector<ExperimentSummary> summaries;
  for (const auto& info : reply.experiments())
    summaries.push_back(SummaryOf(info));
  return summaries;
}

ExperimentSummary ManagerClient::GetExperiment(const std::string& name) {
  grpc::ClientContext context;
  impl_->Prepare(context);
  pb::GetExperimentRequest request;
  request.set_name(name);
  pb::ExperimentInfo reply;
  grpc::Status status = impl_->stub->GetExperiment(&context, request, &reply);
  if (!status.ok()) Throw(status, impl_->address);
  return SummaryOf(reply);
}

std::vector<Json> ManagerClient::ListTrials(const std::string& experiment) {
  grpc::ClientContext context;
  impl_->Prepare(context);
  pb::ListTrialsRequest request;
  request.set_experiment(experiment);
  pb::ListTrialsReply reply;
  grpc::Status status = impl_->stub->ListTrials(&context, request, &reply);
  if (!status.ok()) Throw(status, impl_->address);
  std::vector<Json> trials;
  for (const auto& text : reply.trials_json()) {
    try {
      trials.push_back(Json::parse(text));
    } catch (const Json::exception& e) {
      throw Error(ErrorCode::kInternal,
                  "a trial the server sent is not JSON: " + std::string(e.what()));
    }
  }
  return trials;
}

void ManagerClient::Watch(const std::string& name,
                          const std::function<void(const ExperimentSummary&)>& on_update) {
  grpc::ClientContext context;
  impl_->Prepare(context, /*deadline=*/false);
  pb::WatchExperimentRequest request;
  request.set_name(name);
  std::unique_ptr<grpc::ClientReader<pb::ExperimentInfo>> reader =
      impl_->stub->WatchExperiment(&context, request);
  pb::ExperimentInfo info;
  while (reader->Read(&info))
    on_update(SummaryOf(info));
  grpc::Status status = reader->Finish();
  if (!status.ok()) Throw(status, impl_->address);
}

}  // namespace tuneup
