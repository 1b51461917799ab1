#include "rpc/dbmanager_service.h"

#include <string>
#include <vector>

#include "common/error.h"
#include "rpc/grpc_status.h"
#include "rpc/observation_log.h"

namespace tuneup {

grpc::Status DbManagerService::ReportObservationLog(
    grpc::ServerContext* /*context*/, const katib_pb::ReportObservationLogRequest* request,
    katib_pb::ReportObservationLogReply* /*reply*/) {
  return Serve([&] {
    CheckTrialName(request->trial_name(), limits_);
    const std::vector<Observation> observations =
        ObservationsFromLog(request->observation_log(), limits_);
    if (observations.empty()) {
      // Nothing to append, but a report for a trial that does not exist is still wrong.
      if (!store_.GetTrial(request->trial_name())) {
        throw Error(ErrorCode::kNotFound, "trial " + request->trial_name() + " does not exist");
      }
      return;
    }
    store_.AppendObservations(request->trial_name(), kCurrentAttempt, observations);
  });
}

grpc::Status DbManagerService::GetObservationLog(grpc::ServerContext* /*context*/,
                                                 const katib_pb::GetObservationLogRequest* request,
                                                 katib_pb::GetObservationLogReply* reply) {
  return Serve([&] {
    CheckTrialName(request->trial_name(), limits_);
    const ObservationFilter filter = FilterFromRequest(*request, limits_);
    FillLog(store_.FindObservations(request->trial_name(), filter),
            reply->mutable_observation_log());
  });
}

grpc::Status DbManagerService::DeleteObservationLog(
    grpc::ServerContext* /*context*/, const katib_pb::DeleteObservationLogRequest* request,
    katib_pb::DeleteObservationLogReply* /*reply*/) {
  return Serve([&] {
    CheckTrialName(request->trial_name(), limits_);
    store_.DeleteObservations(request->trial_name());
  });
}

}  // namespace tuneup
