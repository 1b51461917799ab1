// Throughput of the text metrics parser on what trials print: ordinary training logs, where
// most lines hold no metric, and the worst a hostile trial can do within the line cap.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "bench/metrics_inputs.h"
#include "metrics-collector/text_parser.h"

namespace tuneup {
namespace {

// One 1 MB line without '=' (under the 1 MiB cap, so it is scanned, not skipped).
std::string LongLineWithoutEquals() {
  std::string line;
  while (line.size() < 1'000'000 - 1)
    line += "loss accuracy 0.123 epoch ";
  line.resize(1'000'000 - 1);
  line += '\n';
  return line;
}

// One 1 MB line of pairs, a third of them metrics: every '=' is a match to check, and the
// metric name prefilter cannot skip the line.
std::string LongLineOfPairs() {
  std::string line;
  while (line.size() < 1'000'000 - 1)
    line += "loss=0.5 a=1 bb=2 ";
  line.resize(1'000'000 - 1);
  line += '\n';
  return line;
}

void Run(benchmark::State& state, const std::string& input,
         const std::vector<std::string>& filters) {
  const Timestamp now = Timestamp(std::chrono::seconds(1'700'000'000));
  constexpr size_t kChunk = size_t{64} * 1024;  // what a pipe read delivers
  size_t observations = 0;
  for (auto _ : state) {
    TextParserOptions options;
    options.metric_names = {"loss", "accuracy"};
    options.filters = filters;
    auto parser = MakeTextMetricParser(std::move(options));
    std::vector<Observation> out;
    std::string_view rest = input;
    while (!rest.empty()) {
      size_t n = std::min(kChunk, rest.size());
      parser->Feed(rest.substr(0, n), now, out);
      rest.remove_prefix(n);
    }
    parser->Finish(now, out);
    observations = out.size();
    benchmark::DoNotOptimize(out.data());
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations() * input.size()));
  state.counters["observations"] = static_cast<double>(observations);
}

const std::string& Log() {
  static const std::string log = bench::TrainingLog(8 << 20);
  return log;
}

const char* kCustomFilter = R"(([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?))";

void BM_DefaultFilter_TrainingLog(benchmark::State& state) {
  Run(state, Log(), {});
}
void BM_Re2KatibFilter_TrainingLog(benchmark::State& state) {
  Run(state, Log(), {kCustomFilter});
}
void BM_Re2JsonFilter_TrainingLog(benchmark::State& state) {
  Run(state, Log(), {R"re("(\w+)"\s*:\s*([\d.]+))re"});
}
void BM_DefaultFilter_LongLineNoEquals(benchmark::State& state) {
  static const std::string line = LongLineWithoutEquals();
  Run(state, line, {});
}
void BM_Re2KatibFilter_LongLineNoEquals(benchmark::State& state) {
  static const std::string line = LongLineWithoutEquals();
  Run(state, line, {kCustomFilter});
}
void BM_DefaultFilter_LongLineOfPairs(benchmark::State& state) {
  static const std::string line = LongLineOfPairs();
  Run(state, line, {});
}
void BM_Re2KatibFilter_LongLineOfPairs(benchmark::State& state) {
  static const std::string line = LongLineOfPairs();
  Run(state, line, {kCustomFilter});
}

BENCHMARK(BM_DefaultFilter_TrainingLog)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Re2KatibFilter_TrainingLog)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Re2JsonFilter_TrainingLog)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DefaultFilter_LongLineNoEquals)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Re2KatibFilter_LongLineNoEquals)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_DefaultFilter_LongLineOfPairs)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_Re2KatibFilter_LongLineOfPairs)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tuneup

BENCHMARK_MAIN();
