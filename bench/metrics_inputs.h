// What trials print, for the metrics parser benchmarks (text_parser_bench.cc and
// parse_throughput/): deterministic, so every run and every peer parses the same bytes.
#pragma once

#include <cstddef>
#include <string>

namespace tuneup::bench {

// A training log of at least `bytes` bytes: 80-byte lines ending in '\n', one in ten holding
// metrics ("2026-11-23T08:32:00Z epoch=3 step=39 loss=0.1039 accuracy=0.5039"), the others progress
// chatter without any '=', as a Keras or PyTorch loop prints them. Metric names: loss, accuracy.
std::string TrainingLog(size_t bytes);

// A metrics file in the File collector's JSON format of at least `bytes` bytes, one object per
// line as examples/digits-mlp/train.py --metrics-file writes it (Python's json.dumps):
//   {"epoch": 7, "loss": 2.030099667498336, "accuracy": "0.106973",
//    "timestamp": "2026-11-23T08:32:07.000007+00:00"}
// loss a number, accuracy a string, the timestamp an RFC 3339 time one second apart per line.
std::string MetricsJsonLines(size_t bytes);

}  // namespace tuneup::bench
