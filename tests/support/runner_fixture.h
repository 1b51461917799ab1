// The fixture of the runner's tests (tests/runner_test.cc, tests/runner_folds_test.cc): an
// experiment written from a few fields, an in-memory executor and a fake clock, so that the
// experiment loop runs without processes and without sleeping.
#pragma once

#include <utility>

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "api/manifest.h"
#include "common/text.h"
#include "controller/manifest_check.h"
#include "controller/runner.h"
#include "db/sqlite_store.h"
#include "suggestion/registry.h"
#include "tests/support/fake_executor.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {

struct Spec {
  std::string algorithm = "random";
  std::string extra_settings;  // more algorithmSettings entries
  int parallel = 3;
  std::optional<int> max_trials = 10;
  std::optional<int> max_failed;
  std::optional<double> goal;
  std::string type = "minimize";
  std::string x_space = R"(min: "0", max: "1")";
  std::string early_stopping;  // the spec.earlyStopping block, indented under spec
  std::string annotations;     // metadata.annotations entries, indented under it
  // Adds trial parameter `fold` (reference ${trialSpec.Annotations[tuneup.dev/fold]}) as the
  // command's last argument.
  bool fold_parameter = false;
};

inline std::string Yaml(const Spec& s) {
  std::string yaml = R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: runner-test
)" + (s.annotations.empty() ? "" : "  annotations:\n" + s.annotations) +
                     R"(spec:
  objective:
    type: )" + s.type +
                     "\n";
  if (s.goal) yaml += "    goal: " + FormatDouble(*s.goal) + "\n";
  yaml += R"(    objectiveMetricName: loss
  algorithm:
    algorithmName: )" +
          s.algorithm + R"(
    algorithmSettings:
      - name: random_state
        value: "3"
)" + s.extra_settings;
  yaml += s.early_stopping;
  yaml += "  parallelTrialCount: " + std::to_string(s.parallel) + "\n";
  if (s.max_trials) yaml += "  maxTrialCount: " + std::to_string(*s.max_trials) + "\n";
  if (s.max_failed) yaml += "  maxFailedTrialCount: " + std::to_string(*s.max_failed) + "\n";
  yaml += R"(  parameters:
    - name: x
      parameterType: double
      feasibleSpace: {)" +
          s.x_space + R"(}
  trialTemplate:
    primaryContainerName: main
    trialParameters:
      - name: x
        reference: x
      - name: trialName
        reference: ${trialSpec.Name}
)";
  if (s.fold_parameter) {
    yaml += "      - name: fold\n        reference: ${trialSpec.Annotations[tuneup.dev/fold]}\n";
  }
  yaml += R"(    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: unused
                command: ["train", "${trialParameters.x}", "${trialParameters.trialName}")";
  yaml += s.fold_parameter ? ", \"${trialParameters.fold}\"]\n" : "]\n";
  return yaml;
}

// spec.earlyStopping: median stopping from step 2 once 2 trials have completed.
inline constexpr const char* kMedianStop = R"(  earlyStopping:
    algorithmName: medianstop
    algorithmSettings:
      - name: min_trials_required
        value: "2"
      - name: start_step
        value: "2"
)";

// The value of x a job was given.
inline double XOf(const TrialJob& job) {
  return ParseDouble(job.argv.at(1)).value();
}

class RunnerTest : public ::testing::Test {
 protected:
  RunnerTest() : store_(dir_.Join("tuneup.db")), executor_(io_) {}

  ExperimentRecord Create(const Spec& spec) {
    auto loaded = LoadManifestText(Yaml(spec), "test.yaml", dir_.path().string());
    ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
    EXPECT_TRUE(check.runnable())
        << (check.errors.empty() ? check.unsupported : check.errors).at(0).ToString();
    ExperimentRecord record{check.experiment, ExperimentStatus{}, clock_.Now()};
    store_.CreateExperiment(record);
    return record;
  }

  RunOutcome Run(const ExperimentRecord& record,
                 std::function<void(ExperimentRunner&)> after_start = {},
                 std::unique_ptr<Algorithm> algorithm = nullptr) {
    if (!algorithm) algorithm = AlgorithmRegistry::Default().Create(record.experiment);
    RunnerOptions options;
    options.workdir = dir_.path().string();
    options.manifest_dir = dir_.path().string();
    options.store_writer.first_retry = std::chrono::milliseconds(1);
    options.store_writer.max_retry = std::chrono::milliseconds(5);
    options.suggestion_observer = suggestion_observer_;
    ExperimentRunner runner(io_, runner_store_ ? *runner_store_ : store_, executor_, clock_,
                            options, observer_);
    RunOutcome outcome;
    bool done = false;
    runner.Start(record, std::move(algorithm), CreateEarlyStopper(record.experiment),
                 [&](const RunOutcome& result) {
                   outcome = result;
                   done = true;
                 });
    if (after_start) after_start(runner);
    io_.run();
    io_.restart();
    EXPECT_TRUE(done) << "the runner never called done";
    return outcome;
  }

  std::vector<Trial> Trials() { return store_.ListTrials("runner-test"); }
  std::vector<Observation> Observations(const std::string& trial,
                                        std::optional<std::string> metric = std::nullopt,
                                        std::optional<int> attempt = std::nullopt) {
    return store_.GetObservations(trial, metric, attempt);
  }

  // Every job prints loss = f(x) after `delay` turns of the loop, then exits with `code`.
  void Behave(std::function<std::string(const TrialJob&)> output, int code = 0,
              std::function<int(const TrialJob&)> delay = {}) {
    executor_.behaviour = [this, output, code, delay](FakeExecutor& executor, const TrialJob& job) {
      int turns = delay ? delay(job) : 0;
      Finish(executor, job.trial, output(job), code, turns);
    };
  }

  void Finish(FakeExecutor& executor, const std::string& trial, const std::string& text, int code,
              int turns) {
    if (turns > 0) {
      Later(io_, [=, this, &executor] { Finish(executor, trial, text, code, turns - 1); });
      return;
    }
    clock_.Advance(std::chrono::milliseconds(10));
    executor.Output(trial, text);
    executor.Exit(trial, code);
  }

  // Every job reports the learning curve loss = x + 1/k at steps k = 1..steps, two loop turns
  // apart (so a stop request lands between two steps), then exits 0.
  void BehaveAsCurves(int steps) {
    executor_.behaviour = [this, steps](FakeExecutor& executor, const TrialJob& job) {
      Step(executor, job.trial, XOf(job), 1, steps);
    };
  }

  void Step(FakeExecutor& executor, const std::string& trial, double x, int k, int steps) {
    if (k > steps) {
      executor.Exit(trial, 0);
      return;
    }
    clock_.Advance(std::chrono::milliseconds(10));
    executor.Output(trial, "loss=" + FormatDouble(x + 1.0 / k) + "\n");
    Later(io_, [=, this, &executor] {
      Later(io_, [=, this, &executor] { Step(executor, trial, x, k + 1, steps); });
    });
  }

  testing::TempDir dir_;
  SqliteStore store_;
  Store* runner_store_ = nullptr;  // what the runner uses, when not store_
  RunObserver* observer_ = nullptr;
  SuggestionObserver* suggestion_observer_ = nullptr;
  boost::asio::io_context io_;
  FakeExecutor executor_;
  FakeClock clock_;
};

}  // namespace tuneup::testing
