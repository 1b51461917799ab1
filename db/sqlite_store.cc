#include "db/sqlite_store.h"

#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "common/error.h"
#include "common/text.h"
#include "db/row_codec.h"
#include "db/sqlite.h"
#include "db/sqlite_schema.h"

namespace tuneup {

namespace {

std::optional<int64_t> OptionalMicros(const std::optional<Timestamp>& time) {
  if (!time) return std::nullopt;
  return ToUnixMicros(*time);
}

std::optional<Timestamp> OptionalTime(const std::optional<int64_t>& micros) {
  if (!micros) return std::nullopt;
  return FromUnixMicros(*micros);
}

// Resets a statement when the scope ends, also when reading a row throws (a column that does not
// decode). A statement left mid-result keeps its read transaction open: the connection would go
// on reading that old snapshot, missing later commits, and its next write would fail with
// SQLITE_BUSY_SNAPSHOT.
class ResetOnExit {
 public:
  explicit ResetOnExit(sqlite::Statement& statement) : statement_(statement) { statement_.Reset(); }
  ~ResetOnExit() { statement_.Reset(); }
  ResetOnExit(const ResetOnExit&) = delete;
  ResetOnExit& operator=(const ResetOnExit&) = delete;

 private:
  sqlite::Statement& statement_;
};

constexpr const char* kTrialColumns =
    "name, experiment, sequence, assignment, labels, status, reason, message, attempt, "
    "objective, metrics, created_at, start_time, completion_time, cross_validation";

}  // namespace

// Switching to WAL needs the database to itself for a moment, and SQLite reports a concurrent
// reader as "database is locked" at once rather than waiting for it: wait here instead, as long
// as busy_timeout would.
void EnableWal(sqlite::Connection& db) {
  for (int waited_ms = 0;; waited_ms += 10) {
    try {
      db.Execute("PRAGMA journal_mode=WAL", "enable WAL");
      return;
    } catch (const Error&) {
      const int code = sqlite3_errcode(db.handle()) & 0xff;
      if (waited_ms >= 10'000 || (code != SQLITE_BUSY && code != SQLITE_LOCKED)) throw;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  }
}

struct SqliteStore::Impl {
  explicit Impl(const std::string& path) : db(path), schema_ready(PrepareSchema(db)) {}

  // Runs before the statements below are prepared: they need the tables.
  static bool PrepareSchema(sqlite::Connection& db) {
    db.Execute("PRAGMA busy_timeout=10000", "set busy timeout");
    EnableWal(db);
    db.Execute("PRAGMA synchronous=NORMAL", "set synchronous");
    db.Execute("PRAGMA foreign_keys=ON", "enable foreign keys");
    ApplySqliteMigrations(db, kSchemaVersion);
    return true;
  }

  sqlite::Connection db;
  bool schema_ready;
  sqlite::Statement insert_experiment{
      db,
      "INSERT INTO experiments (name, namespace, spec, state, reason, message, created_at, "
      "start_time, completion_time) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
      "insert experiment"};
  sqlite::Statement select_experiment{
      db,
      "SELECT name, spec, state, reason, message, created_at, start_time, completion_time "
      "FROM experiments WHERE name = ?1",
      "select experiment"};
  sqlite::Statement list_experiments{
      db,
      "SELECT name, spec, state, reason, message, created_at, start_time, completion_time "
      "FROM experiments ORDER BY created_at, name",
      "list experiments"};
  sqlite::Statement update_experiment{
      db,
      "UPDATE experiments SET state = ?2, reason = ?3, message = ?4, start_time = ?5, "
      "completion_time = ?6 WHERE name = ?1",
      "update experiment"};
  sqlite::Statement insert_trial{
      db,
      std::string("INSERT INTO trials (") + kTrialColumns +
          ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
      "insert trial"};
  sqlite::Statement update_trial{
      db,
      "UPDATE trials SET labels = ?2, status = ?3, reason = ?4, message = ?5, attempt = ?6, "
      "objective = ?7, metrics = ?8, start_time = ?9, completion_time = ?10, "
      "cross_validation = ?11 WHERE name = ?1",
      "update trial"};
  sqlite::Statement select_trial{
      db, std::string("SELECT ") + kTrialColumns + " FROM trials WHERE name = ?1", "select trial"};
  sqlite::Statement list_trials{db,
                                std::string("SELECT ") + kTrialColumns +
                                    " FROM trials WHERE experiment = ?1 ORDER BY sequence",
                                "list trials"};
  sqlite::Statement trial_exists{db, "SELECT 1 FROM trials WHERE name = ?1", "find trial"};
  sqlite::Statement trial_attempt{db, "SELECT attempt FROM trials WHERE name = ?1",
                                  "read trial attempt"};
  sqlite::Statement experiment_exists{db, "SELECT 1 FROM experiments WHERE name = ?1",
                                      "find experiment"};
  sqlite::Statement insert_observation{
      db,
      "INSERT INTO observations (trial, attempt, metric, value, time, fold) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
      "insert observation"};
  sqlite::Statement select_observations{
      db,
      "SELECT metric, value, time, fold FROM observations WHERE trial = ?1 "
      "AND (?2 IS NULL OR metric = ?2) AND (?3 IS NULL OR attempt = ?3) ORDER BY id",
      "select observations"};
  // One statement, so that the trial's existence and current attempt are read from the same
  // snapshot as its observations: no observation row means a NULL row; no trial, no row at all.
  sqlite::Statement find_observations{
      db,
      "SELECT o.metric, o.value, o.time, o.fold FROM trials t LEFT JOIN observations o "
      "ON o.trial = t.name AND (?2 IS NULL OR o.metric = ?2) AND (?3 IS NULL OR o.attempt = ?3) "
      "AND (?4 = 0 OR o.attempt = t.attempt) AND (?5 IS NULL OR o.time >= ?5) "
      "AND (?6 IS NULL OR o.time <= ?6) AND (?7 IS NULL OR o.fold = ?7) WHERE t.name = ?1 "
      "ORDER BY o.id",
      "find observations"};
  sqlite::Statement delete_observations{db, "DELETE FROM observations WHERE trial = ?1",
                                        "delete observations"};
  sqlite::Statement ping{db, "SELECT 1 FROM experiments LIMIT 1", "ping"};

  // The trial's current attempt, or nullopt when there is no such trial.
  std::optional<int> TrialAttempt(std::string_view trial) {
    ResetOnExit reset(trial_attempt);
    trial_attempt.Bind(1, trial);
    if (!trial_attempt.Step()) return std::nullopt;
    return static_cast<int>(trial_attempt.Int(0));
  }

  bool Exists(sqlite::Statement& statement, std::string_view name) {
    statement.Reset();
    statement.Bind(1, name);
    bool found = statement.Step();
    statement.Reset();
    return found;
  }

  ExperimentRecord ReadExperiment(sqlite::Statement& s) {
    ExperimentRecord record;
    std::string name = s.Text(0);
    record.experiment = DecodeExperimentSpec(s.Text(1), {"experiments", name, "spec"});
    record.status.state = DecodeExperimentState(s.Text(2), {"experiments", name, "state"});
    record.status.reason = s.Text(3);
    record.status.message = s.Text(4);
    record.created_at = FromUnixMicros(s.Int(5));
    record.status.start_time = OptionalTime(s.OptionalInt(6));
    record.status.completion_time = OptionalTime(s.OptionalInt(7));
    return record;
  }

  Trial ReadTrial(sqlite::Statement& s) {
    Trial trial;
    trial.name = s.Text(0);
    trial.experiment = s.Text(1);
    trial.sequence = s.Int(2);
    trial.assignment = DecodeAssignment(s.Text(3), {"trials", trial.name, "assignment"});
    trial.labels = DecodeLabels(s.Text(4), {"trials", trial.name, "labels"});
    trial.status = DecodeTrialStatus(s.Text(5), {"trials", trial.name, "status"});
    trial.reason = s.Text(6);
    trial.message = s.Text(7);
    trial.attempt = static_cast<int>(s.Int(8));
    trial.objective = s.OptionalDouble(9);
    trial.metrics = DecodeMetrics(s.Text(10), {"trials", trial.name, "metrics"});
    trial.created_at = FromUnixMicros(s.Int(11));
    trial.started_at = OptionalTime(s.OptionalInt(12));
    trial.completed_at = OptionalTime(s.OptionalInt(13));
    CrossValidationResults cv =
        DecodeCrossValidation(s.Text(14), {"trials", trial.name, "cross_validation"});
    trial.folds = std::move(cv.folds);
    trial.final_evaluation = std::move(cv.final_evaluation);
    return trial;
  }

  // A row of (metric, value, time, fold).
  static Observation ReadObservation(sqlite::Statement& s) {
    return {s.Text(0), s.Double(1), FromUnixMicros(s.Int(2)), static_cast<int>(s.Int(3))};
  }

  void InsertObservations(std::string_view trial, int attempt,
                          std::span<const Observation> observations) {
    for (const auto& o : observations) {
      insert_observation.Reset();
      insert_observation.Bind(1, trial)
          .Bind(2, int64_t{attempt})
          .Bind(3, o.metric)
          .Bind(4, o.value)
          .Bind(5, ToUnixMicros(o.time))
          .Bind(6, int64_t{o.fold});
      insert_observation.Run();
    }
    insert_observation.Reset();
  }
};

SqliteStore::SqliteStore(const std::string& path) : impl_(std::make_unique<Impl>(path)) {}

SqliteStore::~SqliteStore() = default;

void SqliteStore::CreateExperiment(const ExperimentRecord& record) {
  std::lock_guard lock(mutex_);
  const std::string& name = record.experiment.metadata.name;
  sqlite::Transaction tx(impl_->db);
  if (impl_->Exists(impl_->experiment_exists, name)) {
    throw Error(ErrorCode::kAlreadyExists, "experiment " + name + " already exists");
  }
  auto& s = impl_->insert_experiment;
  s.Reset();
  s.Bind(1, name)
      .Bind(2, record.experiment.metadata.namespace_)
      .Bind(3, EncodeExperimentSpec(record.experiment))
      .Bind(4, ExperimentStateName(record.status.state))
      .Bind(5, record.status.reason)
      .Bind(6, record.status.message)
      .Bind(7, ToUnixMicros(record.created_at))
      .Bind(8, OptionalMicros(record.status.start_time))
      .Bind(9, OptionalMicros(record.status.completion_time));
  s.Run();
  s.Reset();
  tx.Commit();
}

std::optional<ExperimentRecord> SqliteStore::GetExperiment(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto& s = impl_->select_experiment;
  ResetOnExit reset(s);
  s.Bind(1, name);
  std::optional<ExperimentRecord> record;
  if (s.Step()) record = impl_->ReadExperiment(s);
  return record;
}

std::vector<ExperimentRecord> SqliteStore::ListExperiments() {
  std::lock_guard lock(mutex_);
  auto& s = impl_->list_experiments;
  ResetOnExit reset(s);
  std::vector<ExperimentRecord> records;
  while (s.Step())
    records.push_back(impl_->ReadExperiment(s));
  return records;
}

void SqliteStore::UpdateExperimentStatus(std::string_view name, const ExperimentStatus& status) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(impl_->db);
  auto& s = impl_->update_experiment;
  s.Reset();
  s.Bind(1, name)
      .Bind(2, ExperimentStateName(status.state))
      .Bind(3, status.reason)
      .Bind(4, status.message)
      .Bind(5, OptionalMicros(status.start_time))
      .Bind(6, OptionalMicros(status.completion_time));
  s.Run();
  s.Reset();
  if (impl_->db.Changes() == 0) {
    throw Error(ErrorCode::kNotFound, "experiment " + std::string(name) + " does not exist");
  }
  tx.Commit();
}

void SqliteStore::UpdateExperimentSpec(const Experiment& experiment) {
  std::lock_guard lock(mutex_);
  const std::string& name = experiment.metadata.name;
  sqlite::Transaction tx(impl_->db);
  sqlite::Statement update(impl_->db, "UPDATE experiments SET spec = ?2 WHERE name = ?1",
                           "update experiment spec");
  update.Bind(1, name).Bind(2, EncodeExperimentSpec(experiment));
  update.Run();
  if (impl_->db.Changes() == 0) {
    throw Error(ErrorCode::kNotFound, "experiment " + name + " does not exist");
  }
  tx.Commit();
}

void SqliteStore::CreateTrials(std::span<const Trial> trials) {
  std::lock_guard lock(mutex_);
  for (const auto& trial : trials)
    CheckStorable(trial, {});
  sqlite::Transaction tx(impl_->db);
  for (const auto& trial : trials) {
    if (!impl_->Exists(impl_->experiment_exists, trial.experiment)) {
      throw Error(ErrorCode::kNotFound, "cannot create trial " + trial.name + ": experiment " +
                                            trial.experiment + " does not exist");
    }
    if (impl_->Exists(impl_->trial_exists, trial.name)) {
      throw Error(ErrorCode::kAlreadyExists, "trial " + trial.name + " already exists");
    }
    auto& s = impl_->insert_trial;
    s.Reset();
    s.Bind(1, trial.name)
        .Bind(2, trial.experiment)
        .Bind(3, trial.sequence)
        .Bind(4, EncodeAssignment(trial.assignment))
        .Bind(5, EncodeLabels(trial.labels))
        .Bind(6, TrialStatusName(trial.status))
        .Bind(7, trial.reason)
        .Bind(8, trial.message)
        .Bind(9, int64_t{trial.attempt})
        .Bind(10, trial.objective)
        .Bind(11, EncodeMetrics(trial.metrics))
        .Bind(12, ToUnixMicros(trial.created_at))
        .Bind(13, OptionalMicros(trial.started_at))
        .Bind(14, OptionalMicros(trial.completed_at))
        .Bind(15, EncodeCrossValidation(trial));
    s.Run();
    s.Reset();
  }
  tx.Commit();
}

void SqliteStore::UpdateTrial(const Trial& trial, std::span<const Observation> observations) {
  CheckStorable(trial, observations);
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(impl_->db);
  auto& s = impl_->update_trial;
  s.Reset();
  s.Bind(1, trial.name)
      .Bind(2, EncodeLabels(trial.labels))
      .Bind(3, TrialStatusName(trial.status))
      .Bind(4, trial.reason)
      .Bind(5, trial.message)
      .Bind(6, int64_t{trial.attempt})
      .Bind(7, trial.objective)
      .Bind(8, EncodeMetrics(trial.metrics))
      .Bind(9, OptionalMicros(trial.started_at))
      .Bind(10, OptionalMicros(trial.completed_at))
      .Bind(11, EncodeCrossValidation(trial));
  s.Run();
  s.Reset();
  if (impl_->db.Changes() == 0) {
    throw Error(ErrorCode::kNotFound, "trial " + trial.name + " does not exist");
  }
  impl_->InsertObservations(trial.name, trial.attempt, observations);
  tx.Commit();
}

void SqliteStore::AppendObservations(std::string_view trial, int attempt,
                                     std::span<const Observation> observations) {
  if (observations.empty()) return;
  CheckStorable(trial, observations);
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(impl_->db);
  const std::optional<int> current = impl_->TrialAttempt(trial);
  if (!current) {
    throw Error(ErrorCode::kNotFound, "trial " + std::string(trial) + " does not exist");
  }
  impl_->InsertObservations(trial, attempt == kCurrentAttempt ? *current : attempt, observations);
  tx.Commit();
}

std::optional<Trial> SqliteStore::GetTrial(std::string_view name) {
  std::lock_guard lock(mutex_);
  auto& s = impl_->select_trial;
  ResetOnExit reset(s);
  s.Bind(1, name);
  std::optional<Trial> trial;
  if (s.Step()) trial = impl_->ReadTrial(s);
  return trial;
}

std::vector<Trial> SqliteStore::ListTrials(std::string_view experiment) {
  std::lock_guard lock(mutex_);
  auto& s = impl_->list_trials;
  ResetOnExit reset(s);
  s.Bind(1, experiment);
  std::vector<Trial> trials;
  while (s.Step())
    trials.push_back(impl_->ReadTrial(s));
  return trials;
}

std::vector<Observation> SqliteStore::GetObservations(std::string_view trial,
                                                      const std::optional<std::string>& metric,
                                                      std::optional<int> attempt) {
  std::lock_guard lock(mutex_);
  auto& s = impl_->select_observations;
  ResetOnExit reset(s);
  s.Bind(1, trial);
  if (metric)
    s.Bind(2, *metric);
  else
    s.BindNull(2);
  if (attempt)
    s.Bind(3, int64_t{*attempt});
  else
    s.BindNull(3);
  std::vector<Observation> observations;
  while (s.Step())
    observations.push_back(impl_->ReadObservation(s));
  return observations;
}

std::vector<Observation> SqliteStore::FindObservations(std::string_view trial,
                                                       const ObservationFilter& filter) {
  std::lock_guard lock(mutex_);
  auto& s = impl_->find_observations;
  ResetOnExit reset(s);
  const bool current = filter.attempt == kCurrentAttempt;
  s.Bind(1, trial);
  if (filter.metric)
    s.Bind(2, *filter.metric);
  else
    s.BindNull(2);
  if (filter.attempt && !current)
    s.Bind(3, int64_t{*filter.attempt});
  else
    s.BindNull(3);
  s.Bind(4, int64_t{current});
  s.Bind(5, OptionalMicros(filter.from));
  s.Bind(6, OptionalMicros(filter.to));
  s.Bind(7, filter.fold ? std::optional<int64_t>(*filter.fold) : std::nullopt);
  bool found = false;
  std::vector<Observation> observations;
  while (s.Step()) {
    found = true;
    if (s.IsNull(0)) continue;  // the trial has no matching observation
    observations.push_back(impl_->ReadObservation(s));
  }
  if (!found) throw Error(ErrorCode::kNotFound, "trial " + std::string(trial) + " does not exist");
  return observations;
}

int64_t SqliteStore::DeleteObservations(std::string_view trial) {
  std::lock_guard lock(mutex_);
  sqlite::Transaction tx(impl_->db);
  if (!impl_->Exists(impl_->trial_exists, trial)) {
    throw Error(ErrorCode::kNotFound, "trial " + std::string(trial) + " does not exist");
  }
  auto& s = impl_->delete_observations;
  ResetOnExit reset(s);
  s.Bind(1, trial);
  s.Run();
  const int64_t deleted = impl_->db.Changes();
  tx.Commit();
  return deleted;
}

void SqliteStore::Ping() {
  std::lock_guard lock(mutex_);
  auto& s = impl_->ping;
  ResetOnExit reset(s);
  s.Step();
}

}  // namespace tuneup
