// Katib's DBManager service over SQLite: the DBManager suite (tests/support/dbmanager_cases.h),
// then what the server does when its store fails, and the server's own life (ports, shutdown).
// The same suite runs on PostgreSQL in dbmanager_postgres_test.cc.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <thread>

#include "db/sqlite_store.h"
#include "rpc/katib_time.h"
#include "tests/support/dbmanager_cases.h"
#include "tests/support/flaky_store.h"
#include "tests/support/sqlite_factory.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {
namespace {

using ::testing::HasSubstr;

INSTANTIATE_TEST_SUITE_P(Sqlite, DbManagerTest, ::testing::Values(SqliteBackend(false)),
                         StoreBackendName);

TEST(KatibTimeTest, FormatsAsGoFormatsRfc3339Nano) {
  EXPECT_EQ(FormatKatibTime(*ParseKatibTime("2026-01-02T03:04:05Z")), "2026-01-02T03:04:05Z");
  EXPECT_EQ(FormatKatibTime(*ParseKatibTime("2026-01-02T03:04:05.100Z")), "2026-01-02T03:04:05.1Z");
  EXPECT_EQ(FormatKatibTime(*ParseKatibTime("2026-01-02T03:04:05.000001Z")),
            "2026-01-02T03:04:05.000001Z");
  EXPECT_EQ(FormatKatibTime(*ParseKatibTime("2026-01-02T03:04:05.1234567+01:30")),
            "2026-01-02T01:34:05.123456Z");
  EXPECT_EQ(FormatKatibTime(*ParseKatibTime("1969-12-31T23:59:59.5Z")), "1969-12-31T23:59:59.5Z");
  EXPECT_EQ(ParseKatibTime("0001-01-01T00:00:00Z"), kGoZeroTime);
  EXPECT_EQ(FormatKatibTime(kGoZeroTime), "0001-01-01T00:00:00Z");
  EXPECT_LT(kGoZeroTime, *ParseKatibTime("1678-01-01T00:00:00Z"));
  EXPECT_EQ(ParseKatibTime("0001-01-02T00:00:00Z"), std::nullopt);
  EXPECT_EQ(ParseKatibTime(""), std::nullopt);
}

// A server over a FlakyStore, which the test can take down.
class DbManagerStoreFailureTest : public ::testing::Test {
 protected:
  void SetUp() override {
    CreateExperimentWithTrials(real_, "dbm", 1);
    server_ = StartOnFreePort(flaky_);
    client_ = std::make_unique<RpcClient>(server_->port());
  }

  TempDir dir_;
  SqliteStore real_{dir_.Join("store.db")};
  FlakyStore flaky_{real_};
  std::unique_ptr<RpcServer> server_;
  std::unique_ptr<RpcClient> client_;
};

TEST_F(DbManagerStoreFailureTest, AStoreThatCannotBeReachedIsUnavailableAndNotServing) {
  flaky_.down = true;
  std::vector<std::string> lines;
  for (const grpc::Status& status :
       {client_->Report("dbm-0", {{"2026-01-02T03:04:05Z", "loss", "1"}}),
        client_->Get(GetRequest("dbm-0"), &lines), client_->Delete("dbm-0")}) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
    EXPECT_THAT(status.error_message(), HasSubstr("flaky: "));
  }
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
  ASSERT_TRUE(client_->Check("", &serving).ok());
  EXPECT_EQ(serving, HealthCheckResponse::NOT_SERVING);

  flaky_.down = false;
  ASSERT_TRUE(client_->Check("api.v1.beta1.DBManager", &serving).ok());
  EXPECT_EQ(serving, HealthCheckResponse::SERVING);
  grpc::Status status = client_->Report("dbm-0", {{"2026-01-02T03:04:05Z", "loss", "1"}});
  EXPECT_TRUE(status.ok()) << Describe(status);
  EXPECT_EQ(client_->GetAll("dbm-0").size(), 1u);
}

TEST_F(DbManagerStoreFailureTest, AStoreThatRefusesAWriteIsInternalWithItsMessage) {
  flaky_.refuse_writes = true;
  grpc::Status status = client_->Report("dbm-0", {{"2026-01-02T03:04:05Z", "loss", "1"}});
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("flaky: AppendObservations: refused"));
  status = client_->Delete("dbm-0");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INTERNAL) << Describe(status);
}

TEST(RpcServerTest, ATakenPortIsRefused) {
  TempDir dir;
  SqliteStore store(dir.Join("store.db"));
  auto first = StartOnFreePort(store);
  RpcServerOptions options;
  options.address = "127.0.0.1:" + std::to_string(first->port());
  try {
    auto second = RpcServer::Start(store, options);
    FAIL() << "a second server started on " << options.address;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.what();
    EXPECT_THAT(e.what(), HasSubstr("cannot listen on " + options.address));
  }
  // The first one still serves.
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
  EXPECT_TRUE(RpcClient(first->port()).Check("", &serving).ok());
  EXPECT_EQ(serving, HealthCheckResponse::SERVING);
}

TEST(RpcServerTest, AnAddressThatIsNotHostAndPortIsInvalid) {
  TempDir dir;
  SqliteStore store(dir.Join("store.db"));
  for (const char* address : {"localhost", "127.0.0.1:", ":6789", "127.0.0.1:http"}) {
    RpcServerOptions options;
    options.address = address;
    try {
      RpcServer::Start(store, options);
      FAIL() << "started on " << address;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << address << ": " << e.what();
      EXPECT_THAT(e.what(), HasSubstr(address));
    }
  }
}

TEST(RpcServerTest, ShutdownFromAnotherThreadEndsWaitAndLaterCallsFail) {
  TempDir dir;
  SqliteStore store(dir.Join("store.db"));
  auto server = StartOnFreePort(store);
  RpcClient client(server->port());
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
  ASSERT_TRUE(client.Check("", &serving).ok());

  std::thread stopper([&] { server->Shutdown(); });
  server->Wait();
  stopper.join();
  server->Shutdown();  // again: nothing happens
  grpc::Status status = client.Check("", &serving);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
}

}  // namespace
}  // namespace tuneup::testing
