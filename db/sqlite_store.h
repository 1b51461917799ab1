// The embedded default store: one SQLite file, zero setup.
//
// WAL journal with synchronous=NORMAL: a committed change survives a crash of tuneup (the WAL is
// written before COMMIT returns); only an operating-system crash can lose the last transactions.
// Several processes may open the same file; writers wait for each other (busy timeout).
// Thread-safe (every call holds the connection's mutex).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "db/store.h"

namespace tuneup {

class SqliteStore final : public Store {
 public:
  // The schema version this build writes; a database with a newer one is refused.
  static constexpr int kSchemaVersion = 2;

  // Opens or creates the database at `path` and brings its schema up to date. Throws
  // Error(kFailedPrecondition) for a database written by a newer tuneup, Error(kIo) when the file
  // cannot be opened.
  explicit SqliteStore(const std::string& path);
  ~SqliteStore() override;

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
  struct Impl;  // the connection and its prepared statements

  std::mutex mutex_;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tuneup
