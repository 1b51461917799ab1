// GetSuggestions latency of tuneup's Katib Suggestion service under concurrent clients, over a
// real socket on 127.0.0.1 (bench/README.md, "Katib's Suggestion service under load").
//
//   build/bench/bench_rpc_suggest [--clients 50] [--calls 20] [--observations 100]
//
// Starts the gRPC server in this process (as `tuneup serve` does), then `clients` threads each
// make `calls` GetSuggestions calls one after another, every call carrying an experiment (3
// parameters) and `observations` finished trials, asking for one assignment, as Katib's
// controller does. For random and bayesianoptimization: p50, p90, p99 and max latency in ms and
// calls/s over the whole run. A call that fails stops the harness (exit 1).
#include <grpcpp/grpcpp.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "db/sqlite_store.h"
#include "rpc/katib_api.grpc.pb.h"
#include "rpc/server.h"

namespace pb = ::api::v1::beta1;
using Clock = std::chrono::steady_clock;

namespace {

pb::GetSuggestionsRequest Request(const std::string& algorithm, int observations) {
  pb::GetSuggestionsRequest request;
  pb::Experiment* experiment = request.mutable_experiment();
  experiment->set_name("bench-" + algorithm);
  auto add = [&](const char* name, pb::ParameterType type, const char* min, const char* max) {
    pb::ParameterSpec* p = experiment->mutable_spec()->mutable_parameter_specs()->add_parameters();
    p->set_name(name);
    p->set_parameter_type(type);
    p->mutable_feasible_space()->set_min(min);
    p->mutable_feasible_space()->set_max(max);
  };
  add("lr", pb::DOUBLE, "0.0001", "0.1");
  add("momentum", pb::DOUBLE, "0.5", "0.99");
  add("layers", pb::INT, "1", "8");
  experiment->mutable_spec()->mutable_objective()->set_type(pb::MAXIMIZE);
  experiment->mutable_spec()->mutable_objective()->set_objective_metric_name("accuracy");
  experiment->mutable_spec()->mutable_algorithm()->set_algorithm_name(algorithm);
  pb::AlgorithmSetting* seed =
      experiment->mutable_spec()->mutable_algorithm()->add_algorithm_settings();
  seed->set_name("random_state");
  seed->set_value("11");
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> unit(0, 1);
  for (int i = 0; i < observations; ++i) {
    pb::Trial* trial = request.add_trials();
    trial->set_name("bench-" + std::to_string(i));
    auto* assignments = trial->mutable_spec()->mutable_parameter_assignments();
    const double lr = 0.0001 + unit(random) * 0.0999;
    const double momentum = 0.5 + unit(random) * 0.49;
    const int layers = 1 + static_cast<int>(unit(random) * 8) % 8;
    for (auto [name, value] : {std::pair<const char*, std::string>{"lr", std::to_string(lr)},
                               {"momentum", std::to_string(momentum)},
                               {"layers", std::to_string(layers)}}) {
      pb::ParameterAssignment* a = assignments->add_assignments();
      a->set_name(name);
      a->set_value(value);
    }
    trial->mutable_status()->set_condition(pb::TrialStatus::SUCCEEDED);
    pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
    metric->set_name("accuracy");
    metric->set_value(std::to_string(1 - (lr - 0.01) * (lr - 0.01) * 50 -
                                     (momentum - 0.9) * (momentum - 0.9) - 0.01 * layers));
  }
  request.set_current_request_number(1);
  request.set_total_request_number(observations + 1);
  return request;
}

double Percentile(std::vector<double>& sorted, double p) {
  const size_t index =
      std::min(sorted.size() - 1, static_cast<size_t>(p * static_cast<double>(sorted.size())));
  return sorted[index];
}

}  // namespace

int main(int argc, char** argv) {
  int clients = 50;
  int calls = 20;
  int observations = 100;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (std::strcmp(argv[i], "--clients") == 0) clients = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--calls") == 0) calls = std::atoi(argv[i + 1]);
    if (std::strcmp(argv[i], "--observations") == 0) observations = std::atoi(argv[i + 1]);
  }
  char dir[] = "/tmp/bench-rpc-suggest-XXXXXX";
  if (::mkdtemp(dir) == nullptr) return 1;
  tuneup::SqliteStore store(std::string(dir) + "/tuneup.db");
  tuneup::RpcServerOptions options;
  options.address = "127.0.0.1:0";
  auto server = tuneup::RpcServer::Start(store, options);
  const std::string address = "127.0.0.1:" + std::to_string(server->port());
  std::printf(
      "GetSuggestions over %s: %d clients x %d calls, %d observations per request, "
      "%u hardware threads\n",
      address.c_str(), clients, calls, observations, std::thread::hardware_concurrency());
  std::printf(
      "| algorithm | p50 ms | p90 ms | p99 ms | max ms | calls/s "
      "|\n|---|---:|---:|---:|---:|---:|\n");
  for (const std::string algorithm : {"random", "bayesianoptimization"}) {
    const pb::GetSuggestionsRequest request = Request(algorithm, observations);
    std::vector<std::vector<double>> latencies(static_cast<size_t>(clients));
    std::vector<std::thread> threads;
    bool failed = false;
    const auto start = Clock::now();
    for (int c = 0; c < clients; ++c) {
      threads.emplace_back([&, c] {
        auto stub = pb::Suggestion::NewStub(
            grpc::CreateChannel(address, grpc::InsecureChannelCredentials()));
        for (int i = 0; i < calls; ++i) {
          grpc::ClientContext context;
          pb::GetSuggestionsReply reply;
          const auto before = Clock::now();
          grpc::Status status = stub->GetSuggestions(&context, request, &reply);
          const auto after = Clock::now();
          if (!status.ok() || reply.parameter_assignments_size() != 1) {
            std::fprintf(stderr, "call failed: %s\n", status.error_message().c_str());
            failed = true;
            return;
          }
          latencies[static_cast<size_t>(c)].push_back(
              std::chrono::duration<double, std::milli>(after - before).count());
        }
      });
    }
    for (auto& thread : threads)
      thread.join();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    if (failed) return 1;
    std::vector<double> all;
    for (const auto& per_client : latencies)
      all.insert(all.end(), per_client.begin(), per_client.end());
    std::sort(all.begin(), all.end());
    std::printf("| %s | %.2f | %.2f | %.2f | %.2f | %.0f |\n", algorithm.c_str(),
                Percentile(all, 0.50), Percentile(all, 0.90), Percentile(all, 0.99), all.back(),
                static_cast<double>(all.size()) / seconds);
  }
  server->Shutdown();
  std::filesystem::remove_all(dir);
  return 0;
}
