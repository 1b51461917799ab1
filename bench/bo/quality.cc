// Quality of tuneup's Bayesian optimisation (and random search, for scale) on the test problems
// of bench/bo/problems.h: for each problem and seed, 50 sequential trials with Katib's default
// bayesianoptimization settings (GP, 10 initial points, gp_hedge, acq_optimizer auto) and
// random_state = seed. Prints one JSON object per run:
//   {"system": "tuneup-bo", "problem": "branin", "seed": 3, "best": 0.41, "regret": 0.012,
//    "seconds": 0.8, "trace": [...best so far after each trial...]}
// Usage: bench_bo_quality [--trials=50] [--seeds=10] [--problems=branin,mixed] [--random]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <set>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bo/problems.h"
#include "suggestion/registry.h"

namespace tuneup::bench {
namespace {

Experiment MakeExperiment(const Problem& problem, const std::string& algorithm, int seed) {
  return testing::SearchExperiment(algorithm, problem.parameters,
                                   {{"random_state", std::to_string(seed)}});
}

nlohmann::json Run(const Problem& problem, const std::string& algorithm, int seed, int budget) {
  Experiment experiment = MakeExperiment(problem, algorithm, seed);
  auto start = std::chrono::steady_clock::now();
  std::unique_ptr<Algorithm> search = AlgorithmRegistry::Default().Create(experiment);
  std::vector<Trial> trials;
  double best = std::numeric_limits<double>::infinity();
  nlohmann::json trace = nlohmann::json::array();
  for (int i = 0; i < budget; ++i) {
    SuggestReply reply = search->Suggest(trials, 1);
    if (reply.proposals.empty()) break;
    Trial trial;
    trial.sequence = i;
    trial.name = problem.name + "-" + std::to_string(i);
    trial.assignment = reply.proposals.front().assignment;
    trial.objective = problem.objective(trial.assignment);
    trial.status = TrialStatus::kSucceeded;
    best = std::min(best, *trial.objective);
    trace.push_back(best);
    trials.push_back(std::move(trial));
  }
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return {{"system", algorithm == "random" ? "tuneup-random" : "tuneup-bo"},
          {"problem", problem.name},
          {"seed", seed},
          {"trials", static_cast<int>(trials.size())},
          {"best", best},
          {"regret", best - problem.optimum},
          {"seconds", seconds},
          {"trace", trace}};
}

}  // namespace
}  // namespace tuneup::bench

int main(int argc, char** argv) {
  using namespace tuneup::bench;
  int budget = 50, seeds = 10;
  bool with_random = false;
  std::set<std::string> only;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg.rfind("--trials=", 0) == 0)
      budget = std::atoi(arg.c_str() + 9);
    else if (arg.rfind("--seeds=", 0) == 0)
      seeds = std::atoi(arg.c_str() + 8);
    else if (arg == "--random")
      with_random = true;
    else if (arg.rfind("--problems=", 0) == 0) {
      std::stringstream list(arg.substr(11));
      std::string name;
      while (std::getline(list, name, ','))
        only.insert(name);
    } else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  for (const auto& problem : Problems()) {
    if (!only.empty() && !only.count(problem.name)) continue;
    for (int seed = 0; seed < seeds; ++seed) {
      std::printf("%s\n", Run(problem, "bayesianoptimization", seed, budget).dump().c_str());
      if (with_random) std::printf("%s\n", Run(problem, "random", seed, budget).dump().c_str());
      std::fflush(stdout);
    }
  }
  return 0;
}
