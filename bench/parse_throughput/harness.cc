// The C++ side of the parse-throughput benchmark (bench/parse_throughput/run.sh runs it beside
// peer.py, Python's re and json on the same files; bench/README.md, "Parse throughput").
//
//   bench_parse_throughput write DIR MEGABYTES
//       writes DIR/training.log (bench::TrainingLog) and DIR/metrics.jsonl
//       (bench::MetricsJsonLines), each at least MEGABYTES * 10^6 bytes: the inputs both sides
//       read.
//   bench_parse_throughput parse text|json FILE PASSES [ROUND]
//       reads FILE into memory (untimed), parses it once to warm up, then PASSES times, timed, and
//       prints one JSON line: the seconds of each pass, the input's bytes and lines, and what was
//       found (observations per metric, the sum of their values and of their times in
//       microseconds modulo 2^64: peer.py prints the same, and report.py checks that both agree).
//
// A pass is what the collector does with a trial's output: a fresh parser (TEXT with Katib's
// default filter, or JSON) for the metrics loss and accuracy, the input fed in 64 KiB pieces (what
// one pipe read delivers), Finish, every observation appended to a vector.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "bench/metrics_inputs.h"
#include "common/text.h"
#include "metrics-collector/json_parser.h"
#include "metrics-collector/text_parser.h"

namespace tuneup::bench {
namespace {

constexpr size_t kPieceBytes = size_t{64} * 1024;
// The arrival time of lines without a timestamp of their own; peer.py uses the same.
const Timestamp kNow = Timestamp(std::chrono::seconds(1'700'000'000));

[[noreturn]] void Fail(const std::string& message) {
  std::cerr << "bench_parse_throughput: " << message << "\n";
  std::exit(1);
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary);
  out << bytes;
  if (!out.flush()) Fail("cannot write " + path);
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) Fail("cannot read " + path);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return std::move(bytes).str();
}

std::unique_ptr<MetricParser> MakeParser(std::string_view format, int64_t& warnings) {
  auto count = [&warnings](std::string_view) { ++warnings; };
  if (format == "text") {
    TextParserOptions options;
    options.metric_names = {"loss", "accuracy"};
    options.warn = count;
    return MakeTextMetricParser(std::move(options));
  }
  JsonParserOptions options;
  options.metric_names = {"loss", "accuracy"};
  options.warn = count;
  return MakeJsonMetricParser(std::move(options));
}

// One timed pass; `out` receives its observations (and is released by the caller, untimed).
double Pass(std::string_view format, std::string_view input, std::vector<Observation>& out,
            int64_t& warnings) {
  const auto start = std::chrono::steady_clock::now();
  auto parser = MakeParser(format, warnings);
  for (size_t pos = 0; pos < input.size(); pos += kPieceBytes)
    parser->Feed(input.substr(pos, kPieceBytes), kNow, out);
  parser->Finish(kNow, out);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

int Parse(const std::string& format, const std::string& path, int passes, int round) {
  if (format != "text" && format != "json") Fail("format must be text or json, not " + format);
  const std::string input = ReadFile(path);
  std::vector<double> seconds;
  std::vector<Observation> observations;
  int64_t warnings = 0;
  for (int i = 0; i <= passes; ++i) {  // pass 0 warms up caches and the allocator
    std::vector<Observation> out;
    const double s = Pass(format, input, out, warnings);
    if (i > 0) seconds.push_back(s);
    observations = std::move(out);
  }
  std::map<std::string, int64_t> per_metric;
  double value_sum = 0;
  uint64_t time_sum_us = 0;  // modulo 2^64, as peer.py sums them
  for (const auto& o : observations) {
    ++per_metric[o.metric];
    value_sum += o.value;
    time_sum_us +=
        std::chrono::duration_cast<std::chrono::microseconds>(o.time.time_since_epoch()).count();
  }
  nlohmann::json line = {
      {"system", "tuneup"},
      {"format", format},
      {"method", format == "text" ? "default filter (hand-written scanner)"
                                  : "flat-object fast path (nlohmann for other lines)"},
      {"round", round},
      {"bytes", input.size()},
      {"lines", std::count(input.begin(), input.end(), '\n')},
      {"observations", per_metric},
      {"value_sum", value_sum},
      {"time_sum_us", time_sum_us},
      {"warnings", warnings / (passes + 1)},
      {"pass_seconds", seconds},
  };
  std::cout << line.dump() << std::endl;
  return 0;
}

}  // namespace
}  // namespace tuneup::bench

int main(int argc, char** argv) {
  using namespace tuneup::bench;
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 3 && args[0] == "write") {
    const size_t bytes = static_cast<size_t>(std::atof(args[2].c_str()) * 1e6);
    WriteFile(args[1] + "/training.log", TrainingLog(bytes));
    WriteFile(args[1] + "/metrics.jsonl", MetricsJsonLines(bytes));
    return 0;
  }
  if ((args.size() == 4 || args.size() == 5) && args[0] == "parse") {
    const int passes = std::atoi(args[3].c_str());
    if (passes < 1) Fail("PASSES must be at least 1");
    return Parse(args[1], args[2], passes, args.size() == 5 ? std::atoi(args[4].c_str()) : 0);
  }
  std::cerr << "usage: bench_parse_throughput write DIR MEGABYTES\n"
               "       bench_parse_throughput parse text|json FILE PASSES [ROUND]\n";
  return 2;
}
