// A client of tuneup's management API (rpc/tuneup_api.proto) for the CLI: `tuneup submit`,
// `tuneup get --server`, `tuneup watch`. Plain types in, plain types out; a call that fails
// throws Error with the server's message and the matching code (rpc/grpc_status.h,
// ErrorCodeFor; a server that cannot be reached is kUnavailable, naming its address).
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"

namespace tuneup {

struct ExperimentSummary {
  std::string name;
  std::string state;
  std::string reason;
  std::string message;
  std::map<std::string, int> trials;  // by status
  std::string optimal_trial;          // "" when none has succeeded
  double optimal_objective = 0;
};

// How the client proves who it is talking to, and who it is (rpc/server.h's TLS and tokens).
struct ClientSecurity {
  std::string ca_pem;    // the CA that signed the server's certificate: TLS when set
  std::string token;     // sent as `authorization: Bearer <token>` when set
  std::string cert_pem;  // a client certificate and its key, for servers that require one
  std::string key_pem;
};

class ManagerClient {
 public:
  // `address`: host:port of `tuneup serve`.
  explicit ManagerClient(const std::string& address, const ClientSecurity& security = {});
  ~ManagerClient();

  // The experiment and whether this call created it (false: it was there with this spec).
  std::pair<ExperimentSummary, bool> Submit(const std::string& manifest);
  std::vector<ExperimentSummary> ListExperiments();
  ExperimentSummary GetExperiment(const std::string& name);
  // Each trial as api/trial_json.h writes it.
  std::vector<Json> ListTrials(const std::string& experiment);
  // Calls `on_update` with the experiment now and after each change, until it has finished.
  void Watch(const std::string& name,
             const std::function<void(const ExperimentSummary&)>& on_update);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tuneup
