// The store: where experiments, trials and every observation live. The store is the truth: a
// trial exists here before its process starts, every state change is one transaction, and after
// a crash everything is rebuilt from it.
//
// Implementations: SqliteStore (embedded default, db/sqlite_store.h) and PostgresStore
// (db/postgres_store.h), held to the same cases by tests/support/store_conformance.cc. Every method
// either completes or throws tuneup::Error with context ("sqlite: insert trial random-0003: ..."),
// never half-applies a change. Errors: kNotFound for a missing experiment or trial, kAlreadyExists
// for a name that is taken, kUnavailable when the database is busy or unreachable (retryable),
// kInternal for a stored row that cannot be read back (names the table, row and column),
// kInvalidArgument (nothing written) for a value that cannot be stored faithfully: a non-finite
// observation, objective or metric, also in a fold result (db/row_codec.h, CheckStorable).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "api/experiment_status.h"
#include "api/trial.h"

namespace tuneup {

// An attempt number that means "the trial's current attempt" (Trial::attempt), read in the same
// transaction as the rest of the call.
inline constexpr int kCurrentAttempt = -1;

// Which of a trial's observations FindObservations returns. Unset fields do not filter.
struct ObservationFilter {
  std::optional<std::string> metric;  // exactly this metric name
  std::optional<int> attempt;         // this attempt, or kCurrentAttempt
  std::optional<Timestamp> from;      // time >= from
  std::optional<Timestamp> to;        // time <= to
  std::optional<int> fold;            // this job of the trial (Observation::fold)
};

struct ExperimentRecord {
  Experiment experiment;  // as submitted, Katib defaults applied
  ExperimentStatus status;
  Timestamp created_at;
};

class Store {
 public:
  virtual ~Store() = default;

  // Stores a new experiment. Throws kAlreadyExists when one with the same name exists.
  virtual void CreateExperiment(const ExperimentRecord& record) = 0;
  // The experiment called `name`, or nullopt.
  virtual std::optional<ExperimentRecord> GetExperiment(std::string_view name) = 0;
  // Every experiment, oldest first.
  virtual std::vector<ExperimentRecord> ListExperiments() = 0;
  // Replaces the experiment's status. Throws kNotFound.
  virtual void UpdateExperimentStatus(std::string_view name, const ExperimentStatus& status) = 0;
  // Replaces the spec of the experiment called experiment.metadata.name (a finished experiment
  // restarted with a larger budget). Its status, trials and creation time stay. Throws kNotFound.
  virtual void UpdateExperimentSpec(const Experiment& experiment) = 0;

  // Inserts trials, all or none. Throws kNotFound when their experiment does not exist and
  // kAlreadyExists when a trial name is taken.
  virtual void CreateTrials(std::span<const Trial> trials) = 0;
  // Writes the trial's state (status, reason, message, attempt, objective, metrics, times, fold
  // results and final evaluation) and appends `observations` to its current attempt (the
  // trial's, Trial::attempt, whatever job each observation names in Observation::fold), in one
  // transaction. Throws kNotFound.
  virtual void UpdateTrial(const Trial& trial, std::span<const Observation> observations) = 0;
  // Appends observations to attempt `attempt` (or kCurrentAttempt, the trial's) of trial `trial`,
  // in one transaction, each under its Observation::fold. Throws kNotFound.
  virtual void AppendObservations(std::string_view trial, int attempt,
                                  std::span<const Observation> observations) = 0;
  // The trial called `name`, or nullopt.
  virtual std::optional<Trial> GetTrial(std::string_view name) = 0;
  // The experiment's trials in creation order.
  virtual std::vector<Trial> ListTrials(std::string_view experiment) = 0;
  // A trial's observations in the order they were reported, each with its fold; optionally only
  // one metric and/or one attempt (`metric` / `attempt` nullopt: all of them).
  virtual std::vector<Observation> GetObservations(std::string_view trial,
                                                   const std::optional<std::string>& metric,
                                                   std::optional<int> attempt) = 0;
  // The trial's observations that match `filter`, in the order they were reported. Throws
  // kNotFound when the trial does not exist.
  virtual std::vector<Observation> FindObservations(std::string_view trial,
                                                    const ObservationFilter& filter) = 0;
  // Removes every observation of the trial, of all its attempts, in one transaction, and returns
  // how many there were. The trial, its objective and metric summaries stay as they are. Throws
  // kNotFound.
  virtual int64_t DeleteObservations(std::string_view trial) = 0;

  // Returns when the database answers a query; throws (kUnavailable when it cannot be reached)
  // otherwise. For health checks.
  virtual void Ping() = 0;
};

// Opens the store at `location`: a file path or "sqlite:PATH" for SQLite (created if missing), or
// a postgresql:// (or postgres://) URI for PostgreSQL (db/postgres_store.h).
// Throws Error(kInvalidArgument) for a location it does not understand.
std::unique_ptr<Store> OpenStore(const std::string& location);

// Whether `location` names a database server (a URI such as postgresql://...) rather than a file.
bool IsServerLocation(const std::string& location);

// `location` fit for logs and messages: a URI's password replaced by "***".
std::string RedactLocation(const std::string& location);

}  // namespace tuneup
