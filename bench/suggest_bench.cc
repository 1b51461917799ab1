// Latency of one Suggest call for 1 proposal, as the controller makes it each time a trial slot
// frees up, given the experiment's history so far (100, 1,000, 10,000 trials) on a 6-D mixed
// space. Algorithms are pure with respect to history (suggestion/algorithm.h), so the history is
// the input that matters: random ignores it, grid rebuilds its set of tried points from it,
// Hyperband and ASHA rebuild their rungs from it on every call.
//
// Also the early stoppers' Decide, which the runner calls after every stored batch of
// observations of a running trial, with every other trial's curve.
#include <benchmark/benchmark.h>

#include <cmath>
#include <deque>
#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"
#include "suggestion/asha.h"
#include "suggestion/early_stopping.h"
#include "suggestion/grid_search.h"
#include "suggestion/hyperband.h"
#include "suggestion/random_search.h"
#include "suggestion/rng.h"
#include "tests/support/parameter_specs.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

// Two stepped doubles (one log-scaled), an int, a stepped double, a discrete and a categorical:
// 100 * 50 * 11 * 8 * 4 * 3 = 5,280,000 grid points, enough for any history here.
const SearchSpace& Space() {
  static const SearchSpace space = [] {
    ExperimentSpec spec;
    spec.parameters = {
        RangeSpec("lr", "double", "0.001", "0.1", "0.001", "logUniform"),
        RangeSpec("momentum", "double", "0.5", "0.99", "0.01"),
        RangeSpec("dropout", "double", "0", "0.5", "0.05"),
        RangeSpec("layers", "int", "1", "8", ""),
        ListSpec("batch", "discrete", {"16", "32", "64", "128"}),
        ListSpec("optimizer", "categorical", {"sgd", "adam", "ftrl"}),
    };
    return SearchSpace::FromSpecOrThrow(spec);
  }();
  return space;
}

// The first `size` trials `algorithm` itself proposes, finished: the history a real run has
// when it asks for trial number `size`.
std::vector<Trial> History(Algorithm& algorithm, int size) {
  std::vector<Trial> trials;
  SuggestReply reply = algorithm.Suggest(trials, size);
  for (auto& proposal : reply.proposals) {
    Trial trial;
    trial.sequence = static_cast<int64_t>(trials.size());
    trial.name = "bench-" + std::to_string(trial.sequence);
    trial.assignment = std::move(proposal.assignment);
    trial.status = TrialStatus::kSucceeded;
    trial.objective = 0.5;
    trials.push_back(std::move(trial));
  }
  return trials;
}

void Run(benchmark::State& state, Algorithm& algorithm, const std::vector<Trial>& history) {
  if (static_cast<int64_t>(history.size()) != state.range(0)) {
    state.SkipWithError("history is shorter than asked");
    return;
  }
  for (auto _ : state) {
    SuggestReply reply = algorithm.Suggest(history, 1);
    benchmark::DoNotOptimize(reply);
    if (reply.proposals.size() != 1) state.SkipWithError("no proposal");
  }
  state.counters["history"] = static_cast<double>(history.size());
}

void BM_RandomSuggest(benchmark::State& state) {
  RandomSearch random(Space(), 42);
  std::vector<Trial> history = History(random, static_cast<int>(state.range(0)));
  Run(state, random, history);
}

// Nested-loop order: the history is a prefix of the visiting order.
void BM_GridSuggest(benchmark::State& state) {
  GridSearch grid(Space(), std::nullopt);
  std::vector<Trial> history = History(grid, static_cast<int>(state.range(0)));
  Run(state, grid, history);
}

// Seeded (permuted) order: the same walk through a shuffled grid.
void BM_GridSuggestSeeded(benchmark::State& state) {
  GridSearch grid(Space(), 42);
  std::vector<Trial> history = History(grid, static_cast<int>(state.range(0)));
  Run(state, grid, history);
}

// A history that is not on the grid's path (random search's trials), so the first position is
// untried: what is left is the cost of reading the history into the set of tried points.
void BM_GridSuggestForeignHistory(benchmark::State& state) {
  RandomSearch random(Space(), 42);
  std::vector<Trial> history = History(random, static_cast<int>(state.range(0)));
  GridSearch grid(Space(), std::nullopt);
  Run(state, grid, history);
}

// A fresh GridSearch per call, as for a stateless Suggestion request: no cache to reuse, so the
// whole history is read every time.
void BM_GridSuggestCold(benchmark::State& state) {
  GridSearch walker(Space(), std::nullopt);
  std::vector<Trial> history = History(walker, static_cast<int>(state.range(0)));
  for (auto _ : state) {
    GridSearch grid(Space(), std::nullopt);
    benchmark::DoNotOptimize(grid.Suggest(history, 1));
  }
}

// Runs `algorithm` in batches of 100 (each batch finished with a loss drawn from the
// configuration's values) until the history has `size` trials or the algorithm runs out.
std::vector<Trial> Schedule(Algorithm& algorithm, int size) {
  std::vector<Trial> trials;
  Rng rng(7);
  while (static_cast<int>(trials.size()) < size) {
    const int batch = std::min(100, size - static_cast<int>(trials.size()));
    SuggestReply reply = algorithm.Suggest(trials, batch);
    if (reply.proposals.empty()) break;
    for (auto& proposal : reply.proposals) {
      Trial trial;
      trial.sequence = static_cast<int64_t>(trials.size());
      trial.name = "bench-" + std::to_string(trial.sequence);
      trial.assignment = std::move(proposal.assignment);
      trial.labels = std::move(proposal.labels);
      trial.status = TrialStatus::kSucceeded;
      trial.objective = rng.Uniform01();
      trials.push_back(std::move(trial));
    }
  }
  return trials;
}

Experiment ResourceExperiment(const std::string& algorithm, std::vector<NamedSetting> settings) {
  std::vector<ParameterSpec> parameters = {
      RangeSpec("lr", "double", "0.001", "0.1", "", "logUniform"),
      RangeSpec("momentum", "double", "0.5", "0.99"),
      RangeSpec("layers", "int", "1", "8"),
      ListSpec("optimizer", "categorical", {"sgd", "adam", "ftrl"}),
      RangeSpec("epochs", "int", "1", "1000"),
  };
  Experiment experiment = testing::SearchExperiment(algorithm, parameters, std::move(settings));
  experiment.spec.max_trial_count = 1'000'000;
  return experiment;
}

// ASHA (eta 3, budgets 1..729: 7 rungs) after `size` trials, all ended.
void BM_AshaSuggest(benchmark::State& state) {
  Experiment experiment = ResourceExperiment(
      "asha", {{"resource_name", "epochs"}, {"max_resource", "729"}, {"random_state", "1"}});
  AshaSearch asha(experiment, SearchSpace::FromSpecOrThrow(experiment.spec));
  Run(state, asha, Schedule(asha, static_cast<int>(state.range(0))));
}

// Hyperband (r_l 729, eta 3: 7 brackets, 1,805 trials in all) after `size` trials, all ended.
void BM_HyperbandSuggest(benchmark::State& state) {
  Experiment experiment = ResourceExperiment(
      "hyperband", {{"resource_name", "epochs"}, {"r_l", "729"}, {"random_state", "1"}});
  HyperbandSearch hyperband(experiment, SearchSpace::FromSpecOrThrow(experiment.spec));
  Run(state, hyperband, Schedule(hyperband, static_cast<int>(state.range(0))));
}

// One Decide for a running trial at step 50 against `range(0)` other trials of 100 steps each
// (half of them still running), as the runner calls it after each observation.
void RunStopper(benchmark::State& state, const std::string& name,
                std::vector<NamedSetting> settings) {
  Experiment experiment = ResourceExperiment("random", {});
  experiment.spec.early_stopping = EarlyStoppingSpec{name, std::move(settings)};
  std::unique_ptr<EarlyStopper> stopper = CreateEarlyStopper(experiment);
  const auto others = static_cast<size_t>(state.range(0));
  std::deque<Trial> trials(others + 1);
  std::vector<std::vector<double>> values(others + 1);
  Rng rng(3);
  for (size_t i = 0; i <= others; ++i) {
    trials[i].name = "bench-" + std::to_string(i);
    trials[i].status = i % 2 ? TrialStatus::kSucceeded : TrialStatus::kRunning;
    const double limit = rng.Uniform01();
    const size_t steps = i == others ? 50 : 100;
    for (size_t t = 1; t <= steps; ++t)
      values[i].push_back(limit + 1.0 / std::sqrt(static_cast<double>(t)));
  }
  std::vector<TrialCurve> curves;
  for (size_t i = 0; i < others; ++i)
    curves.push_back({&trials[i], values[i]});
  const TrialCurve running{&trials[others], values[others]};
  for (auto _ : state)
    benchmark::DoNotOptimize(stopper->Decide(running, curves));
  state.counters["trials"] = static_cast<double>(others);
}

void BM_MedianStopDecide(benchmark::State& state) {
  RunStopper(state, "medianstop", {});
}

void BM_SuccessiveHalvingDecide(benchmark::State& state) {
  RunStopper(state, "successivehalving", {});
}

BENCHMARK(BM_RandomSuggest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestCold)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestSeeded)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestForeignHistory)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

BENCHMARK(BM_AshaSuggest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_HyperbandSuggest)->Arg(100)->Arg(1000)->Arg(1805)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_MedianStopDecide)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_SuccessiveHalvingDecide)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tuneup

BENCHMARK_MAIN();
