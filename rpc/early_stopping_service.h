// Katib's EarlyStopping service (api.v1.beta1.EarlyStopping) with tuneup's median stopping rule,
// wire-compatible with Katib's medianstop service.
//
// GetEarlyStoppingRules: for `medianstop`, once min_trials_required of the request's trials have
// Succeeded, one rule {objective metric, value, LESS when maximising / GREATER when minimising,
// start_step}: Katib's metrics collector stops a trial whose value crosses it from its
// start_step-th report on. The value is the **median** over the succeeded trials of the average
// of each one's first start_step values of the objective metric (Katib's service takes their
// mean, though it calls it the median). The values are read, as in Katib, from the DBManager at
// the request's db_manager_address (host:port); with no address, from this server's own store.
// `successivehalving` compares rungs, which no static rule expresses: UNIMPLEMENTED.
//
// ValidateEarlyStoppingSettings: OK, or INVALID_ARGUMENT naming the setting or the unknown
// algorithm. SetTrialStatus marks a running trial of this server's store EarlyStopped (OK again
// for one already EarlyStopped; NOT_FOUND for an unknown trial; FAILED_PRECONDITION for one that
// ended otherwise).
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/store.h"
#include "rpc/katib_api.grpc.pb.h"

namespace tuneup {

class EarlyStoppingService final : public ::api::v1::beta1::EarlyStopping::Service {
 public:
  // `store` must outlive the service.
  explicit EarlyStoppingService(Store& store) : store_(store) {}

  grpc::Status GetEarlyStoppingRules(grpc::ServerContext* context,
                                     const ::api::v1::beta1::GetEarlyStoppingRulesRequest* request,
                                     ::api::v1::beta1::GetEarlyStoppingRulesReply* reply) override;
  grpc::Status SetTrialStatus(grpc::ServerContext* context,
                              const ::api::v1::beta1::SetTrialStatusRequest* request,
                              ::api::v1::beta1::SetTrialStatusReply* reply) override;
  grpc::Status ValidateEarlyStoppingSettings(
      grpc::ServerContext* context,
      const ::api::v1::beta1::ValidateEarlyStoppingSettingsRequest* request,
      ::api::v1::beta1::ValidateEarlyStoppingSettingsReply* reply) override;

 private:
  // The objective metric's values of `trial`, in the order reported.
  std::vector<double> ObjectiveValues(const std::string& db_manager_address,
                                      const std::string& trial, const std::string& metric);

  Store& store_;
  std::mutex channels_mutex_;
  std::map<std::string, std::unique_ptr<::api::v1::beta1::DBManager::Stub>> db_managers_;
};

}  // namespace tuneup
