#include "rpc/early_stopping_service.h"

#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cmath>

#include "common/error.h"
#include "common/text.h"
#include "rpc/grpc_status.h"
#include "rpc/katib_convert.h"
#include "suggestion/early_stopping.h"
#include "suggestion/median_stop.h"

namespace tuneup {

namespace pb = ::api::v1::beta1;

namespace {

// An experiment holding just `spec` as its spec.earlyStopping, for the settings readers.
Experiment WithEarlyStopping(const pb::EarlyStoppingSpec& spec) {
  Experiment experiment;
  EarlyStoppingSpec early_stopping;
  early_stopping.algorithm_name = spec.algorithm_name();
  for (const auto& setting : spec.algorithm_settings())
    early_stopping.algorithm_settings.push_back({setting.name(), setting.value()});
  experiment.spec.early_stopping = std::move(early_stopping);
  return experiment;
}

void CheckSettings(const pb::EarlyStoppingSpec& spec, const std::string& field) {
  const auto& names = EarlyStopperNames();
  if (std::find(names.begin(), names.end(), spec.algorithm_name()) == names.end()) {
    std::string known;
    for (const auto& name : names)
      known += (known.empty() ? "" : ", ") + name;
    throw Error(ErrorCode::kInvalidArgument, field + ".algorithm_name: unknown algorithm \"" +
                                                 spec.algorithm_name() + "\" (known: " + known +
                                                 ")");
  }
  FieldErrors errors = ValidateEarlyStoppingSettings(WithEarlyStopping(spec));
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, JoinFieldErrors(errors));
}

double MedianOf(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 == 1 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

}  // namespace

std::vector<double> EarlyStoppingService::ObjectiveValues(const std::string& db_manager_address,
                                                          const std::string& trial,
                                                          const std::string& metric) {
  std::vector<double> values;
  if (db_manager_address.empty()) {
    ObservationFilter filter;
    filter.metric = metric;
    filter.attempt = kCurrentAttempt;
    try {
      for (const auto& observation : store_.FindObservations(trial, filter))
        values.push_back(observation.value);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kNotFound) throw;  // a trial this store never saw: no values
    }
    return values;
  }
  pb::DBManager::Stub* stub = nullptr;
  {
    std::lock_guard<std::mutex> lock(channels_mutex_);
    auto& slot = db_managers_[db_manager_address];
    if (!slot) {
      slot = pb::DBManager::NewStub(
          grpc::CreateChannel(db_manager_address, grpc::InsecureChannelCredentials()));
    }
    stub = slot.get();
  }
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
  pb::GetObservationLogRequest request;
  request.set_trial_name(trial);
  request.set_metric_name(metric);
  pb::GetObservationLogReply reply;
  grpc::Status status = stub->GetObservationLog(&context, request, &reply);
  if (status.error_code() == grpc::StatusCode::NOT_FOUND) return values;
  if (!status.ok()) {
    throw Error(ErrorCode::kUnavailable, "db_manager_address " + db_manager_address +
                                             ": GetObservationLog(" + trial +
                                             "): " + status.error_message());
  }
  for (const auto& log : reply.observation_log().metric_logs()) {
    std::optional<double> value = ParseDouble(log.metric().value());
    if (value && std::isfinite(*value)) values.push_back(*value);
  }
  return values;
}

grpc::Status EarlyStoppingService::GetEarlyStoppingRules(
    grpc::ServerContext* /*context*/, const pb::GetEarlyStoppingRulesRequest* request,
    pb::GetEarlyStoppingRulesReply* reply) {
  return Serve([&] {
    const pb::EarlyStoppingSpec& spec = request->experiment().spec().early_stopping();
    CheckSettings(spec, "experiment.spec.early_stopping");
    if (spec.algorithm_name() != "medianstop") {
      throw Error(ErrorCode::kUnsupported,
                  "experiment.spec.early_stopping.algorithm_name: " + spec.algorithm_name() +
                      " compares trials rung by rung, which no static Katib rule expresses; "
                      "tuneup runs it in its own controller");
    }
    const std::string& address = request->db_manager_address();
    if (!address.empty() && address.find(':') == std::string::npos) {
      throw Error(ErrorCode::kInvalidArgument,
                  "db_manager_address: \"" + address + "\" is not host:port");
    }
    Experiment experiment = ExperimentFromProto(request->experiment());
    std::vector<Trial> trials = TrialsFromProto(request->trials(), experiment);
    FieldErrors ignored;  // checked above
    const MedianStopSettings settings = MedianStopSettings::Read(experiment, ignored);
    const std::string& metric = experiment.spec.objective->objective_metric_name;
    std::vector<double> averages;
    for (const auto& trial : trials) {
      if (trial.status != TrialStatus::kSucceeded) continue;
      std::vector<double> values = ObjectiveValues(address, trial.name, metric);
      if (values.empty()) continue;
      const size_t steps = std::min(values.size(), static_cast<size_t>(settings.start_step));
      double sum = 0;
      for (size_t i = 0; i < steps; ++i)
        sum += values[i];
      averages.push_back(sum / static_cast<double>(steps));
    }
    if (static_cast<int>(averages.size()) < settings.min_trials_required) return;
    pb::EarlyStoppingRule* rule = reply->add_early_stopping_rules();
    rule->set_name(metric);
    rule->set_value(FormatDouble(MedianOf(std::move(averages))));
    rule->set_comparison(experiment.spec.objective->type == katib::kMaximize ? pb::LESS
                                                                             : pb::GREATER);
    rule->set_start_step(settings.start_step);
  });
}

grpc::Status EarlyStoppingService::SetTrialStatus(grpc::ServerContext* /*context*/,
                                                  const pb::SetTrialStatusRequest* request,
                                                  pb::SetTrialStatusReply* /*reply*/) {
  return Serve([&] {
    if (request->trial_name().empty()) {
      throw Error(ErrorCode::kInvalidArgument, "trial_name: must be set");
    }
    std::optional<Trial> trial = store_.GetTrial(request->trial_name());
    if (!trial) {
      throw Error(ErrorCode::kNotFound, "trial_name: no trial \"" + request->trial_name() + "\"");
    }
    if (trial->status == TrialStatus::kEarlyStopped) return;
    if (!IsActive(trial->status)) {
      throw Error(ErrorCode::kFailedPrecondition, "trial " + trial->name + " has already ended: " +
                                                      std::string(TrialStatusName(trial->status)));
    }
    trial->status = TrialStatus::kEarlyStopped;
    trial->reason = trial_reason::kEarlyStopped;
    trial->message = "stopped by an early-stopping rule (SetTrialStatus)";
    trial->completed_at = std::chrono::system_clock::now();
    store_.UpdateTrial(*trial, {});
  });
}

grpc::Status EarlyStoppingService::ValidateEarlyStoppingSettings(
    grpc::ServerContext* /*context*/, const pb::ValidateEarlyStoppingSettingsRequest* request,
    pb::ValidateEarlyStoppingSettingsReply* /*reply*/) {
  return Serve([&] { CheckSettings(request->early_stopping(), "early_stopping"); });
}

}  // namespace tuneup
