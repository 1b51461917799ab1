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
// Lets a call through only with `authorization: Bearer <token>` for one of the tokens.
class TokenChecker final : public grpc::AuthMetadataProcessor {
 public:
  explicit TokenChecker(std::vector<std::string> tokens) : tokens_(std::move(tokens)) {}

  bool IsBlocking() const override { return false; }

  grpc::Status Process(const InputMetadata& auth_metadata, grpc::AuthContext* /*context*/,
                       OutputMetadata* /*consumed*/, OutputMetadata* /*response*/) override {
    auto it = auth_metadata.find("authorization");
    if (it != auth_metadata.end()) {
      const std::string_view given(it->second.data(), it->second.size());
      for (const auto& token : tokens_) {
        if (SameSecret(given, "Bearer " + token)) return grpc::Status::OK;
      }
    }
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED,
                        "a valid bearer token is required (metadata authorization: Bearer ...)");
  }

 private:
  // Compares in time that depends only on the lengths, not on where they differ.
  static bool SameSecret(std::string_view a, const std::string& b) {
    if (a.size() != b.size()) return false;
    unsigned char difference = 0;
    for (size_t i = 0; i < a.size(); ++i)
      difference |= static_cast<unsigned char>(a[i] ^ b[i]);
    return difference == 0;
  }

  const std::vector<std::string> tokens_;
};

std::shared_ptr<grpc::ServerCredentials> CredentialsFor(const RpcServerOptions& options) {
  if (options.tls_cert_pem.empty() != options.tls_key_pem.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "TLS needs both a certificate and its key");
  }
  if (options.tls_cert_pem.empty()) {
    if (!options.tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "bearer tokens need TLS: give the server a certificate and key");
    }
    if (!options.tls_client_ca_pem.empty()) {
      throw Error(ErrorCode::kInvalidArgument, "client certificates need TLS");
    }
    return grpc::InsecureServerCredentials();
  }
  grpc::SslServerCredentialsOptions ssl(
      options.tls_client_ca_pem.empty()
          ? GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE
          : GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY);
  ssl.pem_root_certs = options.tls_client_ca_pem;
  ssl.pem_key_cert_pairs.push_back({options.tls_key_pem, options.tls_cert_pem});
  std::shared_ptr<grpc::ServerCredentials> credentials = grpc::SslServerCredentials(ssl);
  if (!options.tokens.empty())
    credentials->SetAuthMetadataProcessor(std::make_shared<TokenChecker>(options.tokens));
  return credentials;
}

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
        suggestion(AlgorithmRegistry::Default(), options.suggestion_observer),
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
  builder.AddListeningPort(options.address, CredentialsFor(options), &impl->port);
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
