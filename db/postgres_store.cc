#include "db/postgres_store.h"

#include <pqxx/pqxx>

#include <charconv>
#include <condition_variable>
#include <mutex>
#include <tuple>
#include <type_traits>
#include <vector>

#include "common/error.h"
#include "common/text.h"
#include "db/postgres_schema.h"
#include "db/row_codec.h"

namespace tuneup {

namespace {

std::optional<int64_t> OptionalMicros(const std::optional<Timestamp>& time) {
  if (!time) return std::nullopt;
  return ToUnixMicros(*time);
}

std::optional<Timestamp> OptionalTime(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return FromUnixMicros(field.as<int64_t>());
}

// SQLSTATEs that say "try again later" rather than "this is wrong": connection exceptions (class
// 08), the server shutting down or starting up (57P01-57P03), out of resources (class 53), and
// transactions the server chose to abort (serialization failure, deadlock).
bool IsTransient(const std::string& sqlstate) {
  return sqlstate.starts_with("08") || sqlstate.starts_with("53") || sqlstate == "57P01" ||
         sqlstate == "57P02" || sqlstate == "57P03" || sqlstate == "40001" || sqlstate == "40P01";
}

// Runs `body`, turning libpqxx's exceptions into Errors that name what was being done.
template <typename Body>
auto Guard(const std::string& what, Body&& body) {
  try {
    return body();
  } catch (const Error&) {
    throw;
  } catch (const pqxx::broken_connection& e) {
    throw Error(ErrorCode::kUnavailable, "postgresql: " + what + ": " + e.what());
  } catch (const pqxx::in_doubt_error& e) {
    // The connection broke during COMMIT: the change may or may not be stored. Retryable, and
    // the retrying caller must find out which (controller/store_writer.h does).
    throw Error(ErrorCode::kUnavailable,
                "postgresql: " + what + ": commit outcome unknown: " + e.what());
  } catch (const pqxx::sql_error& e) {
    ErrorCode code = IsTransient(e.sqlstate()) ? ErrorCode::kUnavailable : ErrorCode::kInternal;
    throw Error(code, "postgresql: " + what + ": " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, "postgresql: " + what + ": " + e.what());
  }
}

constexpr const char* kTrialColumns =
    "name, experiment, sequence, assignment, labels, status, reason, message, attempt, "
    "objective, metrics, created_at, start_time, completion_time, cross_validation";

constexpr const char* kExperimentColumns =
    "name, spec, state, reason, message, created_at, start_time, completion_time";

ExperimentRecord ReadExperiment(const pqxx::row& row) {
  ExperimentRecord record;
  const std::string name = row[0].as<std::string>();
  record.experiment = DecodeExperimentSpec(row[1].as<std::string>(), {"experiments", name, "spec"});
  record.status.state =
      DecodeExperimentState(row[2].as<std::string>(), {"experiments", name, "state"});
  record.status.reason = row[3].as<std::string>();
  record.status.message = row[4].as<std::string>();
  record.created_at = FromUnixMicros(row[5].as<int64_t>());
  record.status.start_time = OptionalTime(row[6]);
  record.status.completion_time = OptionalTime(row[7]);
  return record;
}

Trial ReadTrial(const pqxx::row& row) {
  Trial trial;
  trial.name = row[0].as<std::string>();
  trial.experiment = row[1].as<std::string>();
  trial.sequence = row[2].as<int64_t>();
  trial.assignment =
      DecodeAssignment(row[3].as<std::string>(), {"trials", trial.name, "assignment"});
  trial.labels = DecodeLabels(row[4].as<std::string>(), {"trials", trial.name, "labels"});
  trial.status = DecodeTrialStatus(row[5].as<std::string>(), {"trials", trial.name, "status"});
  trial.reason = row[6].as<std::string>();
  trial.message = row[7].as<std::string>();
  trial.attempt = row[8].as<int>();
  if (!row[9].is_null()) trial.objective = row[9].as<double>();
  trial.metrics = DecodeMetrics(row[10].as<std::string>(), {"trials", trial.name, "metrics"});
  trial.created_at = FromUnixMicros(row[11].as<int64_t>());
  trial.started_at = OptionalTime(row[12]);
  trial.completed_at = OptionalTime(row[13]);
  CrossValidationResults cv =
      DecodeCrossValidation(row[14].as<std::string>(), {"trials", trial.name, "cross_validation"});
  trial.folds = std::move(cv.folds);
  trial.final_evaluation = std::move(cv.final_evaluation);
  return trial;
}

// A row of (metric, value, time, fold).
Observation ReadObservation(const pqxx::row& row) {
  return {row[0].as<std::string>(), row[1].as<double>(), FromUnixMicros(row[2].as<int64_t>()),
          row[3].as<int>()};
}

bool Exists(pqxx::work& tx, const char* query, std::string_view name) {
  return !tx.exec_params(query, std::string(name)).empty();
}

// What the schema answers to an observation of a trial that does not exist.
constexpr const char* kForeignKeyViolation = "23503";

// The prepared statement that appends one observation (on every connection that needs it).
constexpr const char* kAppendOne = "tuneup_append_observation";

// COPY: one statement for any number of rows. Each row's fields are passed by reference and the
// value as text made here: libpqxx 6.4 formats a double through a std::stringstream, and that and
// copying the names were most of the client's time per row.
void InsertObservations(pqxx::transaction_base& tx, const std::string& trial, int attempt,
                        std::span<const Observation> observations) {
  if (observations.empty()) return;
  pqxx::stream_to copy(
      tx, "observations",
      std::vector<std::string>{"trial", "attempt", "metric", "value", "time", "fold"});
  std::string value;
  for (const auto& o : observations) {
    // The shortest text that reads back as the same double (what float8in parses exactly).
    char text[32];
    value.assign(text, std::to_chars(text, text + sizeof text, o.value).ptr);
    const int64_t micros = ToUnixMicros(o.time);
    copy << std::tie(trial, attempt, o.metric, value, micros, o.fold);
  }
  copy.complete();
}

}  // namespace

// A few connections, opened when needed and dropped when they break: after the server restarts,
// the next call opens a new one, so a store outlives an outage (its calls in between fail with
// kUnavailable).
struct PostgresStore::Impl {
  explicit Impl(std::string uri) : uri(std::move(uri)) {}

  // Runs body(connection) on a connection of the pool, as Guard does.
  template <typename Body>
  auto Run(const std::string& what, Body&& body) {
    std::unique_ptr<pqxx::connection> connection = Lease();
    try {
      if constexpr (std::is_void_v<decltype(body(*connection))>) {
        Guard(what, [&] { body(*connection); });
        Return(std::move(connection));
      } else {
        auto result = Guard(what, [&] { return body(*connection); });
        Return(std::move(connection));
        return result;
      }
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kUnavailable || !connection->is_open()) {
        Drop();
      } else {
        Return(std::move(connection));
      }
      throw;
    }
  }

  std::unique_ptr<pqxx::connection> Lease() {
    std::unique_lock lock(mutex);
    returned.wait(lock, [&] { return !idle.empty() || open < kMaxConnections; });
    if (!idle.empty()) {
      auto connection = std::move(idle.back());
      idle.pop_back();
      return connection;
    }
    ++open;
    lock.unlock();
    try {
      return Guard("connect to " + RedactLocation(uri),
                   [&] { return std::make_unique<pqxx::connection>(uri); });
    } catch (...) {
      Drop();
      throw;
    }
  }

  void Return(std::unique_ptr<pqxx::connection> connection) {
    {
      std::lock_guard lock(mutex);
      idle.push_back(std::move(connection));
    }
    returned.notify_one();
  }

  void Drop() {
    {
      std::lock_guard lock(mutex);
      --open;
    }
    returned.notify_one();
  }

  static constexpr int kMaxConnections = 4;
  const std::string uri;
  std::mutex mutex;
  std::condition_variable returned;
  std::vector<std::unique_ptr<pqxx::connection>> idle;
  int open = 0;  // leased or idle
};

PostgresStore::PostgresStore(const std::string& uri) : impl_(std::make_unique<Impl>(uri)) {
  impl_->Run("migrate the schema", [&](pqxx::connection& connection) {
    ApplyPostgresMigrations(connection, kSchemaVersion);
  });
}

PostgresStore::~PostgresStore() = default;

void PostgresStore::CreateExperiment(const ExperimentRecord& record) {
  const std::string& name = record.experiment.metadata.name;
  impl_->Run("insert experiment " + name, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    if (Exists(tx, "SELECT 1 FROM experiments WHERE name = $1", name)) {
      throw Error(ErrorCode::kAlreadyExists, "experiment " + name + " already exists");
    }
    tx.exec_params(
        "INSERT INTO experiments (name, namespace, spec, state, reason, message, created_at, "
        "start_time, completion_time) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        name, record.experiment.metadata.namespace_, EncodeExperimentSpec(record.experiment),
        std::string(ExperimentStateName(record.status.state)), record.status.reason,
        record.status.message, ToUnixMicros(record.created_at),
        OptionalMicros(record.status.start_time), OptionalMicros(record.status.completion_time));
    tx.commit();
  });
}

std::optional<ExperimentRecord> PostgresStore::GetExperiment(std::string_view name) {
  return impl_->Run("select experiment " + std::string(name), [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    pqxx::result rows = tx.exec_params(
        std::string("SELECT ") + kExperimentColumns + " FROM experiments WHERE name = $1",
        std::string(name));
    std::optional<ExperimentRecord> record;
    if (!rows.empty()) record = ReadExperiment(rows[0]);
    tx.commit();
    return record;
  });
}

std::vector<ExperimentRecord> PostgresStore::ListExperiments() {
  return impl_->Run("list experiments", [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    std::vector<ExperimentRecord> records;
    for (const auto& row : tx.exec(std::string("SELECT ") + kExperimentColumns +
                                   " FROM experiments ORDER BY created_at, name")) {
      records.push_back(ReadExperiment(row));
    }
    tx.commit();
    return records;
  });
}

void PostgresStore::UpdateExperimentStatus(std::string_view name, const ExperimentStatus& status) {
  impl_->Run("update experiment " + std::string(name), [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    pqxx::result result = tx.exec_params(
        "UPDATE experiments SET state = $2, reason = $3, message = $4, start_time = $5, "
        "completion_time = $6 WHERE name = $1",
        std::string(name), std::string(ExperimentStateName(status.state)), status.reason,
        status.message, OptionalMicros(status.start_time), OptionalMicros(status.completion_time));
    if (result.affected_rows() == 0) {
      throw Error(ErrorCode::kNotFound, "experiment " + std::string(name) + " does not exist");
    }
    tx.commit();
  });
}

void PostgresStore::UpdateExperimentSpec(const Experiment& experiment) {
  const std::string& name = experiment.metadata.name;
  impl_->Run("update experiment " + name, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    pqxx::result result = tx.exec_params("UPDATE experiments SET spec = $2 WHERE name = $1", name,
                                         EncodeExperimentSpec(experiment));
    if (result.affected_rows() == 0) {
      throw Error(ErrorCode::kNotFound, "experiment " + name + " does not exist");
    }
    tx.commit();
  });
}

void PostgresStore::CreateTrials(std::span<const Trial> trials) {
  for (const auto& trial : trials)
    CheckStorable(trial, {});
  impl_->Run("insert trials", [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    for (const auto& trial : trials) {
      if (!Exists(tx, "SELECT 1 FROM experiments WHERE name = $1", trial.experiment)) {
        throw Error(ErrorCode::kNotFound, "cannot create trial " + trial.name + ": experiment " +
                                              trial.experiment + " does not exist");
      }
      if (Exists(tx, "SELECT 1 FROM trials WHERE name = $1", trial.name)) {
        throw Error(ErrorCode::kAlreadyExists, "trial " + trial.name + " already exists");
      }
      tx.exec_params(std::string("INSERT INTO trials (") + kTrialColumns +
                         ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, "
                         "$15)",
                     trial.name, trial.experiment, trial.sequence,
                     EncodeAssignment(trial.assignment), EncodeLabels(trial.labels),
                     std::string(TrialStatusName(trial.status)), trial.reason, trial.message,
                     trial.attempt, trial.objective, EncodeMetrics(trial.metrics),
                     ToUnixMicros(trial.created_at), OptionalMicros(trial.started_at),
                     OptionalMicros(trial.completed_at), EncodeCrossValidation(trial));
    }
    tx.commit();
  });
}

void PostgresStore::UpdateTrial(const Trial& trial, std::span<const Observation> observations) {
  CheckStorable(trial, observations);
  impl_->Run("update trial " + trial.name, [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    pqxx::result result = tx.exec_params(
        "UPDATE trials SET labels = $2, status = $3, reason = $4, message = $5, attempt = $6, "
        "objective = $7, metrics = $8, start_time = $9, completion_time = $10, "
        "cross_validation = $11 WHERE name = $1",
        trial.name, EncodeLabels(trial.labels), std::string(TrialStatusName(trial.status)),
        trial.reason, trial.message, trial.attempt, trial.objective, EncodeMetrics(trial.metrics),
        OptionalMicros(trial.started_at), OptionalMicros(trial.completed_at),
        EncodeCrossValidation(trial));
    if (result.affected_rows() == 0) {
      throw Error(ErrorCode::kNotFound, "trial " + trial.name + " does not exist");
    }
    InsertObservations(tx, trial.name, trial.attempt, observations);
    tx.commit();
  });
}

void PostgresStore::AppendObservations(std::string_view trial, int attempt,
                                       std::span<const Observation> observations) {
  if (observations.empty()) return;
  CheckStorable(trial, observations);
  const std::string name(trial);
  if (attempt == kCurrentAttempt) {
    // Which attempt is current is read under FOR SHARE, so it cannot change until these are
    // committed (Katib's DBManager reports to a trial, not to an attempt).
    impl_->Run("append observations of trial " + name, [&](pqxx::connection& connection) {
      pqxx::work tx(connection);
      const pqxx::result row =
          tx.exec_params("SELECT attempt FROM trials WHERE name = $1 FOR SHARE", name);
      if (row.empty()) throw Error(ErrorCode::kNotFound, "trial " + name + " does not exist");
      InsertObservations(tx, name, row[0][0].as<int>(), observations);
      tx.commit();
    });
    return;
  }
  impl_->Run("append observations of trial " + name, [&](pqxx::connection& connection) {
    // One statement in autocommit, without BEGIN and COMMIT round trips: a COPY or an INSERT is
    // atomic on its own. (As when a COMMIT breaks off, a connection that breaks during the
    // statement leaves unknown whether it was stored: kUnavailable, and a caller that retries
    // must look first.) The runner appends what one turn of its loop collected, usually one
    // line's observations, so one row, by a prepared INSERT, is the common call. The schema
    // refuses a trial that does not exist (SQLSTATE 23503): no query of ours looks it up first.
    try {
      pqxx::nontransaction tx(connection);
      if (observations.size() == 1) {
        const Observation& o = observations.front();
        connection.prepare(kAppendOne,
                           "INSERT INTO observations (trial, attempt, metric, value, time, fold) "
                           "VALUES ($1, $2, $3, $4, $5, $6)");
        tx.exec_prepared(kAppendOne, name, attempt, o.metric, o.value, ToUnixMicros(o.time),
                         o.fold);
      } else {
        InsertObservations(tx, name, attempt, observations);
      }
      tx.commit();
    } catch (const pqxx::sql_error& e) {
      if (e.sqlstate() != kForeignKeyViolation) throw;
      throw Error(ErrorCode::kNotFound, "trial " + name + " does not exist");
    }
  });
}

std::optional<Trial> PostgresStore::GetTrial(std::string_view name) {
  return impl_->Run("select trial " + std::string(name), [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    pqxx::result rows = tx.exec_params(
        std::string("SELECT ") + kTrialColumns + " FROM trials WHERE name = $1", std::string(name));
    std::optional<Trial> trial;
    if (!rows.empty()) trial = ReadTrial(rows[0]);
    tx.commit();
    return trial;
  });
}

std::vector<Trial> PostgresStore::ListTrials(std::string_view experiment) {
  return impl_->Run("list trials of " + std::string(experiment), [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    std::vector<Trial> trials;
    for (const auto& row :
         tx.exec_params(std::string("SELECT ") + kTrialColumns +
                            " FROM trials WHERE experiment = $1 ORDER BY sequence",
                        std::string(experiment))) {
      trials.push_back(ReadTrial(row));
    }
    tx.commit();
    return trials;
  });
}

std::vector<Observation> PostgresStore::GetObservations(std::string_view trial,
                                                        const std::optional<std::string>& metric,
                                                        std::optional<int> attempt) {
  return impl_->Run(
      "select observations of trial " + std::string(trial), [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        std::vector<Observation> observations;
        for (const auto& row : tx.exec_params(
                 "SELECT metric, value, time, fold FROM observations WHERE trial = $1 "
                 "AND ($2::TEXT IS NULL OR metric = $2) AND ($3::INTEGER IS NULL OR attempt = $3) "
                 "ORDER BY id",
                 std::string(trial), metric, attempt)) {
          observations.push_back(ReadObservation(row));
        }
        tx.commit();
        return observations;
      });
}

std::vector<Observation> PostgresStore::FindObservations(std::string_view trial,
                                                         const ObservationFilter& filter) {
  const bool current = filter.attempt == kCurrentAttempt;
  const std::optional<int> attempt = current ? std::nullopt : filter.attempt;
  return impl_->Run(
      "find observations of trial " + std::string(trial), [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        // One statement, so that the trial's existence and current attempt come from the same
        // snapshot as its observations: no observation row means a NULL row; no trial, no row.
        const pqxx::result rows = tx.exec_params(
            "SELECT o.metric, o.value, o.time, o.fold FROM trials t LEFT JOIN observations o "
            "ON o.trial = t.name AND ($2::TEXT IS NULL OR o.metric = $2) "
            "AND ($3::INTEGER IS NULL OR o.attempt = $3) AND (NOT $4 OR o.attempt = t.attempt) "
            "AND ($5::BIGINT IS NULL OR o.time >= $5) AND ($6::BIGINT IS NULL OR o.time <= $6) "
            "AND ($7::INTEGER IS NULL OR o.fold = $7) WHERE t.name = $1 ORDER BY o.id",
            std::string(trial), filter.metric, attempt, current, OptionalMicros(filter.from),
            OptionalMicros(filter.to), filter.fold);
        tx.commit();
        if (rows.empty()) {
          throw Error(ErrorCode::kNotFound, "trial " + std::string(trial) + " does not exist");
        }
        std::vector<Observation> observations;
        for (const auto& row : rows) {
          if (row[0].is_null()) continue;  // the trial has no matching observation
          observations.push_back(ReadObservation(row));
        }
        return observations;
      });
}

int64_t PostgresStore::DeleteObservations(std::string_view trial) {
  return impl_->Run(
      "delete observations of trial " + std::string(trial), [&](pqxx::connection& connection) {
        pqxx::work tx(connection);
        if (!Exists(tx, "SELECT 1 FROM trials WHERE name = $1", trial)) {
          throw Error(ErrorCode::kNotFound, "trial " + std::string(trial) + " does not exist");
        }
        const pqxx::result result =
            tx.exec_params("DELETE FROM observations WHERE trial = $1", std::string(trial));
        tx.commit();
        return static_cast<int64_t>(result.affected_rows());
      });
}

void PostgresStore::Ping() {
  impl_->Run("ping", [&](pqxx::connection& connection) {
    pqxx::work tx(connection);
    tx.exec("SELECT 1 FROM experiments LIMIT 1");
    tx.commit();
  });
}

}  // namespace tuneup
