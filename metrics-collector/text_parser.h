// Katib's StdOut collector and File collector in TEXT format: `name=value` pairs in lines of text.
//
// Each line is matched against the filters (Katib's metricsFormat regexes; Katib's default
// `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)` when there are none). Every match whose
// first group is one of the experiment's metric names and whose second group parses as a finite
// number becomes an observation; a line may hold several ("epoch=3 loss=0.2 accuracy=0.9"). As in
// Katib, a line that starts with an RFC 3339 timestamp followed by a space takes its time from
// it. Lines end at '\n' or '\r' (progress bars redraw with '\r').
//
// Untrusted output: the default filter is matched by a hand-written scanner and custom filters
// by RE2, both linear in the line length; a line longer than max_line_bytes is dropped with a
// warning (the parser keeps at most that many bytes buffered).
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <vector>

#include "metrics-collector/metric_parser.h"

namespace tuneup {

struct TextParserOptions {
  // The metric names to collect: the objective first, then the additional metrics.
  std::vector<std::string> metric_names;
  // Regexes with two capturing groups (name, value); empty means Katib's default filter.
  std::vector<std::string> filters;
  // Longest line parsed; longer ones are skipped.
  size_t max_line_bytes = 1 << 20;
  WarningSink warn;
};

// Throws Error(kInvalidArgument) naming the filter when one is not a valid RE2 regex or has fewer
// than two capturing groups.
std::unique_ptr<MetricParser> MakeTextMetricParser(TextParserOptions options);

}  // namespace tuneup
