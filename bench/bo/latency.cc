// Latency of one Bayesian-optimisation suggestion with n observations in 6-D, the way a run sees
// it: the model already holds n - 1 observations, one more trial has finished, one suggestion is
// asked for (median over repeats; a hyperparameter refit falls on some of them and is reported
// as the maximum). Also the cold cost: a fresh algorithm reading the whole history (a restart,
// or a stateless request). Peak RSS is printed at the end.
//
// Usage: bench_bo_latency [--no-cold] [--repeats=R] [n ...]   (default 100 300 1000 2000)
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/search_space.h"
#include "bench/bo/problems.h"
#include "common/text.h"
#include "suggestion/bayesian_optimization.h"
#include "suggestion/rng.h"
#include "tests/support/parameter_specs.h"

namespace tuneup {
namespace {

using Stopwatch = std::chrono::steady_clock;

Experiment MakeExperiment() {
  std::vector<ParameterSpec> parameters;
  for (int i = 0; i < 6; ++i) {
    parameters.push_back(testing::RangeSpec("x" + std::to_string(i), "double", "0", "1"));
  }
  return testing::SearchExperiment("bayesianoptimization", std::move(parameters),
                                   {{"random_state", "1"}});
}

Trial RandomTrial(int64_t sequence, Rng& rng) {
  Trial trial;
  trial.sequence = sequence;
  trial.name = "t-" + std::to_string(sequence);
  std::vector<double> x(6);
  for (int j = 0; j < 6; ++j) {
    x[j] = rng.Uniform01();
    trial.assignment.push_back({"x" + std::to_string(j), FormatDouble(x[j])});
  }
  trial.status = TrialStatus::kSucceeded;
  trial.objective = bench::Hartmann6(x);  // the 6-D function of the quality bench
  return trial;
}

double Seconds(Stopwatch::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace
}  // namespace tuneup

int main(int argc, char** argv) {
  using namespace tuneup;
  std::vector<int> sizes;
  bool cold_too = true;
  int repeats = 10;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--no-cold") {
      cold_too = false;
    } else if (arg.rfind("--repeats=", 0) == 0) {
      repeats = std::atoi(arg.c_str() + 10);
    } else {
      sizes.push_back(std::atoi(arg.c_str()));
    }
  }
  if (sizes.empty()) sizes = {100, 300, 1000, 2000};
  const Experiment experiment = MakeExperiment();
  const SearchSpace space = SearchSpace::FromSpecOrThrow(experiment.spec);
  std::printf("%-6s %12s %12s %12s\n", "n", "median_ms", "max_ms", "cold_ms");
  for (int n : sizes) {
    Rng rng(42);
    std::vector<Trial> trials;
    for (int i = 0; i < n - repeats; ++i)
      trials.push_back(RandomTrial(i, rng));
    std::vector<double> times;
    {
      BayesianOptimization warm(experiment, space);
      warm.Suggest(trials, 1);  // builds the model
      for (int r = 0; r < repeats; ++r) {
        trials.push_back(RandomTrial(static_cast<int64_t>(trials.size()), rng));
        auto start = Stopwatch::now();
        SuggestReply reply = warm.Suggest(trials, 1);
        times.push_back(Seconds(Stopwatch::now() - start));
        if (reply.proposals.size() != 1) return 1;
      }
    }  // one model at a time: the peak RSS is one model's
    std::sort(times.begin(), times.end());
    double cold_seconds = 0;
    if (cold_too) {
      BayesianOptimization cold(experiment, space);
      auto start = Stopwatch::now();
      cold.Suggest(trials, 1);
      cold_seconds = Seconds(Stopwatch::now() - start);
    }
    std::printf("%-6d %12.2f %12.2f %12.2f\n", n, 1000 * times[times.size() / 2],
                1000 * times.back(), 1000 * cold_seconds);
    std::fflush(stdout);
  }
  struct rusage usage {};
  getrusage(RUSAGE_SELF, &usage);
  std::printf("peak_rss_mb %.1f\n", static_cast<double>(usage.ru_maxrss) / 1024.0);
  return 0;
}
