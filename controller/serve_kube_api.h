// `tuneup serve --kube-listen`: the Kubernetes API slice for Katib's resources
// (kubeapi/kube_api_service.h) on an event loop and thread of its own, with a store connection of
// its own, so that a slow client or a long watch never holds up the experiments.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "controller/commands.h"
#include "rpc/experiment_host.h"

namespace tuneup {

class ServedKubeApi {
 public:
  // Listens on options.kube_listen over HTTPS: with `cert_pem`/`key_pem` when given, else with a
  // self-signed certificate for the listening host. Requires one of `tokens`, or a token made
  // now when there are none. Writes options.kubeconfig_file when set. Throws Error:
  // kInvalidArgument for a bad address, certificate or file, kUnavailable when it cannot listen.
  static std::unique_ptr<ServedKubeApi> Start(const ServeOptions& options,
                                              const std::string& db_path, ExperimentHost& host,
                                              std::vector<std::string> tokens,
                                              const std::string& cert_pem,
                                              const std::string& key_pem);
  // Stops serving (open watches end) and joins its thread.
  virtual ~ServedKubeApi() = default;
  // "https://127.0.0.1:6443".
  virtual std::string url() const = 0;
};

}  // namespace tuneup
