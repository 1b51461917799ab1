// A Store that can be told to be unavailable, for testing what survives a database outage. It
// passes every call to a real store (SqliteStore in the tests) unless told otherwise:
//   down            every call throws Error(kUnavailable), as PostgreSQL does while stopped;
//   refuse_writes   every write throws Error(kInternal), an error no retry can fix;
//   commit_then_fail the next write is made and then reported as kUnavailable, as when the
//                   connection breaks during COMMIT (the caller cannot tell it was stored).
#pragma once

#include <map>
#include <string>

#include "common/error.h"
#include "db/store.h"

namespace tuneup::testing {

class FlakyStore final : public Store {
  // (Defined first: the overrides below deduce their return types from these.)
  void ThrowIfDown(const char* method) const {
    if (down) throw Error(ErrorCode::kUnavailable, std::string("flaky: ") + method + ": down");
  }
  template <typename Call>
  auto Read(const char* method, Call&& call) {
    ThrowIfDown(method);
    ++calls[method];
    return call();
  }
  template <typename Call>
  void Write(const char* method, Call&& call) {
    ThrowIfDown(method);
    if (refuse_writes)
      throw Error(ErrorCode::kInternal, std::string("flaky: ") + method + ": refused");
    ++calls[method];
    call();
    if (commit_then_fail) {
      commit_then_fail = false;
      throw Error(ErrorCode::kUnavailable,
                  std::string("flaky: ") + method + ": commit outcome unknown");
    }
  }

 public:
  explicit FlakyStore(Store& real) : real_(real) {}

  bool down = false;
  bool commit_then_fail = false;
  bool refuse_writes = false;
  // Calls that reached the real store, by method name.
  std::map<std::string, int> calls;

  void CreateExperiment(const ExperimentRecord& record) override {
    Write("CreateExperiment", [&] { real_.CreateExperiment(record); });
  }
  std::optional<ExperimentRecord> GetExperiment(std::string_view name) override {
    return Read("GetExperiment", [&] { return real_.GetExperiment(name); });
  }
  std::vector<ExperimentRecord> ListExperiments() override {
    return Read("ListExperiments", [&] { return real_.ListExperiments(); });
  }
  void UpdateExperimentSpec(const Experiment& experiment) override {
    Write("UpdateExperimentSpec", [&] { real_.UpdateExperimentSpec(experiment); });
  }
  void UpdateExperimentStatus(std::string_view name, const ExperimentStatus& status) override {
    Write("UpdateExperimentStatus", [&] { real_.UpdateExperimentStatus(name, status); });
  }
  void CreateTrials(std::span<const Trial> trials) override {
    Write("CreateTrials", [&] { real_.CreateTrials(trials); });
  }
  void UpdateTrial(const Trial& trial, std::span<const Observation> observations) override {
    Write("UpdateTrial", [&] { real_.UpdateTrial(trial, observations); });
  }
  void AppendObservations(std::string_view trial, int attempt,
                          std::span<const Observation> observations) override {
    Write("AppendObservations", [&] { real_.AppendObservations(trial, attempt, observations); });
  }
  std::optional<Trial> GetTrial(std::string_view name) override {
    return Read("GetTrial", [&] { return real_.GetTrial(name); });
  }
  std::vector<Trial> ListTrials(std::string_view experiment) override {
    return Read("ListTrials", [&] { return real_.ListTrials(experiment); });
  }
  std::vector<Observation> GetObservations(std::string_view trial,
                                           const std::optional<std::string>& metric,
                                           std::optional<int> attempt) override {
    return Read("GetObservations", [&] { return real_.GetObservations(trial, metric, attempt); });
  }
  std::vector<Observation> FindObservations(std::string_view trial,
                                            const ObservationFilter& filter) override {
    return Read("FindObservations", [&] { return real_.FindObservations(trial, filter); });
  }
  int64_t DeleteObservations(std::string_view trial) override {
    int64_t deleted = 0;
    Write("DeleteObservations", [&] { deleted = real_.DeleteObservations(trial); });
    return deleted;
  }
  void Ping() override {
    Read("Ping", [&] { real_.Ping(); });
  }

 private:
  Store& real_;
};

}  // namespace tuneup::testing
