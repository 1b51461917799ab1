#include "db/sqlite_schema.h"

#include <chrono>
#include <string>
#include <vector>

#include "common/error.h"

namespace tuneup {

namespace {

// Migration N is kMigrations[N - 1]. Never edit one that has shipped: add a new one.
const std::vector<const char*>& Migrations() {
  static const std::vector<const char*> migrations{
      // 1: experiments, trials, observations.
      R"sql(
CREATE TABLE experiments (
  name            TEXT PRIMARY KEY,
  namespace       TEXT NOT NULL,
  spec            TEXT NOT NULL,
  state           TEXT NOT NULL,
  reason          TEXT NOT NULL,
  message         TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  start_time      INTEGER,
  completion_time INTEGER
);
CREATE TABLE trials (
  name            TEXT PRIMARY KEY,
  experiment      TEXT NOT NULL REFERENCES experiments(name) ON DELETE CASCADE,
  sequence        INTEGER NOT NULL,
  assignment      TEXT NOT NULL,
  labels          TEXT NOT NULL,
  status          TEXT NOT NULL,
  reason          TEXT NOT NULL,
  message         TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  objective       REAL,
  metrics         TEXT NOT NULL,
  created_at      INTEGER NOT NULL,
  start_time      INTEGER,
  completion_time INTEGER,
  UNIQUE (experiment, sequence)
);
CREATE INDEX trials_by_experiment_status ON trials (experiment, status);
CREATE TABLE observations (
  id      INTEGER PRIMARY KEY AUTOINCREMENT,
  trial   TEXT NOT NULL REFERENCES trials(name) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  metric  TEXT NOT NULL,
  value   REAL NOT NULL,
  time    INTEGER NOT NULL
);
CREATE INDEX observations_by_trial_metric_time ON observations (trial, metric, time);
)sql",
      // 2: cross-validation (issue 9). trials.cross_validation holds the trial's fold results as
      // JSON (db/row_codec.h; '{}' for a trial that is not cross-validated), observations.fold
      // the job that reported each value (Observation::fold; -1 is the trial's own job). The
      // index stays (trial, metric, time), without fold: queries seek one trial's observations
      // by it (PostgreSQL, which plans each call with its values, also by metric and time
      // bounds) and filter attempt and fold as they read them. Fold before metric would split
      // the metric and time ranges that Katib's DBManager asks for without a fold; after them it
      // could only filter, as the table row does.
      R"sql(
ALTER TABLE trials ADD COLUMN cross_validation TEXT NOT NULL DEFAULT '{}';
ALTER TABLE observations ADD COLUMN fold INTEGER NOT NULL DEFAULT -1;
)sql",
  };
  return migrations;
}

int CurrentVersion(sqlite::Connection& db) {
  sqlite::Statement s(db, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                      "read schema version");
  s.Step();
  return static_cast<int>(s.Int(0));
}

}  // namespace

void ApplySqliteMigrations(sqlite::Connection& db, int target) {
  db.Execute(
      "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
      "applied_at INTEGER NOT NULL)",
      "create schema_migrations");
  int known = static_cast<int>(Migrations().size());
  if (target > known) target = known;
  int version = CurrentVersion(db);
  if (version > known) {
    throw Error(ErrorCode::kFailedPrecondition,
                db.path() + ": database schema version " + std::to_string(version) +
                    " is newer than this tuneup understands (up to " + std::to_string(known) +
                    "); use a newer tuneup");
  }
  for (int next = version + 1; next <= target; ++next) {
    sqlite::Transaction tx(db);
    // Re-read inside the transaction: another process may have migrated meanwhile.
    if (CurrentVersion(db) >= next) continue;
    db.Execute(Migrations()[next - 1], "apply schema migration " + std::to_string(next));
    sqlite::Statement record(db,
                             "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                             "record schema migration");
    auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                   std::chrono::system_clock::now().time_since_epoch())
                   .count();
    record.Bind(1, int64_t{next}).Bind(2, int64_t{now});
    record.Run();
    tx.Commit();
  }
}

}  // namespace tuneup
