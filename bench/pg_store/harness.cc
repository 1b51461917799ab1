// The C++ side of the PostgreSQL store benchmark (bench/pg_store/run.sh runs it beside
// optuna_peer.py, Optuna's RDBStorage on the same server; bench/README.md, "PostgreSQL store").
// Everything goes through the Store interface of OpenStore(URI), as the runner uses it.
//
//   bench_pg_store append URI ROWS BATCH TRIALS [ROUND]
//       Observation rows/s: creates an experiment and TRIALS Running trials (untimed), then
//       appends ROWS observations of the metric "loss" with AppendObservations, BATCH per call,
//       call i to trial i % TRIALS (as trials running side by side would). Timed: the calls.
//   bench_pg_store experiment URI TRIALS VALUES [ROUND]
//       A whole experiment's store traffic, call for call what `tuneup run` does for an
//       experiment whose trials each print VALUES values of "loss", one line at a time:
//       GetExperiment, CreateExperiment, ListTrials twice, UpdateExperimentStatus (Running); per
//       trial CreateTrials (one), UpdateTrial (Running), VALUES x AppendObservations of one
//       observation (the runner appends what arrived in one turn of its loop: one line), a final
//       UpdateTrial (Succeeded, objective and metric summary); UpdateExperimentStatus
//       (Succeeded). Timed: all of it, and each kind of call on its own.
//
// Both print one JSON line. Opening the store (connecting, creating the schema) is timed apart
// and not counted. Afterwards, untimed, every trial's observations are read back and counted:
// the harness exits 1 unless every row is there, in order.
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/defaults.h"
#include "api/manifest.h"
#include "common/error.h"
#include "common/text.h"
#include "db/store.h"

namespace tuneup::bench {
namespace {

using SteadyClock = std::chrono::steady_clock;

// Two doubles, as optuna_peer.py suggests them.
constexpr const char* kManifest = R"(
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: pg-store
spec:
  objective:
    type: minimize
    objectiveMetricName: loss
  algorithm:
    algorithmName: random
  maxTrialCount: 1000000
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.0001", max: "0.1", distribution: logUniform}
    - name: momentum
      parameterType: double
      feasibleSpace: {min: "0", max: "1"}
  trialTemplate:
    trialParameters:
      - {name: lr, reference: lr}
      - {name: momentum, reference: momentum}
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: unused
                command: [train, "--lr=${trialParameters.lr}", "--momentum=${trialParameters.momentum}"]
            restartPolicy: Never
)";

const Timestamp kStart = Timestamp(std::chrono::seconds(1'700'000'000));

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "bench_pg_store: FAILED: " << message << "\n";
  std::exit(1);
}

double Seconds(SteadyClock::duration d) {
  return std::chrono::duration<double>(d).count();
}

// CPU seconds (user + system) this process has used: the client's share of the work.
double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec * 1e-6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

ExperimentRecord Record() {
  auto loaded = LoadManifestText(kManifest, "pg_store/harness.cc");
  if (loaded.size() != 1 || !loaded[0].errors.empty()) Fail("the embedded manifest did not load");
  ApplyKatibDefaults(loaded[0].experiment);
  return ExperimentRecord{loaded[0].experiment, ExperimentStatus{}, kStart};
}

Trial MakeTrial(const std::string& experiment, int64_t sequence, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> unit(0, 1);
  Trial trial;
  trial.sequence = sequence;
  trial.name = experiment + "-" + std::to_string(sequence);
  trial.experiment = experiment;
  trial.assignment = {{"lr", std::to_string(1e-4 * std::pow(1e3, unit(rng)))},
                      {"momentum", std::to_string(unit(rng))}};
  trial.created_at = kStart + std::chrono::seconds(sequence);
  return trial;
}

// A loss curve with full-precision values (16 or 17 significant digits, as a real one has).
double Loss(int64_t step, std::mt19937_64& rng) {
  return 1.0 / (1.0 + 0.1 * static_cast<double>(step)) *
         std::uniform_real_distribution<double>(0.9, 1.1)(rng);
}

std::unique_ptr<Store> Open(const std::string& uri, double& open_seconds) {
  const auto start = SteadyClock::now();
  auto store = OpenStore(uri);
  open_seconds = Seconds(SteadyClock::now() - start);
  return store;
}

// Reads every trial's observations back and fails unless trial i has expected[i] of them, with
// strictly increasing times (the order they were appended in).
void Verify(Store& store, const std::vector<Trial>& trials, const std::vector<int64_t>& expected) {
  for (size_t i = 0; i < trials.size(); ++i) {
    auto got = store.GetObservations(trials[i].name, std::nullopt, std::nullopt);
    if (static_cast<int64_t>(got.size()) != expected[i]) {
      Fail(trials[i].name + ": " + std::to_string(got.size()) + " observations stored, " +
           std::to_string(expected[i]) + " appended");
    }
    for (size_t k = 1; k < got.size(); ++k) {
      if (got[k].time <= got[k - 1].time) Fail(trials[i].name + ": observations out of order");
    }
  }
}

nlohmann::json Percentiles(std::vector<double> seconds) {
  std::sort(seconds.begin(), seconds.end());
  auto at = [&](double q) {
    return seconds[std::min(seconds.size() - 1, static_cast<size_t>(q * seconds.size()))] * 1e3;
  };
  return {{"p50", at(0.5)}, {"p90", at(0.9)}, {"p99", at(0.99)}, {"max", seconds.back() * 1e3}};
}

int Append(const std::string& uri, int64_t rows, int64_t batch, int64_t trial_count, int round) {
  if (rows < 1 || batch < 1 || trial_count < 1) Fail("ROWS, BATCH and TRIALS must be positive");
  double open_seconds = 0;
  auto store = Open(uri, open_seconds);
  ExperimentRecord record = Record();
  const std::string name = record.experiment.metadata.name;
  store->CreateExperiment(record);
  std::mt19937_64 rng(42);
  std::vector<Trial> trials;
  for (int64_t t = 0; t < trial_count; ++t) {
    trials.push_back(MakeTrial(name, t, rng));
    trials.back().status = TrialStatus::kRunning;
    trials.back().started_at = trials.back().created_at;
  }
  store->CreateTrials(trials);

  // Every call's observations made beforehand, so that only the store is timed.
  const int64_t calls = (rows + batch - 1) / batch;
  std::vector<int64_t> per_trial(trials.size(), 0);
  std::vector<std::vector<Observation>> batches(calls);
  for (int64_t c = 0; c < calls; ++c) {
    const size_t t = static_cast<size_t>(c % trial_count);
    const int64_t n = std::min(batch, rows - c * batch);
    for (int64_t k = 0; k < n; ++k) {
      const int64_t step = per_trial[t]++;
      batches[c].push_back({"loss", Loss(step, rng), kStart + std::chrono::milliseconds(step)});
    }
  }

  std::vector<double> call_seconds;
  call_seconds.reserve(calls);
  const double cpu_start = CpuSeconds();
  const auto start = SteadyClock::now();
  for (int64_t c = 0; c < calls; ++c) {
    const auto call_start = SteadyClock::now();
    store->AppendObservations(trials[c % trial_count].name, 0, batches[c]);
    call_seconds.push_back(Seconds(SteadyClock::now() - call_start));
  }
  const double seconds = Seconds(SteadyClock::now() - start);
  const double cpu_seconds = CpuSeconds() - cpu_start;
  Verify(*store, trials, per_trial);

  nlohmann::json line = {
      {"system", "tuneup"},
      {"workload", "append"},
      {"method", "Store::AppendObservations"},
      {"round", round},
      {"rows", rows},
      {"batch", batch},
      {"calls", calls},
      {"trials", trial_count},
      {"seconds", seconds},
      {"rows_per_s", static_cast<double>(rows) / seconds},
      {"call_ms", Percentiles(call_seconds)},
      {"client_cpu_seconds", cpu_seconds},
      {"open_seconds", open_seconds},
  };
  std::cout << line.dump() << std::endl;
  return 0;
}

// Seconds and calls per kind of Store call.
struct OpTimes {
  std::map<std::string, std::pair<double, int64_t>> by_op;

  template <typename F>
  void Time(const std::string& op, F&& call) {
    const auto start = SteadyClock::now();
    call();
    auto& [seconds, count] = by_op[op];
    seconds += Seconds(SteadyClock::now() - start);
    ++count;
  }

  nlohmann::json ToJson() const {
    nlohmann::json ops = nlohmann::json::object();
    for (const auto& [op, times] : by_op) {
      ops[op] = {{"calls", times.second},
                 {"seconds", times.first},
                 {"per_s", static_cast<double>(times.second) / times.first}};
    }
    return ops;
  }
};

int Experiment(const std::string& uri, int64_t trial_count, int64_t values, int round) {
  if (trial_count < 1 || values < 1) Fail("TRIALS and VALUES must be positive");
  double open_seconds = 0;
  auto store = Open(uri, open_seconds);
  ExperimentRecord record = Record();
  const std::string name = record.experiment.metadata.name;
  std::mt19937_64 rng(42);
  OpTimes ops;
  std::vector<Trial> trials;

  const double cpu_start = CpuSeconds();
  const auto start = SteadyClock::now();
  ops.Time("GetExperiment", [&] {
    if (store->GetExperiment(name)) Fail("the database is not fresh");
  });
  ops.Time("CreateExperiment", [&] { store->CreateExperiment(record); });
  for (int i = 0; i < 2; ++i) {  // run_command.cc, then the runner's start
    ops.Time("ListTrials", [&] { store->ListTrials(name); });
  }
  ExperimentStatus status;
  status.state = ExperimentState::kRunning;
  status.reason = "ExperimentRunning";
  status.message = "Experiment is running";
  status.start_time = kStart;
  ops.Time("UpdateExperimentStatus", [&] { store->UpdateExperimentStatus(name, status); });
  for (int64_t t = 0; t < trial_count; ++t) {
    Trial trial = MakeTrial(name, t, rng);
    ops.Time("CreateTrials", [&] { store->CreateTrials({&trial, 1}); });
    trial.status = TrialStatus::kRunning;
    trial.started_at = trial.created_at;
    ops.Time("UpdateTrial", [&] { store->UpdateTrial(trial, {}); });
    MetricSummary loss{"loss", 0, 0, 0, 0};
    for (int64_t step = 0; step < values; ++step) {
      const Observation o{"loss", Loss(step, rng), trial.created_at + std::chrono::seconds(step)};
      ops.Time("AppendObservations", [&] { store->AppendObservations(trial.name, 0, {&o, 1}); });
      loss.min = step == 0 ? o.value : std::min(loss.min, o.value);
      loss.max = step == 0 ? o.value : std::max(loss.max, o.value);
      loss.latest = o.value;
      ++loss.count;
    }
    trial.status = TrialStatus::kSucceeded;
    trial.reason = "TrialSucceeded";
    trial.message = "Trial has succeeded";
    trial.objective = loss.min;  // Katib's default strategy for a minimised objective
    trial.metrics = {loss};
    trial.completed_at = trial.created_at + std::chrono::seconds(values);
    ops.Time("UpdateTrial", [&] { store->UpdateTrial(trial, {}); });
    trials.push_back(std::move(trial));
  }
  status.state = ExperimentState::kSucceeded;
  status.reason = "ExperimentMaxTrialsReached";
  status.message = "Experiment has succeeded because max trial count has reached";
  status.completion_time = kStart + std::chrono::seconds(trial_count);
  ops.Time("UpdateExperimentStatus", [&] { store->UpdateExperimentStatus(name, status); });
  const double seconds = Seconds(SteadyClock::now() - start);
  const double cpu_seconds = CpuSeconds() - cpu_start;

  Verify(*store, trials, std::vector<int64_t>(trials.size(), values));
  for (const auto& stored : store->ListTrials(name)) {
    if (stored.status != TrialStatus::kSucceeded || !stored.objective) {
      Fail(stored.name + " is not stored as Succeeded with an objective");
    }
  }

  nlohmann::json line = {
      {"system", "tuneup"},
      {"workload", "experiment"},
      {"round", round},
      {"trials", trial_count},
      {"values_per_trial", values},
      {"rows", trial_count * values},
      {"seconds", seconds},
      {"trials_per_s", static_cast<double>(trial_count) / seconds},
      {"rows_per_s", static_cast<double>(trial_count * values) / seconds},
      {"ops", ops.ToJson()},
      {"client_cpu_seconds", cpu_seconds},
      {"open_seconds", open_seconds},
  };
  std::cout << line.dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace tuneup::bench

int main(int argc, char** argv) {
  using namespace tuneup::bench;
  const std::vector<std::string> args(argv + 1, argv + argc);
  auto number = [&](size_t i) { return std::atoll(args[i].c_str()); };
  try {
    if ((args.size() == 5 || args.size() == 6) && args[0] == "append") {
      return Append(args[1], number(2), number(3), number(4),
                    args.size() == 6 ? static_cast<int>(number(5)) : 0);
    }
    if ((args.size() == 4 || args.size() == 5) && args[0] == "experiment") {
      return Experiment(args[1], number(2), number(3),
                        args.size() == 5 ? static_cast<int>(number(4)) : 0);
    }
  } catch (const tuneup::Error& e) {
    Fail(e.what());
  }
  std::cerr << "usage: bench_pg_store append URI ROWS BATCH TRIALS [ROUND]\n"
               "       bench_pg_store experiment URI TRIALS VALUES [ROUND]\n";
  return 2;
}
