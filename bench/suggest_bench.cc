// Latency of one Suggest call for 1 proposal, as the controller makes it each time a trial slot
// frees up, given the experiment's history so far (100, 1,000, 10,000 trials) on a 6-D mixed
// space. Algorithms are pure with respect to history (suggestion/algorithm.h), so the history is
// the input that matters: random ignores it, grid rebuilds its set of tried points from it.
#include <benchmark/benchmark.h>

#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"
#include "suggestion/grid_search.h"
#include "suggestion/random_search.h"
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

BENCHMARK(BM_RandomSuggest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggest)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestCold)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestSeeded)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMicrosecond);
BENCHMARK(BM_GridSuggestForeignHistory)
    ->Arg(100)
    ->Arg(1000)
    ->Arg(10000)
    ->Unit(benchmark::kMicrosecond);

}  // namespace
}  // namespace tuneup

BENCHMARK_MAIN();
