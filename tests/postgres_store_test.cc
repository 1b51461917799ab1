// The Store conformance suite (tests/support/store_conformance.h) run against PostgresStore on a
// real PostgreSQL 15, started for the test suite by the ctest fixture `postgres`
// (tests/support/postgres.sh), both constructed directly and through OpenStore. Never skipped:
// without the server these tests fail.
#include <unistd.h>

#include <bit>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <pqxx/pqxx>

#include "common/text.h"
#include "db/postgres_schema.h"
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

// A trial as the runner creates it, for the tests below.
Trial PendingTrial(const std::string& experiment, const std::string& name, int64_t sequence = 0) {
  Trial trial;
  trial.name = name;
  trial.experiment = experiment;
  trial.sequence = sequence;
  trial.assignment = {{"lr", "0.01"}};
  trial.created_at = FromUnixMicros(1'700'000'000'000'000);
  return trial;
}

// AppendObservations writes one observation with a prepared INSERT and several with COPY; both
// paths keep every value exactly and refuse a trial that does not exist, writing nothing.
TEST(PostgresStoreTest, BothAppendPathsRoundTripValuesAndRefuseAMissingTrial) {
  PostgresStoreFactory factory(false);
  std::unique_ptr<Store> store = factory.Open();
  store->CreateExperiment(ConformanceExperiment("paths"));
  Trial trial = PendingTrial("paths", "paths-0");
  store->CreateTrials({&trial, 1});
  std::vector<Observation> observations;
  int64_t micros = -1;
  for (double value : {0.0, -0.0, 0.1 + 0.2, 1.0 / 3, -2.5e-308, 5e-324, 1.7976931348623157e308,
                       -1.7976931348623157e308, 123456789.123456789, 9007199254740993.0}) {
    observations.push_back({"v", value, FromUnixMicros(micros)});
    micros = micros * -7 + 1'234'567;
  }
  for (const auto& o : observations)
    store->AppendObservations("paths-0", 0, {&o, 1});
  store->AppendObservations("paths-0", 1, observations);
  for (int attempt : {0, 1}) {
    auto got = store->GetObservations("paths-0", std::nullopt, attempt);
    ASSERT_EQ(got.size(), observations.size()) << "attempt " << attempt;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].metric, "v");
      EXPECT_EQ(std::bit_cast<uint64_t>(got[i].value),
                std::bit_cast<uint64_t>(observations[i].value))
          << "attempt " << attempt << ", value " << observations[i].value;
      EXPECT_EQ(got[i].time, observations[i].time);
    }
  }

  for (size_t count : {size_t{1}, observations.size()}) {
    std::string message;
    EXPECT_TRUE(ThrowsError(
        [&] {
          store->AppendObservations("paths-9", 0, {observations.data(), count});
        },
        ErrorCode::kNotFound, &message))
        << count << " observations";
    EXPECT_NE(message.find("paths-9"), std::string::npos) << message;
  }
  // The COPY of a batch naming a missing trial is refused as a whole.
  pqxx::connection connection(factory.uri());
  pqxx::work tx(connection);
  EXPECT_EQ(tx.exec("SELECT COUNT(*) FROM observations WHERE trial = 'paths-9'")[0][0].as<int>(),
            0);
}

// Migration 2 replaced the observations' foreign key by statement triggers (one lookup per
// statement instead of one per row); to someone writing SQL by hand the schema still behaves as
// the foreign key did.
TEST(PostgresStoreTest, TheSchemaStillTiesObservationsToTrials) {
  PostgresStoreFactory factory(false);
  std::unique_ptr<Store> store = factory.Open();
  store->CreateExperiment(ConformanceExperiment("tied"));
  std::vector<Trial> trials{PendingTrial("tied", "tied-0", 0), PendingTrial("tied", "tied-1", 1),
                            PendingTrial("tied", "tied-2", 2)};
  store->CreateTrials(trials);
  std::vector<Observation> two{{"loss", 1, FromUnixMicros(1)}, {"loss", 2, FromUnixMicros(2)}};
  store->AppendObservations("tied-0", 0, two);
  store->AppendObservations("tied-1", 0, two);

  pqxx::connection connection(factory.uri());
  auto sqlstate = [&](const std::string& sql) -> std::string {
    try {
      pqxx::work tx(connection);
      tx.exec(sql);
      tx.commit();
      return "";
    } catch (const pqxx::sql_error& e) {
      return e.sqlstate();
    }
  };
  auto count = [&](const std::string& sql) {
    pqxx::work tx(connection);
    return tx.exec(sql)[0][0].as<int>();
  };
  const std::string kInsert = "INSERT INTO observations (trial, attempt, metric, value, time) ";
  EXPECT_EQ(sqlstate(kInsert + "VALUES ('nobody', 0, 'loss', 1, 1)"), "23503");
  EXPECT_EQ(sqlstate(kInsert + "VALUES ('tied-2', 0, 'loss', 1, 1), ('nobody', 0, 'loss', 1, 1)"),
            "23503");
  EXPECT_EQ(sqlstate("UPDATE observations SET trial = 'nobody' WHERE trial = 'tied-1'"), "23503");
  EXPECT_EQ(count("SELECT COUNT(*) FROM observations WHERE trial NOT LIKE 'tied-%'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM observations WHERE trial = 'tied-2'"), 0);
  // A trial with observations keeps its name; one without may be renamed.
  EXPECT_EQ(sqlstate("UPDATE trials SET name = 'renamed' WHERE name = 'tied-0'"), "23503");
  EXPECT_EQ(sqlstate("UPDATE trials SET name = 'tied-2b' WHERE name = 'tied-2'"), "");
  // Deleting a trial, or its experiment, deletes its observations.
  EXPECT_EQ(sqlstate("DELETE FROM trials WHERE name = 'tied-0'"), "");
  EXPECT_EQ(count("SELECT COUNT(*) FROM observations WHERE trial = 'tied-0'"), 0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM observations WHERE trial = 'tied-1'"), 2);
  EXPECT_EQ(sqlstate("DELETE FROM experiments WHERE name = 'tied'"), "");
  EXPECT_EQ(count("SELECT COUNT(*) FROM observations"), 0);
}

// A database made by a build of an older schema version is migrated to the current one without
// losing a trial or an observation: from version 1 (observations with a foreign key) and from
// version 2 (before cross-validation). Its trials read back with no fold results and its
// observations as their trial's own job's (fold -1), and both take fold results afterwards.
TEST(PostgresStoreTest, MigratesAnOlderDatabaseKeepingItsTrialsAndObservations) {
  static int made = 0;
  const std::string server = PostgresServerUri();
  for (int version : {1, 2}) {
    SCOPED_TRACE("from schema version " + std::to_string(version));
    const std::string database = "version_" + std::to_string(version) + "_" +
                                 std::to_string(::getpid()) + "_" + std::to_string(++made);
    {
      pqxx::connection admin(server);
      pqxx::nontransaction(admin).exec("CREATE DATABASE " + database);
    }
    const std::string uri = server.substr(0, server.rfind('/') + 1) + database;
    {
      pqxx::connection connection(uri);
      ApplyPostgresMigrations(connection, version);
      pqxx::work tx(connection);
      tx.exec(
          "INSERT INTO experiments VALUES ('old', 'default', '{}', 'Running', '', '', 1, NULL, "
          "NULL)");
      tx.exec(
          "INSERT INTO trials VALUES ('old-0', 'old', 0, '[]', '{}', 'Running', '', '', 0, 0.5, "
          "'[{\"name\": \"loss\", \"min\": 0.25, \"max\": 0.5, \"latest\": 0.25, "
          "\"count\": 2}]', 1, 2, NULL)");
      tx.exec(
          "INSERT INTO observations (trial, attempt, metric, value, time) VALUES "
          "('old-0', 0, 'loss', 0.5, 10), ('old-0', 0, 'loss', 0.25, 20)");
      tx.commit();
    }
    PostgresStore store(uri);
    std::optional<Trial> old = store.GetTrial("old-0");
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->objective, 0.5);
    EXPECT_EQ(old->metrics, (std::vector<MetricSummary>{{"loss", 0.25, 0.5, 0.25, 2}}));
    EXPECT_EQ(old->started_at, FromUnixMicros(2));
    EXPECT_TRUE(old->folds.empty());
    EXPECT_EQ(old->final_evaluation, std::nullopt);
    ASSERT_EQ(store.ListTrials("old").size(), 1u);
    EXPECT_TRUE(store.ListTrials("old")[0].folds.empty());

    std::vector<Observation> more{{"loss", 0.125, FromUnixMicros(30)},
                                  {"loss", 0.0625, FromUnixMicros(40)}};
    store.AppendObservations("old-0", 0, more);
    auto got = store.GetObservations("old-0", "loss", 0);
    ASSERT_EQ(got.size(), 4u);
    EXPECT_EQ(got[0].value, 0.5);
    EXPECT_EQ(got[1].value, 0.25);
    EXPECT_EQ(got[3].time, FromUnixMicros(40));
    for (const Observation& o : got)
      EXPECT_EQ(o.fold, kTrialJob);
    EXPECT_TRUE(
        ThrowsError([&] { store.AppendObservations("old-1", 0, more); }, ErrorCode::kNotFound));

    // The migrated rows take fold results and fold observations.
    FoldResult fold;
    fold.index = 0;
    fold.status = TrialStatus::kRunning;
    fold.started_at = FromUnixMicros(45);
    old->folds = {fold};
    store.UpdateTrial(*old, std::vector<Observation>{{"loss", 0.03125, FromUnixMicros(50), 0}});
    EXPECT_EQ(store.GetTrial("old-0")->folds, old->folds);
    ObservationFilter first;
    first.fold = 0;
    got = store.FindObservations("old-0", first);
    ASSERT_EQ(got.size(), 1u);
    EXPECT_EQ(got[0].value, 0.03125);

    pqxx::connection connection(uri);
    pqxx::work tx(connection);
    EXPECT_EQ(tx.exec("SELECT MAX(version) FROM schema_migrations")[0][0].as<int>(),
              PostgresStore::kSchemaVersion);
  }
}

// A cross_validation column that does not decode is kInternal naming the table, the row and the
// column; the trial's neighbours stay readable.
TEST(PostgresStoreTest, ADamagedCrossValidationColumnNamesTableRowAndColumn) {
  PostgresStoreFactory factory(false);
  std::unique_ptr<Store> store = factory.Open();
  store->CreateExperiment(ConformanceExperiment("hurt"));
  std::vector<Trial> trials{PendingTrial("hurt", "hurt-ok", 0),
                            PendingTrial("hurt", "hurt-bad", 1)};
  store->CreateTrials(trials);
  pqxx::connection connection(factory.uri());
  for (const char* damage : {"{", "[]", "{\"folds\": [{\"index\": 0}]}", "{\"final\": 1}"}) {
    SCOPED_TRACE(damage);
    {
      pqxx::work tx(connection);
      tx.exec_params("UPDATE trials SET cross_validation = $1 WHERE name = 'hurt-bad'",
                     std::string(damage));
      tx.commit();
    }
    std::string message;
    EXPECT_TRUE(ThrowsError([&] { store->GetTrial("hurt-bad"); }, ErrorCode::kInternal, &message));
    for (const char* part : {"trials", "hurt-bad", "cross_validation"})
      EXPECT_NE(message.find(part), std::string::npos) << message;
    EXPECT_TRUE(ThrowsError([&] { store->ListTrials("hurt"); }, ErrorCode::kInternal));
    EXPECT_EQ(store->GetTrial("hurt-ok")->name, "hurt-ok");
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
