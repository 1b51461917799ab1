// Katib's PrometheusMetric collector, the reading half: one scrape of a trial's metrics endpoint
// in the Prometheus text exposition format (version 0.0.4), and the experiment's metrics picked
// out of it. (The scraping half is metrics-collector/prometheus_scraper.h.)
//
// A scrape is one whole document, not a stream that arrives in pieces, so this is not a
// MetricParser: ParsePrometheusText reads one response body into samples, and PrometheusMatcher
// turns those samples into observations.
//
// The format as read here. Lines end at '\n'; a '\r' before it is dropped, so CRLF bodies read
// the same. Blank lines and lines whose first non-blank character is '#' (# HELP, # TYPE, any
// other comment) are skipped. Every other line is one sample:
//   name{label="value",...} value [timestamp]
// with blanks or tabs between the parts. Names are [a-zA-Z_:][a-zA-Z0-9_:]*, label names
// [a-zA-Z_][a-zA-Z0-9_]*; the label set is optional, may be empty and may end with a comma; label
// values are double-quoted and escape exactly \\, \" and \n. The value is a Go float: decimal or
// exponent notation, NaN, +Inf, -Inf. The timestamp is an integer number of milliseconds since
// the Unix epoch.
//
// Untrusted input: any line may be garbage. A line that does not have that shape (a bad name, an
// unterminated or badly escaped label value, a label named twice, a value that is not a number, a
// timestamp that is not an integer within ±9e12 ms, i.e. between the years 1685 and 2255) is
// skipped with a warning naming its line; a line longer than max_line_bytes is skipped unread.
// Nothing here throws on bad input, and memory is the samples kept.
//
// Matching the experiment's metric names (the objective first, then the additional metrics):
//  - `loss` names the series `loss` that has no labels. When the scrape has none, but exactly one
//    series named `loss` with labels (a prometheus_client Gauge declared with labelnames), that
//    one is used. When it has several, which one is meant is ambiguous: the metric is skipped with
//    a warning that names them, and the experiment should name one with a selector.
//  - `loss{phase="val"}`, a series selector in the exposition's own syntax, names the series
//    `loss` with exactly those labels, in any order. `loss{}` names the one without labels, with
//    no fallback.
//  - Client libraries add suffixes: prometheus_client's Counter `steps` is exposed as
//    `steps_total`, a Histogram `t` as `t_bucket{le=...}`, `t_sum` and `t_count`. The experiment
//    names the exposed series.
//  - A series that appears more than once in one scrape (a broken exporter): the first value
//    counts, with a warning.
//  - A matched value that is NaN, +Inf or -Inf is skipped with a warning.
// Each observation is named as the experiment names the metric and dated by the sample's own
// timestamp when it has one, else by the time of the scrape.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "api/trial.h"
#include "common/clock.h"
#include "metrics-collector/line_reader.h"

namespace tuneup {

// Label name and value pairs, sorted by name; names are unique.
using PrometheusLabels = std::vector<std::pair<std::string, std::string>>;

// One line of a scrape: one series' value.
struct PrometheusSample {
  std::string name;
  PrometheusLabels labels;
  double value = 0;  // may be NaN or infinite; matching skips those
  std::optional<int64_t> timestamp_ms;
};

struct PrometheusTextOptions {
  // Longest line parsed; longer ones are skipped with a warning.
  size_t max_line_bytes = size_t{64} << 10;
  // The series names to keep (PrometheusMatcher::SeriesNames()); empty keeps every sample. The
  // other lines are still checked and warned about, but not stored, so a big exporter costs
  // memory only for the series the experiment asks for.
  std::vector<std::string> keep_names;
};

// The samples of one response body, in document order. Never throws; skipped lines are reported
// to `warnings` as "line N: why".
std::vector<PrometheusSample> ParsePrometheusText(std::string_view body,
                                                  const PrometheusTextOptions& options,
                                                  WarningLimiter& warnings);

// `loss{phase="val"}`: a series in the exposition's syntax, for warnings. Untrusted bytes are
// made printable (\xNN) and the text is cut at about 200 bytes.
std::string FormatPrometheusSeries(std::string_view name, const PrometheusLabels& labels);

// Which series an experiment's metric name refers to.
struct PrometheusSelector {
  std::string name;
  PrometheusLabels labels;
  // Written with braces, even empty ones: the labels must be exactly these, with no fallback.
  bool has_label_set = false;
};

// Reads `loss`, `loss{phase="val"}` or `loss{}` (blanks around it allowed). Returns nullopt for
// anything else, and then says why in *why_not when it is given.
std::optional<PrometheusSelector> ParsePrometheusSelector(std::string_view text,
                                                          std::string* why_not);

// What one scrape said about one of the experiment's metrics.
struct PrometheusMatch {
  size_t metric = 0;                    // index into metric_names()
  double value = 0;                     // finite
  std::optional<int64_t> timestamp_ms;  // the sample's own, when it had one
};

class PrometheusMatcher {
 public:
  // `metric_names`: the objective first, then the additional metrics. Throws
  // Error(kInvalidArgument) naming the first that is not a series name or selector: such a
  // metric could never be found, and every trial would end without it.
  explicit PrometheusMatcher(std::vector<std::string> metric_names);

  // The series names the metrics refer to, each once: PrometheusTextOptions::keep_names.
  std::vector<std::string> SeriesNames() const;

  // At most one match per metric, in the order of metric_names(), by the rules above; a metric
  // that is ambiguous, duplicated or not finite is reported to `warnings`.
  std::vector<PrometheusMatch> Match(const std::vector<PrometheusSample>& samples,
                                     WarningLimiter& warnings) const;

  // The observation a match makes: named as the experiment names the metric, dated by the
  // sample's timestamp, else by `scrape_time`.
  Observation ToObservation(const PrometheusMatch& match, Timestamp scrape_time) const;

  const std::vector<std::string>& metric_names() const { return names_; }

 private:
  std::optional<PrometheusMatch> MatchOne(size_t metric,
                                          const std::vector<PrometheusSample>& samples,
                                          WarningLimiter& warnings) const;

  std::vector<std::string> names_;
  std::vector<PrometheusSelector> selectors_;
};

}  // namespace tuneup
