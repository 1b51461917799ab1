// `tuneup serve`: one process serving Katib's gRPC services over a real socket and running every
// unfinished experiment of the store to its end; SIGTERM stops it cleanly.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "db/store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/rpc_client.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;

class E2eServeTest : public E2eRunTest {
 protected:
  // Experiment `name` (4 trials of about 0.3 s, 2 at a time), started with `tuneup run` and
  // interrupted after its first trials: unfinished in the store.
  void StartAndInterrupt(const std::string& name) {
    Manifest manifest;
    manifest.name = name;
    manifest.parallel = 2;
    manifest.max_trials = 4;
    // Absolute: a stored experiment has no manifest directory (see ServeCommand).
    manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
    dir_.WriteFile(name + ".yaml", Yaml(manifest));
    Process run(Argv({"run", dir_.Join(name + ".yaml"), "--workdir", workdir()}), Options());
    std::this_thread::sleep_for(500ms);
    run.Signal(SIGTERM);
    ProcessResult result = run.Wait(30s);
    ASSERT_EQ(result.exit_code, 130) << result.Describe();
  }

  ExperimentState StateOf(const std::string& name) {
    return OpenStore(workdir() + "/tuneup.db")->GetExperiment(name)->status.state;
  }
};

TEST_F(E2eServeTest, ServesKatibsServicesAndRunsEveryUnfinishedExperimentToItsEnd) {
  WriteTrial("sleep 0.3\necho \"loss=$1\"\n");
  StartAndInterrupt("first");
  StartAndInterrupt("second");
  ASSERT_EQ(StateOf("first"), ExperimentState::kRunning);
  ASSERT_EQ(StateOf("second"), ExperimentState::kRunning);

  const std::string port_file = dir_.Join("port");
  Process serve(
      Argv({"serve", "--listen", "127.0.0.1:0", "--port-file", port_file, "--workdir", workdir()}),
      Options());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!std::filesystem::exists(port_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(std::filesystem::exists(port_file)) << serve.Wait(1s).Describe();
  RpcClient client(std::stoi(ReadFile(port_file)));
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
  ASSERT_TRUE(client.Check("api.v1.beta1.Suggestion", &serving).ok());
  EXPECT_EQ(serving, HealthCheckResponse::SERVING);
  // Katib's DBManager answers for the store the experiments run in.
  EXPECT_FALSE(client.GetAll("first-0001").empty());

  while ((StateOf("first") == ExperimentState::kRunning ||
          StateOf("second") == ExperimentState::kRunning) &&
         std::chrono::steady_clock::now() < deadline + 30s) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(StateOf("first"), ExperimentState::kSucceeded);
  EXPECT_EQ(StateOf("second"), ExperimentState::kSucceeded);
  for (const std::string name : {"first", "second"}) {
    auto trials = OpenStore(workdir() + "/tuneup.db")->ListTrials(name);
    ASSERT_EQ(trials.size(), 4u) << name;
    for (const auto& trial : trials)
      EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << ": " << trial.message;
  }

  serve.Signal(SIGTERM);
  ProcessResult stopped = serve.Wait(30s);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_TRUE(Contains(stopped.out, "experiment first: resumed with")) << stopped.out;
  EXPECT_TRUE(Contains(stopped.out, "experiment second: Succeeded (ExperimentMaxTrialsReached)"))
      << stopped.out;
  EXPECT_TRUE(Contains(stopped.out, "tuneup serve: stopped")) << stopped.out;
}

TEST_F(E2eServeTest, SigtermInterruptsTheRunningExperimentsResumablyAndStops) {
  WriteTrial("sleep 0.3\necho \"loss=$1\"\n");
  StartAndInterrupt("slow");
  WriteTrial("sleep 30\necho \"loss=$1\"\n");  // the resumed trials run until stopped
  const std::string port_file = dir_.Join("port");
  Process serve(Argv({"serve", "--listen", "127.0.0.1:0", "--port-file", port_file, "--workdir",
                      workdir(), "--kill-grace", "1"}),
                Options());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!std::filesystem::exists(port_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  std::this_thread::sleep_for(500ms);
  serve.Signal(SIGTERM);
  ProcessResult stopped = serve.Wait(30s);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_TRUE(Contains(stopped.out, "experiment slow: Running (interrupted)")) << stopped.out;
  EXPECT_EQ(StateOf("slow"), ExperimentState::kRunning) << "resumable";
  for (const auto& trial : OpenStore(workdir() + "/tuneup.db")->ListTrials("slow"))
    EXPECT_NE(trial.status, TrialStatus::kRunning) << trial.name;
}

TEST_F(E2eServeTest, AnAddressItCannotListenOnIsAUsageError) {
  ProcessResult result = Tuneup({"serve", "--listen", "nonsense", "--workdir", workdir()});
  EXPECT_EQ(result.exit_code, 2) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "is not host:port")) << result.Describe();
}

}  // namespace
}  // namespace tuneup::testing
