// Katib's File collector in JSON format: one JSON object per line, e.g.
//   {"epoch": 3, "loss": 0.21, "accuracy": "0.93", "timestamp": "2026-11-23T10:00:00Z"}
//
// Every top-level field named like one of the experiment's metrics becomes an observation. Its
// value may be a number or a string holding one (Katib accepts only strings, kubeflow/katib
// #2162). The time is the line's `timestamp` field when present: RFC 3339, with or without a
// zone (none means UTC, as Katib's example `2021-12-02T14:27:51`), or a number of seconds since
// the Unix epoch (Python's time.time()); otherwise the time the line arrived. Other fields
// (epoch, step, ...) are ignored.
//
// Untrusted output, as for the TEXT format: a line that is not a JSON object, a metric whose value
// is nested, boolean, null or not a finite number, a metric named twice in one line (the first
// value counts) and an unreadable timestamp are skipped with a warning naming the line. Python's
// json module writes NaN and Infinity, which JSON does not have: such a value is skipped like any
// non-finite one and the rest of its line is kept. Lines longer than max_line_bytes are dropped
// unread; the parser is a SAX reader that builds no document, so nesting depth costs no memory
// beyond the line itself.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "metrics-collector/metric_parser.h"

namespace tuneup {

struct JsonParserOptions {
  // The metric names to collect: the objective first, then the additional metrics.
  std::vector<std::string> metric_names;
  // Longest line parsed; longer ones are skipped.
  size_t max_line_bytes = 1 << 20;
  WarningSink warn;
};

std::unique_ptr<MetricParser> MakeJsonMetricParser(JsonParserOptions options);

}  // namespace tuneup
