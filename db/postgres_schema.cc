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
      // 2: observations' reference to trials checked once per statement instead of once per row.
      // The foreign key ran a locking lookup of the trial for every row, which was more than half
      // of the server's time when COPY appends a batch of 1,000 (bench/README.md, "PostgreSQL
      // store"). These triggers keep what it guaranteed: an observation of a missing trial is
      // refused with the foreign key's SQLSTATE 23503 (foreign_key_violation), the trials
      // observed stay locked (FOR KEY SHARE) until the writing transaction ends, deleting a trial
      // deletes its observations, and an observed trial cannot be renamed.
      R"sql(
ALTER TABLE observations DROP CONSTRAINT observations_trial_fkey;

CREATE FUNCTION observations_check_trials() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  named TEXT[];
  locked BIGINT;
BEGIN
  -- A statement names few trials (PostgresStore's name one): each is looked up once, not per row.
  SELECT array_agg(trial) INTO named FROM (SELECT DISTINCT trial FROM new_rows) d;
  SELECT count(*) INTO locked FROM (SELECT FROM trials WHERE name = ANY (named) FOR KEY SHARE) t;
  IF locked < cardinality(named) THEN
    RAISE EXCEPTION 'observations refused: trial "%" does not exist',
        (SELECT n FROM unnest(named) n WHERE NOT EXISTS (SELECT FROM trials WHERE name = n) LIMIT 1)
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NULL;
END
$$;
CREATE TRIGGER observations_trial_exists_insert AFTER INSERT ON observations
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION observations_check_trials();
CREATE TRIGGER observations_trial_exists_update AFTER UPDATE ON observations
  REFERENCING NEW TABLE AS new_rows
  FOR EACH STATEMENT EXECUTE FUNCTION observations_check_trials();

CREATE FUNCTION trials_delete_observations() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  DELETE FROM observations WHERE trial IN (SELECT name FROM old_rows);
  RETURN NULL;
END
$$;
CREATE TRIGGER trials_delete_observations AFTER DELETE ON trials
  REFERENCING OLD TABLE AS old_rows
  FOR EACH STATEMENT EXECUTE FUNCTION trials_delete_observations();

CREATE FUNCTION trials_keep_observed_name() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF EXISTS (SELECT FROM observations WHERE trial = OLD.name) THEN
    RAISE EXCEPTION 'trial "%" cannot be renamed: it has observations', OLD.name
      USING ERRCODE = 'foreign_key_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER trials_keep_observed_name BEFORE UPDATE OF name ON trials
  FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
  EXECUTE FUNCTION trials_keep_observed_name();
)sql",
      // 3: cross-validation (issue 9), as SQLite's migration 2. trials.cross_validation holds the
      // trial's fold results as JSON (db/row_codec.h; '{}' for a trial that is not
      // cross-validated), observations.fold the job that reported each value
      // (Observation::fold; -1 is the trial's own job). Both defaults are constants, so adding
      // the columns rewrites no row. The index stays (trial, metric, time), as SQLite's migration 2
      // explains.
      R"sql(
ALTER TABLE trials ADD COLUMN cross_validation TEXT NOT NULL DEFAULT '{}';
ALTER TABLE observations ADD COLUMN fold INTEGER NOT NULL DEFAULT -1;
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
