// tuneup's gRPC server: Katib's DBManager service (rpc/dbmanager_service.h) over one Store,
// Katib's Suggestion service over tuneup's algorithms (rpc/suggestion_service.h), Katib's
// EarlyStopping service with the median stopping rule (rpc/early_stopping_service.h) and the
// standard health service (rpc/health_service.h), on one address. Plaintext, as Katib's
// own DBManager inside a cluster; listen on 127.0.0.1 unless the network is trusted.
//
//   RpcServerOptions options;
//   options.address = "127.0.0.1:0";  // a free port
//   auto server = RpcServer::Start(store, options);
//   ... clients call 127.0.0.1:server->port() ...
//   server->Shutdown();
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "db/store.h"
#include "rpc/dbmanager_limits.h"
#include "suggestion/timed_suggest.h"

namespace tuneup {
class ExperimentHost;  // rpc/manager_service.h
}

namespace tuneup {

struct RpcServerOptions {
  // host:port. Port 0 lets the system choose a free port (RpcServer::port says which). Katib's
  // DBManager listens on 0.0.0.0:6789.
  std::string address = "127.0.0.1:6789";
  DbManagerLimits limits;
  // Largest request or reply, in bytes; larger ones fail with RESOURCE_EXHAUSTED. Big enough for
  // limits.max_metric_logs entries in one report (Katib allows 2 GiB).
  int max_message_bytes = 128 << 20;
  // When set (`tuneup serve`), tuneup's management API (rpc/manager_service.h, tuneup.v1.Manager)
  // is served too, submitting experiments to it. Must outlive the server.
  ExperimentHost* host = nullptr;
  // TLS, as PEM text: with a certificate (chain) and its key the server speaks TLS only; with a
  // client CA too, it requires client certificates signed by that CA.
  std::string tls_cert_pem;
  std::string tls_key_pem;
  std::string tls_client_ca_pem;
  // Bearer tokens: when any is given, every call must carry the metadata `authorization: Bearer
  // <one of them>`; any other call gets UNAUTHENTICATED before it reaches a service, so it changes
  // nothing. Needs TLS: a token sent in the clear is no secret.
  std::vector<std::string> tokens;
  // Told how long the Suggestion service's algorithms take (`tuneup serve`'s /metrics); may be
  // null. Must outlive the server.
  SuggestionObserver* suggestion_observer = nullptr;
};

class RpcServer {
 public:
  // Starts serving `store` (which must outlive the server) on options.address, from threads of
  // its own. Throws Error(kUnavailable) when the address cannot be listened on (taken, or not
  // an address of this machine) and Error(kInvalidArgument) when it is not host:port.
  static std::unique_ptr<RpcServer> Start(Store& store, const RpcServerOptions& options);
  ~RpcServer();  // Shutdown()
  RpcServer(const RpcServer&) = delete;
  RpcServer& operator=(const RpcServer&) = delete;

  // The port listened on: the chosen one when options.address asked for port 0.
  int port() const;

  // Stops taking calls, lets calls in progress finish for up to `grace` (then cancels them) and
  // returns when the server has stopped. Safe to call more than once, from any thread.
  void Shutdown(std::chrono::milliseconds grace = std::chrono::seconds(5));
  // Blocks until the server has been shut down (by another thread).
  void Wait();

 private:
  struct Impl;  // gRPC's server and the services, kept out of this header
  explicit RpcServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tuneup
