// Katib's DBManager service (api.v1.beta1.DBManager) over a Store: a thin adapter that checks
// and converts the request (rpc/observation_log.h), calls the store, and converts back.
//
// ReportObservationLog appends to the trial's current attempt; GetObservationLog reads the
// current attempt; DeleteObservationLog removes every attempt's observations. A trial that does
// not exist is NOT_FOUND for all three; a bad request is INVALID_ARGUMENT naming the field, with
// nothing stored; a store that cannot be reached is UNAVAILABLE.
#pragma once

#include "db/store.h"
#include "rpc/dbmanager_limits.h"
#include "rpc/katib_api.grpc.pb.h"

namespace tuneup {

class DbManagerService final : public ::api::v1::beta1::DBManager::Service {
 public:
  // `store` must outlive the service.
  DbManagerService(Store& store, DbManagerLimits limits) : store_(store), limits_(limits) {}

  grpc::Status ReportObservationLog(grpc::ServerContext* context,
                                    const ::api::v1::beta1::ReportObservationLogRequest* request,
                                    ::api::v1::beta1::ReportObservationLogReply* reply) override;
  grpc::Status GetObservationLog(grpc::ServerContext* context,
                                 const ::api::v1::beta1::GetObservationLogRequest* request,
                                 ::api::v1::beta1::GetObservationLogReply* reply) override;
  grpc::Status DeleteObservationLog(grpc::ServerContext* context,
                                    const ::api::v1::beta1::DeleteObservationLogRequest* request,
                                    ::api::v1::beta1::DeleteObservationLogReply* reply) override;

 private:
  Store& store_;
  const DbManagerLimits limits_;
};

}  // namespace tuneup
