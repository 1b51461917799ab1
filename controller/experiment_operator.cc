#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/experiment_operator.h"

#include "common/error.h"
#include "kubeapi/katib_objects.h"

namespace tuneup {

namespace {

std::string NameOf(const nlohmann::json& object) {
  return object.value("metadata", nlohmann::json::object()).value("name", "");
}

int64_t GenerationOf(const nlohmann::json& object) {
  const nlohmann::json metadata = object.value("metadata", nlohmann::json::object());
  return metadata.contains("generation") && metadata["generation"].is_number_integer()
             ? metadata["generation"].get<int64_t>()
             : 0;
}

}  // namespace

ExperimentOperator::ExperimentOperator(KubeClient& client, Store& store, OperatorHost& host,
                                       ExperimentOperatorOptions options, std::ostream& log)
    : client_(client),
      store_(store),
      host_(host),
      options_(std::move(options)),
      log_(log),
      timer_(client.io()) {}

ExperimentOperator::~ExperimentOperator() {
  Stop();
}

std::string ExperimentOperator::Collection() const {
  return "/apis/kubeflow.org/v1beta1/namespaces/" + options_.ns + "/experiments";
}

void ExperimentOperator::Start() {
  KubeWatch::Handlers handlers;
  handlers.on_event = [this](const std::string& type, const Json& object) {
    OnEvent(type, object);
  };
  handlers.on_synced = [this] { OnSynced(); };
  handlers.on_error = [this](const std::string& message, int /*status*/) {
    log_ << "operator: watching " << Collection() << ": " << message << "\n" << std::flush;
  };
  watch_ = std::make_unique<KubeWatch>(client_, Collection(), "", std::move(handlers));
  watch_->Start();
  ScheduleStatusWrites();
}

void ExperimentOperator::Stop() {
  *alive_ = false;
  alive_ = std::make_shared<bool>(true);
  timer_.cancel();
  if (watch_) watch_->Stop();
}

void ExperimentOperator::OnEvent(const std::string& type, const Json& object) {
  const std::string name = NameOf(object);
  if (name.empty()) return;
  if (type == "DELETED") {
    refused_.erase(name);
    return RemoveFromStore(name);
  }
  Adopt(object);
}

// After a (re-)list: what the store holds of this namespace but the cluster does not was deleted
// while nobody watched.
void ExperimentOperator::OnSynced() {
  for (const auto& record : store_.ListExperiments()) {
    const std::string& name = record.experiment.metadata.name;
    if (kubeapi::NamespaceOf(record.experiment) != options_.ns) continue;
    if (watch_->objects().count(name) == 0) RemoveFromStore(name);
  }
}

void ExperimentOperator::Adopt(const Json& object) {
  const std::string name = NameOf(object);
  if (removing_.count(name) != 0) return;  // comes back once its old self is gone
  if (store_.GetExperiment(name)) return;  // running, or finished: nothing to do
  const int64_t generation = GenerationOf(object);
  if (auto refused = refused_.find(name);
      refused != refused_.end() && refused->second == generation)
    return;
  Json manifest = object;
  manifest.erase("status");
  try {
    host_.Adopt(manifest.dump());
    log_ << "operator: experiment " << options_.ns << "/" << name << " adopted\n" << std::flush;
  } catch (const Error& e) {
    Refuse(name, generation, e.what());
  }
}

void ExperimentOperator::Refuse(const std::string& name, int64_t generation,
                                const std::string& why) {
  refused_[name] = generation;
  log_ << "operator: experiment " << options_.ns << "/" << name << " refused: " << why << "\n"
       << std::flush;
  const std::string now = kubeapi::KubeTime(std::chrono::system_clock::now());
  const Json status = {{"conditions", Json::array({{{"type", "Failed"},
                                                    {"status", "True"},
                                                    {"reason", "ExperimentInvalid"},
                                                    {"message", why},
                                                    {"lastUpdateTime", now},
                                                    {"lastTransitionTime", now}}})}};
  const auto found = watch_->objects().find(name);
  WriteStatus(name,
              found == watch_->objects().end() ? Json::object()
                                               : found->second.value("status", Json::object()),
              status);
}

void ExperimentOperator::RemoveFromStore(const std::string& name) {
  written_.erase(name);
  if (!store_.GetExperiment(name) || !removing_.insert(name).second) return;
  std::weak_ptr<bool> alive = alive_;
  host_.Remove(name, [this, alive, name] {
    if (alive.expired()) return;
    removing_.erase(name);
    log_ << "operator: experiment " << options_.ns << "/" << name << " removed\n" << std::flush;
    // Deleted and created again under the same name while it was being removed.
    auto found = watch_->objects().find(name);
    if (found != watch_->objects().end()) Adopt(found->second);
  });
}

void ExperimentOperator::ScheduleStatusWrites() {
  timer_.expires_after(options_.status_interval);
  std::weak_ptr<bool> alive = alive_;
  timer_.async_wait([this, alive](const boost::system::error_code& ec) {
    if (ec || alive.expired()) return;
    try {
      WriteStatuses();
    } catch (const Error& e) {
      log_ << "operator: reading the store: " << e.what() << "\n" << std::flush;
    }
    ScheduleStatusWrites();
  });
}

void ExperimentOperator::WriteStatuses() {
  if (!watch_ || !watch_->synced()) return;
  for (const auto& [name, object] : watch_->objects()) {
    if (writing_.count(name) != 0 || removing_.count(name) != 0) continue;
    std::optional<ExperimentRecord> record = store_.GetExperiment(name);
    if (!record) continue;
    const Json status = kubeapi::ExperimentObject(*record, store_.ListTrials(name))["status"];
    auto written = written_.find(name);
    const Json previous =
        written != written_.end() ? written->second : object.value("status", Json::object());
    if (status == previous) continue;
    WriteStatus(name, previous, status);
  }
}

void ExperimentOperator::WriteStatus(const std::string& name, const Json& previous,
                                     const Json& status) {
  // A merge patch keeps fields it does not mention: those that went away are set to null.
  Json patch = status;
  if (previous.is_object()) {
    for (const auto& [key, value] : previous.items())
      if (!status.contains(key)) patch[key] = nullptr;
  }
  writing_.insert(name);
  std::weak_ptr<bool> alive = alive_;
  client_.Request("PATCH", Collection() + "/" + name + "/status", Json{{"status", patch}}.dump(),
                  [this, alive, name, status](const KubeResponse& response) {
                    if (alive.expired()) return;
                    writing_.erase(name);
                    if (response.ok()) {
                      written_[name] = status;
                    } else if (response.status != 404) {
                      log_ << "operator: writing the status of " << options_.ns << "/" << name
                           << ": " << response.Describe() << "\n"
                           << std::flush;
                    }
                  });
}

}  // namespace tuneup
