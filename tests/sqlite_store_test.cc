// SqliteStore beyond the Store conformance suite: the file, its schema version, damaged rows,
// locking, and OpenStore's locations. Damage is done with the sqlite3 C API directly, as another
// program (or a bug) would.
#include "db/sqlite_store.h"

#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/experiment_json.h"
#include "common/text.h"
#include "db/row_codec.h"
#include "db/sqlite.h"
#include "db/sqlite_schema.h"
#include "tests/support/store_conformance.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using testing::TempDir;
using testing::ThrowsError;

// A plain sqlite3 connection, for looking at and damaging the file behind the store's back.
class RawDb {
 public:
  explicit RawDb(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string message = db_ ? sqlite3_errmsg(db_) : "out of memory";
      sqlite3_close(db_);
      throw std::runtime_error("raw open " + path + ": " + message);
    }
    sqlite3_busy_timeout(db_, 10'000);
  }
  ~RawDb() { sqlite3_close(db_); }
  RawDb(const RawDb&) = delete;
  RawDb& operator=(const RawDb&) = delete;

  // Every row of `sql`'s result, each column as text ("NULL" for null).
  std::vector<std::vector<std::string>> Query(const std::string& sql) {
    std::vector<std::vector<std::string>> rows;
    char* error = nullptr;
    auto collect = [](void* out, int columns, char** values, char**) {
      auto& result = *static_cast<std::vector<std::vector<std::string>>*>(out);
      result.emplace_back();
      for (int i = 0; i < columns; ++i)
        result.back().push_back(values[i] ? values[i] : "NULL");
      return 0;
    };
    if (sqlite3_exec(db_, sql.c_str(), collect, &rows, &error) != SQLITE_OK) {
      std::string message = error ? error : "unknown error";
      sqlite3_free(error);
      throw std::runtime_error("raw sql " + sql + ": " + message);
    }
    return rows;
  }
  void Exec(const std::string& sql) { Query(sql); }
  // The first column of the first row.
  std::string One(const std::string& sql) {
    auto rows = Query(sql);
    if (rows.empty() || rows[0].empty()) throw std::runtime_error("raw sql " + sql + ": no rows");
    return rows[0][0];
  }

 private:
  sqlite3* db_ = nullptr;
};

Timestamp At(int64_t offset) {
  return FromUnixMicros(1'700'000'000'000'000 + offset);
}

ExperimentRecord Record(const std::string& name) {
  ExperimentRecord record;
  record.experiment.api_version = "kubeflow.org/v1beta1";
  record.experiment.kind = "Experiment";
  record.experiment.metadata.name = name;
  record.experiment.metadata.namespace_ = "default";
  record.created_at = At(1);
  return record;
}

Trial MakeTrial(const std::string& experiment, const std::string& name, int64_t sequence) {
  Trial trial;
  trial.name = name;
  trial.experiment = experiment;
  trial.sequence = sequence;
  trial.assignment = {{"x", "0.5"}};
  trial.labels = {{"k", "v"}};
  trial.metrics = {{"loss", 0.5, 0.5, 0.5, 1}};
  trial.objective = 0.5;
  trial.created_at = At(sequence);
  return trial;
}

std::vector<std::string> Names(const std::vector<Trial>& trials) {
  std::vector<std::string> names;
  for (const auto& t : trials)
    names.push_back(t.name);
  return names;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string Path() const { return dir_.Join("tuneup.db"); }

  TempDir dir_;
};

// ---------------------------------------------------------------------------------------------
// The file and its schema.

TEST_F(SqliteStoreTest, RecordsItsSchemaVersionAndUsesWal) {
  SqliteStore store(Path());
  RawDb raw(Path());
  EXPECT_EQ(raw.One("SELECT MAX(version) FROM schema_migrations"),
            std::to_string(SqliteStore::kSchemaVersion));
  EXPECT_EQ(raw.One("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(SqliteStore::kSchemaVersion));
  EXPECT_EQ(raw.One("SELECT COUNT(*) FROM schema_migrations WHERE applied_at <= 0"), "0");
  // sqlite_store.h promises a WAL journal: committed changes survive a crash of tuneup.
  EXPECT_EQ(raw.One("PRAGMA journal_mode"), "wal");
}

TEST_F(SqliteStoreTest, ReopeningAnExistingFileKeepsDataAndAppliesNoMigrationTwice) {
  {
    SqliteStore store(Path());
    store.CreateExperiment(Record("kept"));
    Trial trial = MakeTrial("kept", "kept-0", 0);
    store.CreateTrials({&trial, 1});
    store.AppendObservations("kept-0", 0, std::vector<Observation>{{"loss", 0.25, At(9)}});
  }
  std::string applied_at;
  {
    RawDb raw(Path());
    applied_at = raw.One("SELECT applied_at FROM schema_migrations WHERE version = 1");
  }
  for (int i = 0; i < 2; ++i) {
    SqliteStore store(Path());
    ASSERT_TRUE(store.GetExperiment("kept").has_value());
    EXPECT_THAT(Names(store.ListTrials("kept")), ElementsAre("kept-0"));
    EXPECT_EQ(store.GetObservations("kept-0", std::nullopt, std::nullopt).size(), 1u);
  }
  RawDb raw(Path());
  EXPECT_EQ(raw.One("SELECT COUNT(*) FROM schema_migrations"),
            std::to_string(SqliteStore::kSchemaVersion));
  EXPECT_EQ(raw.One("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied_at);
}

// A file written by a build of schema version 1, before cross-validation: after the migration
// its trials read back with no fold results and its observations as their trial's own job's
// (fold -1), and both take fold results.
TEST_F(SqliteStoreTest, MigratesAVersionOneDatabaseKeepingItsTrialsAndObservations) {
  {
    sqlite::Connection db(Path());
    ApplySqliteMigrations(db, 1);
    sqlite::Statement experiment(db,
                                 "INSERT INTO experiments VALUES (?1, 'default', ?2, 'Running', "
                                 "'ExperimentRunning', '', ?3, ?3, NULL)",
                                 "insert experiment");
    experiment.Bind(1, "old")
        .Bind(2, EncodeExperimentSpec(Record("old").experiment))
        .Bind(3, ToUnixMicros(At(1)));
    experiment.Run();
    db.Execute(
        "INSERT INTO trials VALUES "
        "('old-0', 'old', 0, '[{\"name\": \"x\", \"value\": \"0.5\"}]', '{\"k\": \"v\"}', "
        "'Succeeded', 'TrialSucceeded', 'done', 1, 0.25, "
        "'[{\"name\": \"loss\", \"min\": 0.25, \"max\": 0.5, \"latest\": 0.25, \"count\": 2}]', "
        "1700000000000003, 1700000000000005, 1700000000000007), "
        "('old-1', 'old', 1, '[]', '{}', 'Pending', '', '', 0, NULL, '[]', 1700000000000009, NULL, "
        "NULL)",
        "insert trials");
    db.Execute(
        "INSERT INTO observations (trial, attempt, metric, value, time) VALUES "
        "('old-0', 0, 'loss', 0.5, 10), ('old-0', 1, 'loss', 0.25, 20)",
        "insert observations");
  }
  std::string applied_at;
  {
    RawDb raw(Path());
    ASSERT_EQ(raw.One("SELECT MAX(version) FROM schema_migrations"), "1");
    applied_at = raw.One("SELECT applied_at FROM schema_migrations WHERE version = 1");
  }

  SqliteStore store(Path());
  ASSERT_TRUE(store.GetExperiment("old").has_value());
  std::vector<Trial> trials = store.ListTrials("old");
  ASSERT_THAT(Names(trials), ElementsAre("old-0", "old-1"));
  const Trial& old = trials[0];
  EXPECT_EQ(old.assignment, (Assignment{{"x", "0.5"}}));
  EXPECT_EQ(old.status, TrialStatus::kSucceeded);
  EXPECT_EQ(old.attempt, 1);
  EXPECT_EQ(old.objective, 0.25);
  EXPECT_EQ(old.metrics, (std::vector<MetricSummary>{{"loss", 0.25, 0.5, 0.25, 2}}));
  EXPECT_EQ(old.completed_at, At(7));
  for (const Trial& trial : trials) {
    EXPECT_THAT(trial.folds, IsEmpty()) << trial.name;
    EXPECT_EQ(trial.final_evaluation, std::nullopt) << trial.name;
  }
  std::vector<Observation> observations =
      store.GetObservations("old-0", std::nullopt, std::nullopt);
  ASSERT_EQ(observations.size(), 2u);
  EXPECT_EQ(observations[0].value, 0.5);
  EXPECT_EQ(observations[1].time, FromUnixMicros(20));
  for (const Observation& o : observations)
    EXPECT_EQ(o.fold, kTrialJob);
  ObservationFilter own;
  own.fold = kTrialJob;
  EXPECT_EQ(store.FindObservations("old-0", own).size(), 2u);

  // The migrated rows take fold results and fold observations.
  Trial trial = old;
  FoldResult fold;
  fold.index = 0;
  fold.status = TrialStatus::kSucceeded;
  fold.objective = 0.125;
  fold.started_at = At(11);
  trial.folds = {fold};
  store.UpdateTrial(trial, std::vector<Observation>{{"loss", 0.125, At(12), 0}});
  EXPECT_EQ(store.GetTrial("old-0")->folds, trial.folds);
  ObservationFilter first;
  first.fold = 0;
  ASSERT_EQ(store.FindObservations("old-0", first).size(), 1u);
  EXPECT_EQ(store.FindObservations("old-0", first)[0].value, 0.125);

  RawDb raw(Path());
  EXPECT_EQ(
      raw.One("SELECT group_concat(version) FROM (SELECT version FROM schema_migrations ORDER "
              "BY version)"),
      "1,2");
  EXPECT_EQ(raw.One("SELECT applied_at FROM schema_migrations WHERE version = 1"), applied_at);
}

TEST_F(SqliteStoreTest, RefusesADatabaseFromANewerTuneupAndLeavesItAlone) {
  {
    SqliteStore store(Path());
    store.CreateExperiment(Record("future"));
    Trial trial = MakeTrial("future", "future-0", 0);
    store.CreateTrials({&trial, 1});
    store.AppendObservations("future-0", 0, std::vector<Observation>{{"loss", 1, At(2)}});
  }
  const int newer = SqliteStore::kSchemaVersion + 1;
  auto snapshot = [&] {
    RawDb raw(Path());
    std::vector<std::vector<std::string>> all;
    for (const char* table : {"experiments", "trials", "observations", "schema_migrations"}) {
      for (auto& row : raw.Query(std::string("SELECT * FROM ") + table + " ORDER BY 1")) {
        row.insert(row.begin(), table);
        all.push_back(std::move(row));
      }
    }
    return all;
  };
  {
    RawDb raw(Path());
    raw.Exec("INSERT INTO schema_migrations (version, applied_at) VALUES (" +
             std::to_string(newer) + ", 1)");
  }
  auto before = snapshot();

  std::string message;
  EXPECT_TRUE(
      ThrowsError([&] { SqliteStore store(Path()); }, ErrorCode::kFailedPrecondition, &message));
  EXPECT_THAT(message, HasSubstr("newer tuneup"));
  EXPECT_THAT(message, HasSubstr(Path()));
  EXPECT_THAT(message, HasSubstr(std::to_string(newer)));
  EXPECT_TRUE(ThrowsError([&] { OpenStore("sqlite:" + Path()); }, ErrorCode::kFailedPrecondition));

  EXPECT_EQ(snapshot(), before);
}

// ---------------------------------------------------------------------------------------------
// Damaged rows: kInternal naming table, row and column; everything else stays readable.

TEST_F(SqliteStoreTest, ADamagedTrialColumnNamesTableRowAndColumnAndSparesOtherRows) {
  SqliteStore store(Path());
  store.CreateExperiment(Record("hurt"));
  store.CreateExperiment(Record("healthy"));
  std::vector<Trial> trials{MakeTrial("hurt", "hurt-ok-0", 0), MakeTrial("hurt", "hurt-bad", 1),
                            MakeTrial("hurt", "hurt-ok-2", 2)};
  store.CreateTrials(trials);
  Trial other = MakeTrial("healthy", "healthy-0", 0);
  store.CreateTrials({&other, 1});

  struct Damage {
    std::string column;
    std::string value;  // an SQL literal
  };
  const std::vector<Damage> damages{
      {"metrics", "'[{\"name\": \"loss\", \"min\": '"},  // truncated JSON
      {"metrics", "'[{\"name\": 1}]'"},
      {"metrics", "'{}'"},
      {"status", "'Exploded'"},
      {"status", "''"},
      {"labels", "'{\"k\": 1}'"},
      {"labels", "'not json'"},
      {"assignment", "'[{\"name\": \"x\"}]'"},
      {"assignment", "'{}'"},
      {"cross_validation", "'{\"folds\": [{\"index\": 0, '"},  // truncated JSON
      {"cross_validation", "'[]'"},
      {"cross_validation", "''"},
      {"cross_validation", "'{\"folds\": {}}'"},
      {"cross_validation", "'{\"fold\": []}'"},
      {"cross_validation", "'{\"folds\": [{\"index\": 0, \"attempt\": 0}]}'"},
      {"cross_validation",
       "'{\"folds\": [{\"index\": -7, \"status\": \"Running\", \"attempt\": 0}]}'"},
      {"cross_validation",
       "'{\"final\": {\"index\": -2, \"status\": \"Exploded\", \"attempt\": 0}}'"},
      {"cross_validation",
       "'{\"final\": {\"index\": -2, \"status\": \"Running\", \"attempt\": 0, "
       "\"objective\": \"high\"}}'"},
      {"cross_validation",
       "'{\"folds\": [{\"index\": 0, \"status\": \"Running\", \"attempt\": 0, "
       "\"startTime\": \"yesterday\"}]}'"},
  };
  RawDb raw(Path());
  for (const Damage& damage : damages) {
    SCOPED_TRACE(damage.column + " = " + damage.value);
    std::string original =
        raw.One("SELECT quote(" + damage.column + ") FROM trials WHERE name = 'hurt-bad'");
    raw.Exec("UPDATE trials SET " + damage.column + " = " + damage.value +
             " WHERE name = 'hurt-bad'");

    std::string message;
    EXPECT_TRUE(ThrowsError([&] { store.ListTrials("hurt"); }, ErrorCode::kInternal, &message));
    EXPECT_THAT(message, HasSubstr("trials"));
    EXPECT_THAT(message, HasSubstr("hurt-bad"));
    EXPECT_THAT(message, HasSubstr(damage.column));
    EXPECT_TRUE(ThrowsError([&] { store.GetTrial("hurt-bad"); }, ErrorCode::kInternal));

    // Neighbours, the other experiment and the experiments themselves are still readable.
    EXPECT_EQ(store.GetTrial("hurt-ok-0")->name, "hurt-ok-0");
    EXPECT_EQ(store.GetTrial("hurt-ok-2")->name, "hurt-ok-2");
    EXPECT_THAT(Names(store.ListTrials("healthy")), ElementsAre("healthy-0"));
    EXPECT_EQ(store.ListExperiments().size(), 2u);
    EXPECT_EQ(store.GetObservations("hurt-bad", std::nullopt, std::nullopt).size(), 0u);

    raw.Exec("UPDATE trials SET " + damage.column + " = " + original + " WHERE name = 'hurt-bad'");
    EXPECT_THAT(Names(store.ListTrials("hurt")), ElementsAre("hurt-ok-0", "hurt-bad", "hurt-ok-2"));
  }
}

TEST_F(SqliteStoreTest, ADamagedExperimentNamesTableRowAndColumnAndSparesOthers) {
  SqliteStore store(Path());
  store.CreateExperiment(Record("exp-ok"));
  store.CreateExperiment(Record("exp-bad"));
  Trial trial = MakeTrial("exp-bad", "exp-bad-0", 0);
  store.CreateTrials({&trial, 1});
  RawDb raw(Path());
  for (auto [column, value] : std::vector<std::pair<std::string, std::string>>{
           {"state", "'Paused'"}, {"spec", "'{'"}, {"spec", "'{\"kind\": 5}'"}}) {
    SCOPED_TRACE(column + " = " + value);
    std::string original =
        raw.One("SELECT quote(" + column + ") FROM experiments WHERE name = 'exp-bad'");
    raw.Exec("UPDATE experiments SET " + column + " = " + value + " WHERE name = 'exp-bad'");

    std::string message;
    EXPECT_TRUE(ThrowsError([&] { store.ListExperiments(); }, ErrorCode::kInternal, &message));
    EXPECT_THAT(message, HasSubstr("experiments"));
    EXPECT_THAT(message, HasSubstr("exp-bad"));
    EXPECT_THAT(message, HasSubstr(column));
    EXPECT_TRUE(ThrowsError([&] { store.GetExperiment("exp-bad"); }, ErrorCode::kInternal));
    EXPECT_TRUE(store.GetExperiment("exp-ok").has_value());
    EXPECT_THAT(Names(store.ListTrials("exp-bad")), ElementsAre("exp-bad-0"));

    raw.Exec("UPDATE experiments SET " + column + " = " + original + " WHERE name = 'exp-bad'");
    EXPECT_EQ(store.ListExperiments().size(), 2u);
  }
}

TEST_F(SqliteStoreTest, AfterADamagedRowTheConnectionStillSeesAndMakesNewCommits) {
  // A read that throws half-way must not leave its statement open: SQLite would keep the
  // connection on that read's snapshot, hiding later commits and refusing its next write.
  SqliteStore store(Path());
  store.CreateExperiment(Record("stale"));
  std::vector<Trial> trials{MakeTrial("stale", "stale-0", 0), MakeTrial("stale", "stale-1", 1)};
  store.CreateTrials(trials);
  {
    RawDb raw(Path());
    raw.Exec("UPDATE trials SET metrics = 'oops' WHERE name = 'stale-0'");
  }
  EXPECT_TRUE(ThrowsError([&] { store.ListTrials("stale"); }, ErrorCode::kInternal));
  EXPECT_TRUE(ThrowsError([&] { store.GetTrial("stale-0"); }, ErrorCode::kInternal));

  SqliteStore other(Path());
  other.CreateExperiment(Record("later"));
  EXPECT_TRUE(store.GetExperiment("later").has_value())
      << "the connection still reads the snapshot of the failed read";
  store.CreateExperiment(Record("mine"));
  EXPECT_TRUE(other.GetExperiment("mine").has_value());
}

// ---------------------------------------------------------------------------------------------
// Locking.

TEST_F(SqliteStoreTest, AWriterWaitsForAnotherProcesssWriteLock) {
  SqliteStore store(Path());
  store.CreateExperiment(Record("locked"));
  RawDb raw(Path());
  raw.Exec("BEGIN IMMEDIATE");
  raw.Exec("UPDATE experiments SET message = 'held' WHERE name = 'locked'");
  std::thread release([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    raw.Exec("COMMIT");
  });
  // Blocks until the lock is released, then succeeds: busy is waited out, not reported.
  ExperimentStatus status;
  status.message = "mine";
  std::string failure;
  try {
    store.UpdateExperimentStatus("locked", status);
  } catch (const std::exception& e) {
    failure = e.what();
  }
  release.join();
  EXPECT_EQ(failure, "");
  EXPECT_EQ(store.GetExperiment("locked")->status.message, "mine");
}

TEST_F(SqliteStoreTest, OneStoreIsSafeToShareBetweenThreads) {
  SqliteStore store(Path());
  store.CreateExperiment(Record("shared"));
  constexpr int kThreads = 4;
  constexpr int kPerThread = 40;
  std::vector<std::thread> threads;
  std::vector<std::string> errors(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      try {
        for (int i = 0; i < kPerThread; ++i) {
          int64_t sequence = t * kPerThread + i;
          Trial trial = MakeTrial("shared", "shared-" + std::to_string(sequence), sequence);
          store.CreateTrials({&trial, 1});
          store.UpdateTrial(trial, std::vector<Observation>{{"loss", 1.0 * i, At(i)}});
          store.GetTrial(trial.name);
        }
      } catch (const std::exception& e) {
        errors[t] = e.what();
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  EXPECT_THAT(errors, ::testing::Each(""));
  auto trials = store.ListTrials("shared");
  ASSERT_EQ(trials.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const auto& trial : trials) {
    EXPECT_EQ(store.GetObservations(trial.name, std::nullopt, std::nullopt).size(), 1u);
  }
}

// ---------------------------------------------------------------------------------------------
// Locations.

TEST_F(SqliteStoreTest, OpenStoreTakesAPathOrASqliteLocation) {
  {
    auto store = OpenStore("sqlite:" + Path());
    store->CreateExperiment(Record("via-uri"));
  }
  auto store = OpenStore(Path());
  EXPECT_TRUE(store->GetExperiment("via-uri").has_value());
  EXPECT_TRUE(std::filesystem::exists(Path()));
}

TEST_F(SqliteStoreTest, OpenStoreRejectsLocationsItDoesNotUnderstand) {
  // Other URIs must not become file names (postgresql:// ones open PostgresStore).
  for (const std::string& location :
       std::vector<std::string>{"mysql://tuneup@localhost:3306/tuneup", "file:///tmp/x.db", "",
                                "sqlite:", "sqlite://" + Path()}) {
    SCOPED_TRACE("location \"" + location + "\"");
    EXPECT_TRUE(ThrowsError([&] { OpenStore(location); }, ErrorCode::kInvalidArgument));
  }
}

TEST_F(SqliteStoreTest, AMissingDirectoryIsAnIoErrorNamingThePath) {
  std::string path = dir_.Join("missing/deeper/tuneup.db");
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { SqliteStore store(path); }, ErrorCode::kIo, &message));
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_TRUE(ThrowsError([&] { OpenStore("sqlite:" + path); }, ErrorCode::kIo));
  EXPECT_TRUE(ThrowsError([&] { OpenStore(path); }, ErrorCode::kIo));
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("missing")));  // nothing is created on the way
}

TEST_F(SqliteStoreTest, AnUnusableLocationIsAnIoErrorNamingThePath) {
  // These hold even for root, unlike permission bits.
  std::string file = dir_.WriteFile("plain-file", "not a directory");
  for (const std::string& path : {file + "/tuneup.db", dir_.path().string()}) {
    SCOPED_TRACE(path);
    std::string message;
    EXPECT_TRUE(ThrowsError([&] { SqliteStore store(path); }, ErrorCode::kIo, &message));
    EXPECT_THAT(message, HasSubstr(path));
  }
}

TEST_F(SqliteStoreTest, AnUnwritableDirectoryIsAnIoError) {
  // procfs refuses new files to everyone, root included, so this holds however the suite runs
  // (a chmod'ed directory would not stop root).
  std::string path = "/proc/self/tuneup.db";
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { SqliteStore store(path); }, ErrorCode::kIo, &message));
  EXPECT_THAT(message, HasSubstr(path));
  if (geteuid() != 0) {
    std::filesystem::path locked = dir_.path() / "locked";
    std::filesystem::create_directory(locked);
    std::filesystem::permissions(
        locked, std::filesystem::perms::owner_read | std::filesystem::perms::owner_exec);
    std::string locked_path = (locked / "tuneup.db").string();
    EXPECT_TRUE(ThrowsError([&] { SqliteStore store(locked_path); }, ErrorCode::kIo, &message));
    EXPECT_THAT(message, HasSubstr(locked_path));
    std::filesystem::permissions(locked, std::filesystem::perms::owner_all);
  }
}

}  // namespace
}  // namespace tuneup
