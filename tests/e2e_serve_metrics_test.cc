// `tuneup serve --metrics-listen`: Prometheus /metrics of a real server, scraped over a real
// socket while it runs a submitted experiment to its end and answers Katib's Suggestion service.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <filesystem>
#include <map>
#include <thread>

#include "common/text.h"
#include "db/store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/rpc_client.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;

class E2eServeMetricsTest : public E2eRunTest {
 protected:
  // `tuneup serve` with gRPC and metrics on free ports of 127.0.0.1; fills the two ports once it
  // listens on both.
  std::unique_ptr<Process> StartServe(int& grpc_port, int& metrics_port) {
    auto serve = std::make_unique<Process>(
        Argv({"serve", "--listen", "127.0.0.1:0", "--port-file", dir_.Join("port"),
              "--metrics-listen", "127.0.0.1:0", "--metrics-port-file", dir_.Join("metrics-port"),
              "--workdir", workdir(), "--kill-grace", "1"}),
        Options());
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (!std::filesystem::exists(dir_.Join("metrics-port")) &&
           std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(20ms);
    }
    EXPECT_TRUE(std::filesystem::exists(dir_.Join("metrics-port")));
    grpc_port = std::stoi(ReadFile(dir_.Join("port")));
    metrics_port = std::stoi(ReadFile(dir_.Join("metrics-port")));
    return serve;
  }

  // One GetSuggestions call of Katib's Suggestion service, as Katib's controller makes it.
  static void AskForASuggestion(int grpc_port) {
    katib_pb::GetSuggestionsRequest request;
    katib_pb::Experiment* experiment = request.mutable_experiment();
    experiment->set_name("from-katib");
    katib_pb::ParameterSpec* x =
        experiment->mutable_spec()->mutable_parameter_specs()->add_parameters();
    x->set_name("x");
    x->set_parameter_type(katib_pb::DOUBLE);
    x->mutable_feasible_space()->set_min("0");
    x->mutable_feasible_space()->set_max("1");
    experiment->mutable_spec()->mutable_objective()->set_type(katib_pb::MINIMIZE);
    experiment->mutable_spec()->mutable_objective()->set_objective_metric_name("loss");
    experiment->mutable_spec()->mutable_algorithm()->set_algorithm_name("random");
    request.set_current_request_number(2);
    request.set_total_request_number(2);
    katib_pb::GetSuggestionsReply reply;
    grpc::Status status = RpcClient(grpc_port).GetSuggestions(request, &reply);
    EXPECT_TRUE(status.ok()) << Describe(status);
    EXPECT_EQ(reply.parameter_assignments_size(), 2);
  }
};

TEST_F(E2eServeMetricsTest, ScrapesShowTheExperimentTrialsSuggestionsAndExecutor) {
  WriteTrial("sleep 0.1\necho \"loss=$1\"\n");
  Manifest manifest;
  manifest.parallel = 2;
  manifest.max_trials = 5;
  manifest.command = {dir_.Join("trial.sh"), "${trialParameters.x}"};
  WriteManifest(manifest);
  int grpc_port = 0;
  int metrics_port = 0;
  std::unique_ptr<Process> serve = StartServe(grpc_port, metrics_port);

  MetricsScrape before = ScrapeMetrics(metrics_port);
  ASSERT_EQ(before.error, "");
  EXPECT_EQ(before.Value("tuneup_experiments", {{"state", "Succeeded"}}), 0) << before.body;
  EXPECT_EQ(before.Value("tuneup_executor_queue_depth"), 0) << before.body;
  EXPECT_EQ(before.Value("tuneup_executor_running_jobs"), 0) << before.body;

  const std::string server = "127.0.0.1:" + std::to_string(grpc_port);
  ProcessResult submitted = Tuneup({"submit", manifest_path(), "--server", server});
  ASSERT_EQ(submitted.exit_code, 0) << submitted.Describe();
  ProcessResult watched = Tuneup({"watch", "e2e", "--server", server});
  EXPECT_EQ(watched.exit_code, 0) << watched.Describe();
  AskForASuggestion(grpc_port);

  MetricsScrape after = ScrapeMetrics(metrics_port);
  ASSERT_EQ(after.error, "");
  EXPECT_TRUE(after.warnings.empty()) << after.body;
  EXPECT_EQ(after.Value("tuneup_experiments", {{"state", "Succeeded"}}), 1) << after.body;
  EXPECT_EQ(after.Value("tuneup_experiments", {{"state", "Running"}}), 0) << after.body;
  // The trial gauges say what the store says.
  std::map<std::string, int> stored;
  for (const auto& trial : OpenStore(workdir() + "/tuneup.db")->ListTrials("e2e"))
    ++stored[std::string(TrialStatusName(trial.status))];
  EXPECT_EQ(stored["Succeeded"], 5);
  for (const char* state : {"Pending", "Running", "Succeeded", "Failed", "Killed", "EarlyStopped",
                            "MetricsUnavailable"}) {
    EXPECT_EQ(after.Value("tuneup_trials", {{"state", state}}), stored[state]) << state << "\n"
                                                                               << after.body;
  }
  const std::optional<double> controller = after.Value(
      "tuneup_suggestion_seconds_count", {{"algorithm", "random"}, {"source", "controller"}});
  EXPECT_GT(controller.value_or(0), 0) << after.body;
  EXPECT_EQ(
      after.Value("tuneup_suggestion_seconds_count", {{"algorithm", "random"}, {"source", "grpc"}}),
      1)
      << after.body;
  EXPECT_EQ(after.Value("tuneup_executor_queue_depth"), 0) << after.body;
  EXPECT_EQ(after.Value("tuneup_executor_running_jobs"), 0) << after.body;
  EXPECT_EQ(after.Value("tuneup_trials_started_total"), 5) << after.body;
  EXPECT_EQ(after.Value("tuneup_trials_finished_total", {{"status", "Succeeded"}}), 5)
      << after.body;

  serve->Signal(SIGTERM);
  ProcessResult stopped = serve->Wait(30s);
  EXPECT_EQ(stopped.exit_code, 0) << stopped.Describe();
  EXPECT_TRUE(Contains(stopped.out,
                       "metrics at http://127.0.0.1:" + std::to_string(metrics_port) + "/metrics"))
      << stopped.out;
}

TEST_F(E2eServeMetricsTest, ABadMetricsAddressIsAUsageErrorNamingTheOption) {
  ProcessResult malformed = Tuneup(
      {"serve", "--listen", "127.0.0.1:0", "--metrics-listen", "9090", "--workdir", workdir()});
  EXPECT_EQ(malformed.exit_code, 2) << malformed.Describe();
  EXPECT_TRUE(Contains(malformed.err, "--metrics-listen \"9090\": not HOST:PORT"))
      << malformed.Describe();

  int grpc_port = 0;
  int metrics_port = 0;
  std::unique_ptr<Process> serve = StartServe(grpc_port, metrics_port);
  ProcessResult taken =
      Tuneup({"serve", "--listen", "127.0.0.1:0", "--metrics-listen",
              "127.0.0.1:" + std::to_string(metrics_port), "--workdir", dir_.Join("other")});
  EXPECT_EQ(taken.exit_code, 2) << taken.Describe();
  EXPECT_TRUE(Contains(taken.err, "cannot listen there")) << taken.Describe();
  serve->Signal(SIGTERM);
  EXPECT_EQ(serve->Wait(30s).exit_code, 0);
}

}  // namespace
}  // namespace tuneup::testing
