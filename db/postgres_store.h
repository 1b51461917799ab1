// The production store: a shared PostgreSQL database (libpqxx), selected by a postgresql:// URI.
//
// The same guarantees as every Store (db/store.h, checked by the conformance suite): each change
// is one transaction, bound parameters only, observations appended with COPY (one observation
// alone with a prepared INSERT), each append a single statement. Times are stored as
// microseconds since the Unix epoch (BIGINT), as in SQLite; the schema is documented in
// db/postgres_schema.cc. Errors: kUnavailable when the server cannot be reached or the connection
// broke (retryable), kInternal for anything else the server refuses, naming the statement.
// Thread-safe: calls run concurrently on a small pool of connections (up to 4), opened as needed;
// a connection that breaks is dropped, so after the server restarts the next call reconnects.
#pragma once

#include <memory>
#include <string>

#include "db/store.h"

namespace tuneup {

class PostgresStore final : public Store {
 public:
  // The schema version this build writes; a database with a newer one is refused.
  static constexpr int kSchemaVersion = 3;

  // Connects to `uri` (postgresql://user@host:port/database?...) and brings the schema up to
  // date. Throws Error(kUnavailable) when the server cannot be reached, Error(kFailedPrecondition)
  // for a database written by a newer tuneup.
  explicit PostgresStore(const std::string& uri);
  ~PostgresStore() override;

  void CreateExperiment(const ExperimentRecord& record) override;
  std::optional<ExperimentRecord> GetExperiment(std::string_view name) override;
  std::vector<ExperimentRecord> ListExperiments() override;
  void UpdateExperimentStatus(std::string_view name, const ExperimentStatus& status) override;
  void UpdateExperimentSpec(const Experiment& experiment) override;

  void CreateTrials(std::span<const Trial> trials) override;
  void UpdateTrial(const Trial& trial, std::span<const Observation> observations) override;
  void AppendObservations(std::string_view trial, int attempt,
                          std::span<const Observation> observations) override;
  std::optional<Trial> GetTrial(std::string_view name) override;
  std::vector<Trial> ListTrials(std::string_view experiment) override;
  std::vector<Observation> GetObservations(std::string_view trial,
                                           const std::optional<std::string>& metric,
                                           std::optional<int> attempt) override;
  std::vector<Observation> FindObservations(std::string_view trial,
                                            const ObservationFilter& filter) override;
  int64_t DeleteObservations(std::string_view trial) override;
  void Ping() override;

 private:
  struct Impl;  // the connection pool

  std::unique_ptr<Impl> impl_;
};

}  // namespace tuneup
