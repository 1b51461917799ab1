#include "db/postgres_schema.h"

#include <string>
#include <vector>

#include "common/error.h"

namespace tuneup {

namespace {

// Any fixed number: the key of the advisory lock that serialises migrations.
constexpr int64_t kMigrationLock = 0x74756e65757001;  // "tuneup" 1

// Migration N is Migrations()[N - 1]. Never edit one that has shipped: add a new one.
// Times are microseconds since the Unix epoch; objective and values are finite doubles.
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
  created_at      BIGINT NOT NULL,
  start_time      BIGINT,
  completion_time BIGINT
);
CREATE TABLE trials (
  name            TEXT PRIMARY KEY,
  experiment      TEXT NOT NULL REFERENCES experiments(name) ON DELETE CASCADE,
  sequence        BIGINT NOT NULL,
  assignment      TEXT NOT NULL,
  labels          TEXT NOT NULL,
  status          TEXT NOT NULL,
  reason          TEXT NOT NULL,
  message         TEXT NOT NULL,
  attempt         INTEGER NOT NULL,
  objective       DOUBLE PRECISION,
  metrics         TEXT NOT NULL,
  created_at      BIGINT NOT NULL,
  start_time      BIGINT,
  completion_time BIGINT,
  UNIQUE (experiment, sequence)
);
CREATE INDEX trials_by_experiment_status ON trials (experiment, status);
CREATE TABLE observations (
  id      BIGSERIAL PRIMARY KEY,
  trial   TEXT NOT NULL REFERENCES trials(name) ON DELETE CASCADE,
  attempt INTEGER NOT NULL,
  metric  TEXT NOT NULL,
  value   DOUBLE PRECISION NOT NULL,
  time    BIGINT NOT NULL
);
CREATE INDEX observations_by_trial_metric_time ON observations (trial, metric, time);
)sql",
  };
  return migrations;
}

int CurrentVersion(pqxx::transaction_base& tx) {
  return tx.exec("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")[0][0].as<int>();
}

}  // namespace

void ApplyPostgresMigrations(pqxx::connection& connection, int target) {
  const int known = static_cast<int>(Migrations().size());
  if (target > known) target = known;
  {
    pqxx::work tx(connection);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    tx.exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at BIGINT NOT NULL)");
    const int version = CurrentVersion(tx);
    if (version > known) {
      throw Error(ErrorCode::kFailedPrecondition,
                  "postgresql: database schema version " + std::to_string(version) +
                      " is newer than this tuneup understands (up to " + std::to_string(known) +
                      "); use a newer tuneup");
    }
    tx.commit();
  }
  for (int next = 1; next <= target; ++next) {
    pqxx::work tx(connection);
    tx.exec_params("SELECT pg_advisory_xact_lock($1)", kMigrationLock);
    // Re-read under the lock: another process may have migrated meanwhile.
    if (CurrentVersion(tx) >= next) continue;
    tx.exec(Migrations()[next - 1]);
    tx.exec_params(
        "INSERT INTO schema_migrations (version, applied_at) VALUES "
        "($1, (EXTRACT(EPOCH FROM clock_timestamp()) * 1000000)::BIGINT)",
        next);
    tx.commit();
  }
}

}  // namespace tuneup
