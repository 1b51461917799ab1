// Katib's DBManager service over PostgreSQL: the DBManager suite (tests/support/dbmanager_cases.h)
// on the test suite's server (ctest fixture `postgres`), and on a private server that goes away
// and comes back: meanwhile calls are UNAVAILABLE and health is NOT_SERVING, then all is well
// again without restarting the service.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "db/postgres_store.h"
#include "tests/support/dbmanager_cases.h"
#include "tests/support/postgres_factory.h"

namespace tuneup::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, DbManagerTest, ::testing::Values(PostgresBackend(false)),
                         StoreBackendName);

TEST(DbManagerPostgresOutageTest, UnavailableWhileTheDatabaseIsDownAndFineWhenItIsBack) {
  PrivatePostgres database;
  ASSERT_TRUE(database.started());
  {
    PostgresStore store(database.uri());
    CreateExperimentWithTrials(store, "dbm", 1);
    auto server = StartOnFreePort(store);
    RpcClient client(server->port());
    ASSERT_TRUE(client.Report("dbm-0", {{"2026-01-02T03:04:05Z", "loss", "1"}}).ok());

    ASSERT_TRUE(database.Down());
    grpc::Status status = client.Report("dbm-0", {{"2026-01-02T03:04:06Z", "loss", "2"}});
    EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << Describe(status);
    EXPECT_THAT(status.error_message(), ::testing::HasSubstr("postgresql: "));
    HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
    ASSERT_TRUE(client.Check("", &serving).ok());
    EXPECT_EQ(serving, HealthCheckResponse::NOT_SERVING);

    ASSERT_TRUE(database.Up());
    // The store's pool may still hold connections from before: each broken one is dropped as it
    // is found, and the call reports UNAVAILABLE, so a client retries.
    for (int attempt = 0; attempt < 5 && serving != HealthCheckResponse::SERVING; ++attempt)
      ASSERT_TRUE(client.Check("", &serving).ok());
    EXPECT_EQ(serving, HealthCheckResponse::SERVING);
    status = client.Report("dbm-0", {{"2026-01-02T03:04:07Z", "loss", "3"}});
    for (int attempt = 0; attempt < 5 && status.error_code() == grpc::StatusCode::UNAVAILABLE;
         ++attempt) {
      status = client.Report("dbm-0", {{"2026-01-02T03:04:07Z", "loss", "3"}});
    }
    EXPECT_TRUE(status.ok()) << Describe(status);
    EXPECT_THAT(client.GetAll("dbm-0"), ::testing::ElementsAre("2026-01-02T03:04:05Z loss=1",
                                                               "2026-01-02T03:04:07Z loss=3"));
  }
}

}  // namespace
}  // namespace tuneup::testing
