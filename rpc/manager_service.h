// tuneup's management API (rpc/tuneup_api.proto, tuneup.v1.Manager): experiments submitted to
// and read from a running `tuneup serve`. Reads go to the store; submissions go to the process
// that runs experiments, through ExperimentHost.
#pragma once

#include <string>

#include "db/store.h"
#include "rpc/experiment_host.h"
#include "rpc/tuneup_api.grpc.pb.h"

namespace tuneup {

class ManagerService final : public ::tuneup::v1::Manager::Service {
 public:
  // `store` and `host` must outlive the service.
  ManagerService(Store& store, ExperimentHost& host) : store_(store), host_(host) {}

  grpc::Status SubmitExperiment(grpc::ServerContext* context,
                                const ::tuneup::v1::SubmitExperimentRequest* request,
                                ::tuneup::v1::SubmitExperimentReply* reply) override;
  grpc::Status GetExperiment(grpc::ServerContext* context,
                             const ::tuneup::v1::GetExperimentRequest* request,
                             ::tuneup::v1::ExperimentInfo* reply) override;
  grpc::Status ListExperiments(grpc::ServerContext* context,
                               const ::tuneup::v1::ListExperimentsRequest* request,
                               ::tuneup::v1::ListExperimentsReply* reply) override;
  grpc::Status ListTrials(grpc::ServerContext* context,
                          const ::tuneup::v1::ListTrialsRequest* request,
                          ::tuneup::v1::ListTrialsReply* reply) override;
  grpc::Status WatchExperiment(grpc::ServerContext* context,
                               const ::tuneup::v1::WatchExperimentRequest* request,
                               grpc::ServerWriter<::tuneup::v1::ExperimentInfo>* writer) override;

 private:
  // The experiment called `name` as the API shows it. Throws kNotFound.
  ::tuneup::v1::ExperimentInfo Info(const std::string& name);

  Store& store_;
  ExperimentHost& host_;
};

}  // namespace tuneup
