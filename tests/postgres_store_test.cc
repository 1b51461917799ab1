// The Store conformance suite (tests/support/store_conformance.h) run against PostgresStore on a
// real PostgreSQL 15, started for the test suite by the ctest fixture `postgres`
// (tests/support/postgres.sh), both constructed directly and through OpenStore. Never skipped:
// without the server these tests fail.
#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "db/postgres_store.h"
#include "tests/support/store_conformance.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {
namespace {

// The fixture's server: postgresql://postgres@127.0.0.1:PORT/postgres.
std::string ServerUri() {
  std::string uri = ReadFile(std::string(TUNEUP_TEST_POSTGRES_DIR) + "/uri");
  while (!uri.empty() && (uri.back() == '\n' || uri.back() == ' '))
    uri.pop_back();
  if (uri.empty()) {
    ADD_FAILURE() << "no PostgreSQL: " << TUNEUP_TEST_POSTGRES_DIR
                  << "/uri is missing (the ctest fixture `postgres` starts the server)";
  }
  return uri;
}

// Each Open() creates a new database on the server; Reopen() connects to it again.
class PostgresStoreFactory final : public StoreFactory {
 public:
  explicit PostgresStoreFactory(bool via_open_store) : via_open_store_(via_open_store) {}

  std::string name() const override {
    return via_open_store_ ? "PostgresViaOpenStore" : "Postgres";
  }
  std::unique_ptr<Store> Open() override {
    static int opened = 0;
    const std::string server = ServerUri();
    const std::string database =
        "conformance_" + std::to_string(::getpid()) + "_" + std::to_string(++opened);
    pqxx::connection admin(server);
    pqxx::nontransaction(admin).exec("CREATE DATABASE " + database);
    uri_ = server.substr(0, server.rfind('/') + 1) + database;
    return Connect();
  }
  std::unique_ptr<Store> Reopen() override { return Connect(); }
  const std::string& uri() const { return uri_; }

 private:
  std::unique_ptr<Store> Connect() {
    if (via_open_store_) return OpenStore(uri_);
    return std::make_unique<PostgresStore>(uri_);
  }

  bool via_open_store_;
  std::string uri_;
};

StoreBackend Postgres(bool via_open_store) {
  return {via_open_store ? "PostgresViaOpenStore" : "Postgres",
          [via_open_store] { return std::make_unique<PostgresStoreFactory>(via_open_store); }};
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreConformanceTest,
                         ::testing::Values(Postgres(false), Postgres(true)), StoreBackendName);

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
  TempDir dir;
  const std::string script = SourcePath("tests/support/postgres.sh");
  const std::string server = dir.Join("pg");
  auto sh = [&](const std::string& action) {
    return std::system(("sh " + script + " " + action + " " + server + " >/dev/null").c_str());
  };
  ASSERT_EQ(sh("start"), 0);
  const std::string uri = ReadFile(server + "/uri").substr(0, ReadFile(server + "/uri").find('\n'));
  {
    PostgresStore store(uri);
    store.CreateExperiment(ConformanceExperiment("outage"));
    ASSERT_EQ(sh("down"), 0);
    try {
      store.ListExperiments();
      FAIL() << "the server is down";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kUnavailable) << e.what();
    }
    ASSERT_EQ(sh("up"), 0);
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
  EXPECT_EQ(sh("stop"), 0);
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
