// A real kubectl (the one on PATH, else Debian's kubernetes-client) against `tuneup serve
// --kube-listen`: apply, get, describe, watch and wait for Katib's own example Experiment
// through the kubeconfig tuneup writes (HTTPS with its self-signed certificate, a bearer token).
#include <gtest/gtest.h>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "tests/support/e2e_run.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;
using Json = nlohmann::json;

// kubectl's path, or "" when there is none.
std::string FindKubectl() {
  const char* path = std::getenv("PATH");
  std::string dirs = path ? path : "/usr/bin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    const std::string candidate = dirs.substr(start, end - start) + "/kubectl";
    if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    start = end + 1;
  }
  return "";
}

class E2eKubectlTest : public E2eRunTest {
 protected:
  void SetUp() override {
    kubectl_ = FindKubectl();
    // The test command installs Debian's kubernetes-client where no kubectl is on PATH.
    ASSERT_FALSE(kubectl_.empty()) << "no kubectl on PATH";
  }

  // `tuneup serve` with the Kubernetes API on a free port; waits for its kubeconfig.
  void StartServe(const std::vector<std::string>& extra = {}) {
    kubeconfig_ = dir_.Join("kubeconfig");
    std::vector<std::string> args = {"serve",
                                     "--listen",
                                     "127.0.0.1:0",
                                     "--kube-listen",
                                     "127.0.0.1:0",
                                     "--write-kubeconfig",
                                     kubeconfig_,
                                     "--workdir",
                                     workdir(),
                                     "--kill-grace",
                                     "1"};
    args.insert(args.end(), extra.begin(), extra.end());
    serve_ = std::make_unique<Process>(Argv(args), Options());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!std::filesystem::exists(kubeconfig_) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    ASSERT_TRUE(std::filesystem::exists(kubeconfig_)) << serve_->Wait(1s).Describe();
  }

  ProcessResult StopServe() {
    serve_->Signal(SIGTERM);
    return serve_->Wait(60s);
  }

  std::vector<std::string> Kubectl(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {kubectl_, "--kubeconfig", kubeconfig_};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  ProcessResult RunKubectl(const std::vector<std::string>& args,
                           std::chrono::milliseconds limit = 60s) {
    ProcessResult result = RunProcess(Kubectl(args), Options(), limit);
    EXPECT_FALSE(result.timed_out) << result.Describe();
    return result;
  }

  Json GetJson(const std::vector<std::string>& args) {
    std::vector<std::string> all = {"get"};
    all.insert(all.end(), args.begin(), args.end());
    all.insert(all.end(), {"-o", "json"});
    ProcessResult result = RunKubectl(all);
    EXPECT_EQ(result.exit_code, 0) << result.Describe();
    return result.exit_code == 0 ? Json::parse(result.out) : Json();
  }

  // A Katib example Experiment whose trials run a local program (the example's own image and
  // command cannot run here): `python3 -c` printing loss for the assignment.
  std::string LocalExperiment(const std::string& name, int max_trials) {
    return R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  namespace: kubeflow
  name: )" +
           name + R"(
spec:
  objective:
    type: minimize
    goal: 0.000001
    objectiveMetricName: loss
  algorithm:
    algorithmName: random
  parallelTrialCount: 2
  maxTrialCount: )" +
           std::to_string(max_trials) +
           R"(
  maxFailedTrialCount: 1
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.01", max: "0.05"}
  trialTemplate:
    primaryContainerName: training-container
    trialParameters:
      - {name: learningRate, reference: lr}
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training-container
                image: local
                command: [")" +
           dir_.Join("trial.sh") + R"(", "${trialParameters.learningRate}"]
            restartPolicy: Never
)";
  }

  std::string kubectl_;
  std::string kubeconfig_;
  std::unique_ptr<Process> serve_;
};

TEST_F(E2eKubectlTest, AppliesGetsDescribesWatchesAndWaitsForKatibsRandomExample) {
  StartServe();
  const std::string example = SourcePath("tests/data/katib-examples/hp-tuning__random.yaml");

  // Watch from the start, as `kubectl get experiments -w` in another terminal.
  Process watch(Kubectl({"get", "experiments", "-n", "kubeflow", "-w"}), Options());

  ProcessResult applied = RunKubectl({"apply", "-f", example});
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  EXPECT_EQ(applied.out, "experiment.kubeflow.org/random created\n");
  ProcessResult again = RunKubectl({"apply", "-f", example});
  EXPECT_EQ(again.exit_code, 0) << again.Describe();
  // kubectl sends the parameter list again (the stored one has Katib's defaults filled in, as
  // from Katib's webhook); it restates the spec, which is accepted.
  EXPECT_EQ(again.out, "experiment.kubeflow.org/random configured\n");

  ProcessResult table = RunKubectl({"get", "experiments", "-n", "kubeflow"});
  ASSERT_EQ(table.exit_code, 0) << table.Describe();
  EXPECT_TRUE(Contains(table.out, "NAME")) << table.out;
  EXPECT_TRUE(Contains(table.out, "TYPE")) << table.out;
  EXPECT_TRUE(Contains(table.out, "random")) << table.out;

  Json object = GetJson({"experiment", "random", "-n", "kubeflow"});
  EXPECT_EQ(object["kind"], "Experiment");
  EXPECT_EQ(object["spec"]["maxTrialCount"], 12);
  EXPECT_EQ(object["spec"]["algorithm"]["algorithmName"], "random");
  EXPECT_FALSE(object["metadata"]["uid"].get<std::string>().empty());
  EXPECT_FALSE(object["metadata"]["resourceVersion"].get<std::string>().empty());
  EXPECT_EQ(object["status"]["conditions"][0]["type"], "Created");

  ProcessResult described = RunKubectl({"describe", "experiment", "random", "-n", "kubeflow"});
  ASSERT_EQ(described.exit_code, 0) << described.Describe();
  EXPECT_TRUE(Contains(described.out, "Name:")) << described.out;
  EXPECT_TRUE(Contains(described.out, "random")) << described.out;
  EXPECT_TRUE(Contains(described.out, "Max Trial Count:")) << described.out;
  EXPECT_TRUE(Contains(described.out, "Conditions:")) << described.out;

  // The example's image cannot run here: its trials fail and the experiment ends Failed
  // (maxFailedTrialCount 3), which the watch sees.
  ProcessResult waited = RunKubectl(
      {"wait", "--for=condition=Failed", "experiment/random", "-n", "kubeflow", "--timeout=60s"},
      90s);
  EXPECT_EQ(waited.exit_code, 0) << waited.Describe();
  EXPECT_EQ(waited.out, "experiment.kubeflow.org/random condition met\n");
  std::this_thread::sleep_for(1s);
  watch.Signal(SIGTERM);
  ProcessResult watched = watch.Wait(10s);
  EXPECT_TRUE(Contains(watched.out, "random")) << watched.Describe();
  EXPECT_TRUE(Contains(watched.out, "Failed")) << watched.Describe();

  ProcessResult trials = RunKubectl({"get", "trials", "-n", "kubeflow", "-l",
                                     "katib.kubeflow.org/experiment=random", "-o", "name"});
  EXPECT_EQ(trials.exit_code, 0) << trials.Describe();
  EXPECT_TRUE(Contains(trials.out, "trial.kubeflow.org/random-")) << trials.out;

  // Deleting is not served yet: kubectl says so, and the experiment stays.
  ProcessResult deleted = RunKubectl({"delete", "experiment", "random", "-n", "kubeflow"});
  EXPECT_NE(deleted.exit_code, 0);
  EXPECT_TRUE(Contains(deleted.err, "does not delete experiments yet")) << deleted.Describe();
  EXPECT_EQ(GetJson({"experiment", "random", "-n", "kubeflow"})["metadata"]["name"], "random");

  ProcessResult stopped = StopServe();
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_TRUE(Contains(stopped.out, "Kubernetes API for Katib's resources on https://127.0.0.1:"))
      << stopped.out;
}

TEST_F(E2eKubectlTest, WaitForSucceededAndTheOptimalTrial) {
  WriteTrial("echo \"loss=$1\"\n");
  StartServe();
  dir_.WriteFile("local.yaml", LocalExperiment("local", 4));
  ProcessResult applied = RunKubectl({"apply", "-f", dir_.Join("local.yaml")});
  ASSERT_EQ(applied.exit_code, 0) << applied.Describe();
  ProcessResult waited = RunKubectl(
      {"wait", "--for=condition=Succeeded", "experiment/local", "-n", "kubeflow", "--timeout=60s"},
      90s);
  ASSERT_EQ(waited.exit_code, 0) << waited.Describe();
  const Json object = GetJson({"experiment", "local", "-n", "kubeflow"});
  const Json& status = object["status"];
  EXPECT_EQ(status["trialsSucceeded"], 4);
  EXPECT_EQ(status["conditions"].back()["reason"], "ExperimentMaxTrialsReached");
  const Json& optimal = status["currentOptimalTrial"];
  const std::string lr = optimal["parameterAssignments"][0]["value"];
  EXPECT_EQ(optimal["observation"]["metrics"][0]["name"], "loss");
  EXPECT_EQ(std::stod(optimal["observation"]["metrics"][0]["latest"].get<std::string>()),
            std::stod(lr));
}

TEST_F(E2eKubectlTest, RefusalsArePrintedAsTheApiServerWould) {
  StartServe();
  std::string invalid = LocalExperiment("bad", 4);
  invalid.replace(invalid.find("algorithmName: random"), 21, "algorithmName: annealing");
  dir_.WriteFile("bad.yaml", invalid);
  ProcessResult refused = RunKubectl({"apply", "-f", dir_.Join("bad.yaml")});
  EXPECT_NE(refused.exit_code, 0);
  EXPECT_TRUE(Contains(refused.err,
                       "The Experiment \"bad\" is invalid: "
                       "spec.algorithm.algorithmName: unknown algorithm \"annealing\""))
      << refused.err;

  // A kubeconfig with another token is turned away.
  std::string config = ReadFile(kubeconfig_);
  const size_t token = config.find("token: ");
  ASSERT_NE(token, std::string::npos);
  config.replace(token + 7, 8, "00000000");
  dir_.WriteFile("wrong-kubeconfig", config);
  ProcessResult unauthorized = RunProcess(
      {kubectl_, "--kubeconfig", dir_.Join("wrong-kubeconfig"), "get", "experiments"}, Options());
  EXPECT_NE(unauthorized.exit_code, 0);
  EXPECT_TRUE(Contains(unauthorized.err, "Unauthorized")) << unauthorized.err;
}

}  // namespace
}  // namespace tuneup::testing
