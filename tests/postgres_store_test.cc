// The Store conformance suite (tests/support/store_conformance.h) run against PostgresStore on a
// real PostgreSQL 15, started for the test suite by the ctest fixture `postgres`
// (tests/support/postgres.sh), both constructed directly and through OpenStore. Never skipped:
// without the server these tests fail.
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "db/postgres_store.h"
#include "tests/support/postgres_factory.h"
#include "tests/support/store_conformance.h"

namespace tuneup::testing {
namespace {

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(PostgresBackend(false), PostgresBackend(true)),
                         StoreBackendName);

TEST(PostgresStoreTest, RefusesADatabaseFromANewerTuneupAndLeavesItAlone) {
  PostgresStoreFactory factory(false);
  std::unique_ptr<Store> store = factory.Open();  // a fresh database at the current version
  store.reset();
  const int newer = PostgresStore::kSchemaVersion + 1;
  {
    pqxx::connection connection(factory.uri());
    pqxx::work tx(connection);
    tx.exec_params("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, 1)", newer);
    tx.commit();
  }
  try {
    factory.Reopen();
    FAIL() << "opened a database of schema version " << newer;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kFailedPrecondition) << e.what();
    EXPECT_NE(std::string(e.what()).find("newer tuneup"), std::string::npos) << e.what();
  }
  pqxx::connection connection(factory.uri());
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec("SELECT MAX(version) FROM schema_migrations")[0][0].as<int>(), newer);
  EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM experiments")[0][0].as<int>(), 0);
}

// A store outlives a restart of its server: calls while it is down fail as kUnavailable (the
// caller may retry), the first call after it is back reconnects, and nothing stored is lost.
TEST(PostgresStoreTest, ReconnectsAfterTheServerRestarts) {
  PrivatePostgres server;
  ASSERT_TRUE(server.started());
  {
    PostgresStore store(server.uri());
    store.CreateExperiment(ConformanceExperiment("outage"));
    ASSERT_TRUE(server.Down());
    try {
      store.ListExperiments();
      FAIL() << "the server is down";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.what();
    }
    ASSERT_TRUE(server.Up());
    std::vector<ExperimentRecord> records;
    // The pool may still hold connections from before; each broken one is dropped as found.
    for (int attempt = 0; attempt < 5 && records.empty(); ++attempt) {
      try {
        records = store.ListExperiments();
      } catch (const Error& e) {
        EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.what();
      }
    }
    ASSERT_EQ(records.size(), 1u);
    EXPECT_EQ(records[0].experiment.metadata.name, "outage");
  }
}

TEST(PostgresStoreTest, UnreachableServerIsUnavailable) {
  try {
    PostgresStore store("postgresql://postgres@127.0.0.1:1/postgres?connect_timeout=2");
    FAIL() << "connected to nothing";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.what();
    EXPECT_NE(std::string(e.what()).find(
                  "postgresql: connect to postgresql://postgres@127.0.0.1:1/postgres"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tuneup::testing
