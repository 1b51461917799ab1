// `tuneup serve`: one process serving Katib's gRPC services over a real socket and running every
// unfinished experiment of the store to its end; SIGTERM stops it cleanly.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "common/text.h"
#include "db/store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/fake_kube_api.h"
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

  // `tuneup serve` on a free port of 127.0.0.1; its address ("127.0.0.1:PORT") once it listens.
  std::string StartServe(std::unique_ptr<Process>& serve) {
    const std::string port_file = dir_.Join("port");
    serve =
        std::make_unique<Process>(Argv({"serve", "--listen", "127.0.0.1:0", "--port-file",
                                        port_file, "--workdir", workdir(), "--kill-grace", "1"}),
                                  Options());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!std::filesystem::exists(port_file) && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(20ms);
    EXPECT_TRUE(std::filesystem::exists(port_file));
    return "127.0.0.1:" + std::to_string(std::stoi(ReadFile(port_file)));
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
  // Katib's DBManager answers for the store the experiments run in: the first trial's values are
  // there once it has reported (before the interruption, or after its re-run on a loaded machine).
  bool reported = false;
  while (!(reported = !client.GetAll("first-0001").empty()) &&
         std::chrono::steady_clock::now() < deadline + 30s)
    std::this_thread::sleep_for(50ms);
  EXPECT_TRUE(reported);

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

TEST_F(E2eServeTest, SubmitRunsAnExperimentThatWatchAndGetFollowToItsEnd) {
  WriteTrial("sleep 0.2\necho \"loss=$1\"\n");
  Manifest manifest;
  manifest.parallel = 2;
  manifest.max_trials = 4;
  manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
  WriteManifest(manifest);
  std::unique_ptr<Process> serve;
  const std::string server = StartServe(serve);

  ProcessResult submitted = Tuneup({"submit", manifest_path(), "--server", server});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.Describe();
  EXPECT_TRUE(Contains(submitted.out, "experiment/e2e created")) << submitted.out;
  // The same again changes nothing; the same name with another spec is refused.
  ProcessResult again = Tuneup({"submit", manifest_path(), "--server", server});
  EXPECT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_TRUE(Contains(again.out, "experiment/e2e unchanged")) << again.out;
  Manifest other = manifest;
  other.max_trials = 5;
  dir_.WriteFile("other.yaml", Yaml(other));
  ProcessResult clash = Tuneup({"submit", dir_.Join("other.yaml"), "--server", server});
  EXPECT_EQ(clash.exit_code, 1) << clash.Describe();
  EXPECT_TRUE(Contains(clash.err, "exists with a different spec")) << clash.err;
  EXPECT_TRUE(Contains(clash.err, "maxTrialCount")) << clash.err;
  Manifest invalid = manifest;
  invalid.name = "bad";
  invalid.parallel = 0;
  dir_.WriteFile("invalid.yaml", Yaml(invalid));
  ProcessResult refused = Tuneup({"submit", dir_.Join("invalid.yaml"), "--server", server});
  EXPECT_EQ(refused.exit_code, 2) << refused.Describe();
  EXPECT_TRUE(Contains(refused.err, "spec.parallelTrialCount")) << refused.err;

  ProcessResult watched = Tuneup({"watch", "e2e", "--server", server});
  EXPECT_EQ(watched.exit_code, 0) << watched.Describe();
  EXPECT_TRUE(Contains(watched.out, "e2e  Succeeded  4 Succeeded | best e2e-")) << watched.out;

  ProcessResult trials = Tuneup({"get", "trials", "e2e", "--server", server, "-o", "json"});
  ASSERT_EQ(trials.exit_code, 0) << trials.Describe();
  Json list = Json::parse(trials.out);
  ASSERT_EQ(list.size(), 4u);
  for (const auto& trial : list)
    EXPECT_EQ(trial["status"], "Succeeded") << trial.dump();
  ProcessResult experiments = Tuneup({"get", "experiments", "--server", server});
  EXPECT_TRUE(Contains(experiments.out, "e2e  Succeeded  4 Succeeded")) << experiments.out;
  EXPECT_FALSE(Contains(experiments.out, "bad")) << "an invalid manifest is never stored";

  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(30s).exit_code, 0);
  ProcessResult gone = Tuneup({"get", "experiments", "--server", server});
  EXPECT_EQ(gone.exit_code, 1) << gone.Describe();
  EXPECT_TRUE(Contains(gone.err, "tuneup serve at " + server)) << gone.err;
}

TEST_F(E2eServeTest, TwentyExperimentsRunAtOnce) {
  WriteTrial("echo \"loss=$1\"\n");
  std::unique_ptr<Process> serve;
  const std::string server = StartServe(serve);
  std::vector<std::string> files;
  for (int i = 0; i < 20; ++i) {
    Manifest manifest;
    manifest.name = "many-" + std::to_string(i);
    manifest.parallel = 2;
    manifest.max_trials = 3;
    manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
    files.push_back(dir_.Join(manifest.name + ".yaml"));
    dir_.WriteFile(manifest.name + ".yaml", Yaml(manifest));
  }
  std::vector<std::string> args = {"submit", "--server", server};
  args.insert(args.end(), files.begin(), files.end());
  ProcessResult submitted = Tuneup(args);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.Describe();
  for (int i = 0; i < 20; ++i) {
    ProcessResult watched = Tuneup({"watch", "many-" + std::to_string(i), "--server", server});
    EXPECT_EQ(watched.exit_code, 0) << watched.Describe();
  }
  auto store = OpenStore(workdir() + "/tuneup.db");
  for (int i = 0; i < 20; ++i) {
    const std::string name = "many-" + std::to_string(i);
    EXPECT_EQ(store->GetExperiment(name)->status.state, ExperimentState::kSucceeded) << name;
    EXPECT_EQ(store->ListTrials(name).size(), 3u) << name;
  }
  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(30s).exit_code, 0);
}

TEST_F(E2eServeTest, AServerKilledMidRunResumesEveryExperimentWithoutRunningATrialTwice) {
  WriteTrial(LoggingTrialScript(3));
  std::vector<std::string> args = {"submit"};
  for (int i = 0; i < 3; ++i) {
    Manifest manifest;
    manifest.name = "crash-" + std::to_string(i);
    manifest.parallel = 2;
    manifest.max_trials = 4;
    manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
    dir_.WriteFile(manifest.name + ".yaml", Yaml(manifest));
    args.push_back(dir_.Join(manifest.name + ".yaml"));
  }
  std::unique_ptr<Process> serve;
  std::string server = StartServe(serve);
  args.insert(args.end(), {"--server", server});
  ProcessResult submitted = Tuneup(args);
  ASSERT_EQ(submitted.exit_code, 0) << submitted.Describe();
  std::this_thread::sleep_for(700ms);
  serve->Signal(SIGKILL);
  serve->Wait(10s);
  std::filesystem::remove(dir_.Join("port"));

  server = StartServe(serve);
  for (int i = 0; i < 3; ++i) {
    ProcessResult watched = Tuneup({"watch", "crash-" + std::to_string(i), "--server", server});
    EXPECT_EQ(watched.exit_code, 0) << watched.Describe();
  }
  serve->Signal(SIGTERM);
  ProcessResult stopped = serve->Wait(30s);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_TRUE(Contains(stopped.out, "experiment crash-0: resumed")) << stopped.out;
  // The trials' own log, written in the work directory (the serve's workingDir "."): every one
  // of the 12 trials started and ended exactly once.
  std::map<std::string, TrialRuns> runs = ReadTrialRuns(ReadFile(workdir() + "/trials.log"));
  EXPECT_EQ(runs.size(), 12u);
  for (const auto& [trial, count] : runs) {
    EXPECT_EQ(count.starts, 1) << trial;
    EXPECT_EQ(count.ends, 1) << trial;
  }
}

TEST_F(E2eServeTest, WithTlsAndTokensOnlyClientsWithTheRightTokenGetIn) {
  TestCertificate certificate = MakeTestCertificate();
  dir_.WriteFile("server.crt", certificate.cert_pem);
  dir_.WriteFile("server.key", certificate.key_pem);
  dir_.WriteFile("tokens", "first-token\n\n  second-token  \n");
  WriteTrial("echo \"loss=$1\"\n");
  Manifest manifest;
  manifest.max_trials = 3;
  manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
  WriteManifest(manifest);
  const std::string port_file = dir_.Join("port");
  Process serve(Argv({"serve", "--listen", "127.0.0.1:0", "--port-file", port_file, "--workdir",
                      workdir(), "--tls-cert", dir_.Join("server.crt"), "--tls-key",
                      dir_.Join("server.key"), "--token-file", dir_.Join("tokens")}),
                Options());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!std::filesystem::exists(port_file) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  const std::string server = "127.0.0.1:" + std::to_string(std::stoi(ReadFile(port_file)));
  const std::string ca = dir_.Join("server.crt");

  ProcessResult no_token = Tuneup({"submit", manifest_path(), "--server", server, "--ca", ca});
  EXPECT_EQ(no_token.exit_code, 1) << no_token.Describe();
  EXPECT_TRUE(Contains(no_token.err, "bearer token")) << no_token.err;
  ProcessResult wrong = Tuneup(
      {"submit", manifest_path(), "--server", server, "--ca", ca, "--token", "first-tokens"});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.Describe();
  ProcessResult plain =
      Tuneup({"submit", manifest_path(), "--server", server, "--token", "first-token"});
  EXPECT_EQ(plain.exit_code, 1) << plain.Describe();
  EXPECT_FALSE(OpenStore(workdir() + "/tuneup.db")->GetExperiment("e2e")) << "nothing stored";

  ProcessResult right = Tuneup(
      {"submit", manifest_path(), "--server", server, "--ca", ca, "--token", "second-token"});
  EXPECT_EQ(right.exit_code, 0) << right.Describe();
  ProcessResult watched =
      Tuneup({"watch", "e2e", "--server", server, "--ca", ca, "--token", "first-token"});
  EXPECT_EQ(watched.exit_code, 0) << watched.Describe();
  EXPECT_TRUE(Contains(watched.out, "Succeeded")) << watched.out;
  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(30s).exit_code, 0);
}

TEST_F(E2eServeTest, AnAddressItCannotListenOnIsAUsageError) {
  ProcessResult result = Tuneup({"serve", "--listen", "nonsense", "--workdir", workdir()});
  EXPECT_EQ(result.exit_code, 2) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "is not host:port")) << result.Describe();
}

}  // namespace
}  // namespace tuneup::testing
