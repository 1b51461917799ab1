#include "rpc/manager_service.h"

#include <chrono>
#include <thread>

#include "api/best_trial.h"
#include "api/trial_json.h"
#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "common/text.h"
#include "rpc/grpc_status.h"

namespace tuneup {

namespace pb = ::tuneup::v1;

namespace {

constexpr size_t kMaxManifestBytes = 4 << 20;

pb::ExperimentInfo InfoOf(const ExperimentRecord& record, const std::vector<Trial>& trials) {
  pb::ExperimentInfo info;
  info.set_name(record.experiment.metadata.name);
  info.set_state(std::string(ExperimentStateName(record.status.state)));
  info.set_reason(record.status.reason);
  info.set_message(record.status.message);
  for (const auto& trial : trials)
    ++(*info.mutable_trials())[std::string(TrialStatusName(trial.status))];
  if (const Trial* best = FindBestTrial(record.experiment, trials)) {
    info.set_optimal_trial(best->name);
    info.set_optimal_objective(*best->objective);
  }
  info.set_creation_time(FormatRfc3339(record.created_at));
  if (record.status.start_time) info.set_start_time(FormatRfc3339(*record.status.start_time));
  if (record.status.completion_time)
    info.set_completion_time(FormatRfc3339(*record.status.completion_time));
  return info;
}

std::string NameOf(const std::string& name, const char* field) {
  if (name.empty()) throw Error(ErrorCode::kInvalidArgument, std::string(field) + ": must be set");
  return name;
}

}  // namespace

pb::ExperimentInfo ManagerService::Info(const std::string& name) {
  std::optional<ExperimentRecord> record = store_.GetExperiment(name);
  if (!record) throw Error(ErrorCode::kNotFound, "no experiment \"" + name + "\"");
  return InfoOf(*record, store_.ListTrials(name));
}

grpc::Status ManagerService::SubmitExperiment(grpc::ServerContext* /*context*/,
                                              const pb::SubmitExperimentRequest* request,
                                              pb::SubmitExperimentReply* reply) {
  return Serve([&] {
    if (request->manifest().empty()) {
      throw Error(ErrorCode::kInvalidArgument, "manifest: empty");
    }
    if (request->manifest().size() > kMaxManifestBytes) {
      throw Error(ErrorCode::kInvalidArgument, "manifest: larger than 4 MiB");
    }
    ExperimentHost::Submitted submitted = host_.Submit(request->manifest());
    *reply->mutable_experiment() = Info(submitted.name);
    reply->set_created(submitted.created);
  });
}

grpc::Status ManagerService::GetExperiment(grpc::ServerContext* /*context*/,
                                           const pb::GetExperimentRequest* request,
                                           pb::ExperimentInfo* reply) {
  return Serve([&] { *reply = Info(NameOf(request->name(), "name")); });
}

grpc::Status ManagerService::ListExperiments(grpc::ServerContext* /*context*/,
                                             const pb::ListExperimentsRequest* /*request*/,
                                             pb::ListExperimentsReply* reply) {
  return Serve([&] {
    for (const auto& record : store_.ListExperiments()) {
      *reply->add_experiments() =
          InfoOf(record, store_.ListTrials(record.experiment.metadata.name));
    }
  });
}

grpc::Status ManagerService::ListTrials(grpc::ServerContext* /*context*/,
                                        const pb::ListTrialsRequest* request,
                                        pb::ListTrialsReply* reply) {
  return Serve([&] {
    const std::string name = NameOf(request->experiment(), "experiment");
    std::optional<ExperimentRecord> record = store_.GetExperiment(name);
    if (!record) throw Error(ErrorCode::kNotFound, "no experiment \"" + name + "\"");
    FieldErrors ignored;  // validated when it was stored
    const int folds = ReadTuneupSettings(record->experiment, ignored).cv.folds;
    for (const auto& trial : store_.ListTrials(name))
      reply->add_trials_json(TrialToJson(trial, folds).dump());
  });
}

grpc::Status ManagerService::WatchExperiment(grpc::ServerContext* context,
                                             const pb::WatchExperimentRequest* request,
                                             grpc::ServerWriter<pb::ExperimentInfo>* writer) {
  return Serve([&] {
    const std::string name = NameOf(request->name(), "name");
    std::string last;
    while (!context->IsCancelled()) {
      pb::ExperimentInfo info = Info(name);
      std::string now = info.SerializeAsString();
      if (now != last) {
        if (!writer->Write(info)) return;  // the client went away
        last = std::move(now);
      }
      auto state = ParseExperimentState(info.state());
      if (state && IsFinished(*state)) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
}

}  // namespace tuneup
