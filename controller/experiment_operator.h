// `tuneup operator`: Katib's Experiment resources in a Kubernetes namespace, run by tuneup as
// Katib's controller runs them, with their status written back.
//
// The operator watches kubeflow.org/v1beta1 experiments in one namespace (KubeWatch: a list,
// then a watch, resumed or re-listed as needed):
//   - an experiment the store does not hold is validated and started through the host; one that
//     fails validation gets the condition Failed with reason ExperimentInvalid naming every
//     problem (Katib's admission webhook would have refused it), and is tried again only when
//     its generation changes;
//   - an experiment deleted from the cluster is stopped and removed from the store, and so is,
//     after each full list, every experiment of the namespace that the store holds and the
//     cluster no longer does (deleted while the operator was down);
//   - the status of each experiment (Katib's fields: conditions with reasons, trial counts and
//     lists, currentOptimalTrial; kubeapi/katib_objects.h) is written to its status subresource
//     as a JSON merge patch, every status_interval, when it changed.
// The store is the truth for what runs: a restarted operator resumes its experiments from it (the
// host does) and writes their status again. Everything runs on the client's event loop.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <ostream>
#include <set>
#include <string>

#include <boost/asio/steady_timer.hpp>
#include <nlohmann/json.hpp>

#include "controller/kube_client.h"
#include "controller/kube_watch.h"
#include "db/store.h"

namespace tuneup {

// What runs the experiments the operator finds (`tuneup serve`'s host). Called on the event
// loop's thread.
class OperatorHost {
 public:
  virtual ~OperatorHost() = default;
  // Validates the manifest (one Experiment as JSON) as `tuneup validate` does, stores it and
  // starts running it. Throws Error: kInvalidArgument listing every problem, kFailedPrecondition
  // when it is valid but cannot run here.
  virtual void Adopt(const std::string& manifest) = 0;
  // Stops the experiment if it runs and removes it from the store; `done` runs (on the loop's
  // thread) once it is gone.
  virtual void Remove(const std::string& name, std::function<void()> done) = 0;
};

struct ExperimentOperatorOptions {
  std::string ns = "default";  // the namespace watched
  std::chrono::milliseconds status_interval{1000};
};

class ExperimentOperator {
 public:
  // `client`, `store` (the loop's) and `host` must outlive the operator; `log` gets one line per
  // experiment adopted, refused or removed, and per failure to reach the API server.
  ExperimentOperator(KubeClient& client, Store& store, OperatorHost& host,
                     ExperimentOperatorOptions options, std::ostream& log);
  ~ExperimentOperator();
  ExperimentOperator(const ExperimentOperator&) = delete;
  ExperimentOperator& operator=(const ExperimentOperator&) = delete;

  void Start();
  // Stops watching and writing status; experiments keep running in the host.
  void Stop();

 private:
  using Json = nlohmann::json;

  std::string Collection() const;
  void OnEvent(const std::string& type, const Json& object);
  void OnSynced();
  void Adopt(const Json& object);
  void Refuse(const std::string& name, int64_t generation, const std::string& why);
  void RemoveFromStore(const std::string& name);
  void WriteStatuses();
  void WriteStatus(const std::string& name, const Json& previous, const Json& status);
  void ScheduleStatusWrites();

  KubeClient& client_;
  Store& store_;
  OperatorHost& host_;
  ExperimentOperatorOptions options_;
  std::ostream& log_;
  std::unique_ptr<KubeWatch> watch_;
  boost::asio::steady_timer timer_;
  std::map<std::string, Json> written_;     // the status last written, by experiment
  std::set<std::string> writing_;           // a status patch is in flight
  std::map<std::string, int64_t> refused_;  // refused experiments, by generation
  std::set<std::string> removing_;
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace tuneup
