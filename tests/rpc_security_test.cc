// TLS, client certificates and bearer tokens on tuneup's gRPC server (rpc/server.h), over real
// sockets on 127.0.0.1 with a certificate the test makes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <grpcpp/grpcpp.h>

#include "db/sqlite_store.h"
#include "rpc/health.grpc.pb.h"
#include "rpc/katib_api.grpc.pb.h"
#include "rpc/server.h"
#include "tests/support/dbmanager_cases.h"
#include "tests/support/fake_kube_api.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::grpc::health::v1::HealthCheckRequest;
using ::grpc::health::v1::HealthCheckResponse;
using ::testing::HasSubstr;

class RpcSecurityTest : public ::testing::Test {
 protected:
  RpcSecurityTest() : store_(dir_.Join("tuneup.db")), certificate_(testing::MakeTestCertificate()) {
    testing::CreateExperimentWithTrials(store_, "sec", 1);
  }

  void Start(std::vector<std::string> tokens, const std::string& client_ca = "") {
    RpcServerOptions options;
    options.address = "127.0.0.1:0";
    options.tls_cert_pem = certificate_.cert_pem;
    options.tls_key_pem = certificate_.key_pem;
    options.tls_client_ca_pem = client_ca;
    options.tokens = std::move(tokens);
    server_ = RpcServer::Start(store_, options);
  }

  std::shared_ptr<grpc::Channel> Channel(bool tls, bool client_certificate = false) {
    std::shared_ptr<grpc::ChannelCredentials> credentials = grpc::InsecureChannelCredentials();
    if (tls) {
      grpc::SslCredentialsOptions ssl;
      ssl.pem_root_certs = certificate_.cert_pem;
      if (client_certificate) {
        ssl.pem_cert_chain = certificate_.cert_pem;
        ssl.pem_private_key = certificate_.key_pem;
      }
      credentials = grpc::SslCredentials(ssl);
    }
    return grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()), credentials);
  }

  grpc::Status Check(const std::shared_ptr<grpc::Channel>& channel, const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    HealthCheckResponse response;
    return ::grpc::health::v1::Health::NewStub(channel)->Check(&context, HealthCheckRequest(),
                                                               &response);
  }

  grpc::Status Report(const std::shared_ptr<grpc::Channel>& channel, const std::string& token) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    if (!token.empty()) context.AddMetadata("authorization", "Bearer " + token);
    ::api::v1::beta1::ReportObservationLogRequest request;
    request.set_trial_name("sec-0");
    auto* log = request.mutable_observation_log()->add_metric_logs();
    log->set_time_stamp("2026-12-07T10:00:00Z");
    log->mutable_metric()->set_name("loss");
    log->mutable_metric()->set_value("0.5");
    ::api::v1::beta1::ReportObservationLogReply reply;
    return ::api::v1::beta1::DBManager::NewStub(channel)->ReportObservationLog(&context, request,
                                                                               &reply);
  }

  testing::TempDir dir_;
  SqliteStore store_;
  testing::TestCertificate certificate_;
  std::unique_ptr<RpcServer> server_;
};

TEST_F(RpcSecurityTest, OnlyCallsWithAValidTokenGetThroughAndTheOthersChangeNothing) {
  Start({"s3cret", "other-token"});
  auto channel = Channel(/*tls=*/true);
  grpc::Status none = Check(channel, "");
  EXPECT_EQ(none.error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_THAT(none.error_message(), HasSubstr("bearer token"));
  EXPECT_EQ(Check(channel, "s3cre").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_EQ(Check(channel, "s3cret-").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(Check(channel, "s3cret").ok());
  EXPECT_TRUE(Check(channel, "other-token").ok());

  EXPECT_EQ(Report(channel, "wrong").error_code(), grpc::StatusCode::UNAUTHENTICATED);
  EXPECT_TRUE(store_.GetObservations("sec-0", std::nullopt, std::nullopt).empty());
  EXPECT_TRUE(Report(channel, "s3cret").ok());
  EXPECT_EQ(store_.GetObservations("sec-0", std::nullopt, std::nullopt).size(), 1u);

  // A TLS server does not speak plaintext.
  EXPECT_FALSE(Check(Channel(/*tls=*/false), "s3cret").ok());
}

TEST_F(RpcSecurityTest, ClientCertificatesAreRequiredWhenAClientCaIsGiven) {
  Start({}, certificate_.cert_pem);
  EXPECT_FALSE(Check(Channel(/*tls=*/true, /*client_certificate=*/false), "").ok());
  EXPECT_TRUE(Check(Channel(/*tls=*/true, /*client_certificate=*/true), "").ok());
}

TEST_F(RpcSecurityTest, TokensWithoutTlsAreRefused) {
  RpcServerOptions options;
  options.address = "127.0.0.1:0";
  options.tokens = {"s3cret"};
  try {
    RpcServer::Start(store_, options);
    FAIL() << "started";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(e.what(), HasSubstr("bearer tokens need TLS"));
  }
}

}  // namespace
}  // namespace tuneup
