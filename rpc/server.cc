#include "rpc/server.h"

#include <grpcpp/grpcpp.h>

#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "common/error.h"
#include "rpc/dbmanager_service.h"
#include "rpc/early_stopping_service.h"
#include "rpc/health_service.h"
#include "rpc/manager_service.h"
#include "rpc/suggestion_service.h"

namespace tuneup {

namespace {

// The services' full names, as health checks name them.
std::set<std::string> ServedNames(bool manager) {
  std::set<std::string> names{std::string(::api::v1::beta1::DBManager::service_full_name()),
                              std::string(::api::v1::beta1::Suggestion::service_full_name()),
                              std::string(::api::v1::beta1::EarlyStopping::service_full_name()),
                              std::string(::grpc::health::v1::Health::service_full_name())};
  if (manager) names.insert(std::string(::tuneup::v1::Manager::service_full_name()));
  return names;
}

void CheckAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == address.size() ||
      address.find_first_not_of("0123456789", colon + 1) != std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument,
                "listen address \"" + address + "\" is not host:port (e.g. 127.0.0.1:6789)");
  }
}

}  // namespace

struct RpcServer::Impl {
  Impl(Store& store, const RpcServerOptions& options)
      : dbmanager(store, options.limits),
        suggestion(AlgorithmRegistry::Default()),
        early_stopping(store),
        health(store, ServedNames(options.host != nullptr)) {
    if (options.host != nullptr) manager = std::make_unique<ManagerService>(store, *options.host);
  }

  DbManagerService dbmanager;
  SuggestionService suggestion;
  EarlyStoppingService early_stopping;
  std::unique_ptr<ManagerService> manager;
  HealthService health;
  std::unique_ptr<grpc::Server> server;
  int port = 0;
  std::once_flag shutdown_once;
};

RpcServer::RpcServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

RpcServer::~RpcServer() {
  Shutdown();
}

std::unique_ptr<RpcServer> RpcServer::Start(Store& store, const RpcServerOptions& options) {
  CheckAddress(options.address);
  auto impl = std::make_unique<Impl>(store, options);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(options.address, grpc::InsecureServerCredentials(), &impl->port);
  // gRPC sets SO_REUSEPORT by default: a second server on a taken port would start and share it.
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);
  builder.SetMaxReceiveMessageSize(options.max_message_bytes);
  builder.SetMaxSendMessageSize(options.max_message_bytes);
  builder.RegisterService(&impl->dbmanager);
  builder.RegisterService(&impl->suggestion);
  builder.RegisterService(&impl->early_stopping);
  if (impl->manager) builder.RegisterService(impl->manager.get());
  builder.RegisterService(&impl->health);
  impl->server = builder.BuildAndStart();
  if (!impl->server || impl->port == 0) {
    if (impl->server) impl->server->Shutdown();
    throw Error(ErrorCode::kUnavailable,
                "cannot listen on " + options.address +
                    ": the port is taken or the host is not an address of this machine");
  }
  return std::unique_ptr<RpcServer>(new RpcServer(std::move(impl)));
}

int RpcServer::port() const {
  return impl_->port;
}

void RpcServer::Shutdown(std::chrono::milliseconds grace) {
  std::call_once(impl_->shutdown_once, [&] {
    impl_->server->Shutdown(std::chrono::system_clock::now() + grace);
    impl_->server->Wait();
  });
}

void RpcServer::Wait() {
  impl_->server->Wait();
}

}  // namespace tuneup
