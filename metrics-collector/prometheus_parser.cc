#include "metrics-collector/prometheus_parser.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {
namespace {

// Milliseconds either side of 1970 that a Timestamp (nanoseconds in an int64) can hold, rounded
// down: years 1685 to 2255.
constexpr int64_t kMaxTimestampMs = 9'000'000'000'000;
// How much of a series a warning shows, and how many series an ambiguity warning lists.
constexpr size_t kMaxSeriesText = 200;
constexpr size_t kMaxListedSeries = 5;

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}
bool IsLetterOrUnderscore(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// A position in one line, for a hand-written reader: the format is simple, and a regex would
// need backtracking for the escapes in label values.
class Cursor {
 public:
  explicit Cursor(std::string_view text) : text_(text) {}

  bool AtEnd() const { return pos_ >= text_.size(); }
  bool Next(char c) const { return !AtEnd() && text_[pos_] == c; }
  void SkipBlanks() {
    while (!AtEnd() && IsBlank(text_[pos_]))
      ++pos_;
  }
  bool Consume(char c) {
    if (AtEnd() || text_[pos_] != c) return false;
    ++pos_;
    return true;
  }
  // A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or, without colons, a label name; empty if none.
  std::string_view Name(bool colons) {
    const size_t start = pos_;
    auto name_char = [&](char c, bool first) {
      return IsLetterOrUnderscore(c) || (colons && c == ':') || (!first && IsDigit(c));
    };
    while (!AtEnd() && name_char(text_[pos_], pos_ == start))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // Everything up to the next blank.
  std::string_view Token() {
    const size_t start = pos_;
    while (!AtEnd() && !IsBlank(text_[pos_]))
      ++pos_;
    return text_.substr(start, pos_ - start);
  }
  // The rest of a double-quoted label value (the opening quote consumed), unescaped into `out`.
  // Returns what is wrong with it, "" when nothing is.
  std::string QuotedValue(std::string& out) {
    while (!AtEnd()) {
      const char c = text_[pos_++];
      if (c == '"') return "";
      if (c != '\\') {
        out += c;
        continue;
      }
      if (AtEnd()) break;
      const char escaped = text_[pos_++];
      if (escaped == 'n') {
        out += '\n';
      } else if (escaped == '\\' || escaped == '"') {
        out += escaped;
      } else {
        return std::string("invalid escape \\") + escaped;
      }
    }
    return "unterminated value";
  }

 private:
  std::string_view text_;
  size_t pos_ = 0;
};

// `{name="value",...}` at the cursor, which is at the '{'. Returns what is wrong with it, ""
// when nothing is; `labels` comes back sorted by name.
std::string ReadLabelSet(Cursor& cursor, PrometheusLabels& labels) {
  cursor.Consume('{');
  while (true) {
    cursor.SkipBlanks();
    if (cursor.Consume('}')) break;
    const std::string_view name = cursor.Name(/*colons=*/false);
    if (name.empty()) return "expected a label name or '}'";
    cursor.SkipBlanks();
    if (!cursor.Consume('=')) return "expected '=' after label " + std::string(name);
    cursor.SkipBlanks();
    if (!cursor.Consume('"')) return "value of label " + std::string(name) + " is not quoted";
    std::string value;
    if (std::string error = cursor.QuotedValue(value); !error.empty()) {
      return "label " + std::string(name) + ": " + error;
    }
    labels.emplace_back(name, std::move(value));
    cursor.SkipBlanks();
    if (cursor.Consume('}')) break;
    if (!cursor.Consume(',')) return "expected ',' or '}' after label " + std::string(name);
  }
  std::sort(labels.begin(), labels.end());
  auto twice = std::adjacent_find(labels.begin(), labels.end(),
                                  [](const auto& a, const auto& b) { return a.first == b.first; });
  if (twice != labels.end()) return "label " + twice->first + " appears twice";
  return "";
}

// One sample line (neither blank nor a comment) into `sample`. Returns what is wrong with it, ""
// when nothing is.
std::string ReadSample(std::string_view line, PrometheusSample& sample) {
  Cursor cursor(line);
  cursor.SkipBlanks();
  const std::string_view name = cursor.Name(/*colons=*/true);
  if (name.empty()) return "not a sample (no metric name)";
  sample.name = name;
  cursor.SkipBlanks();
  if (cursor.Next('{')) {
    if (std::string error = ReadLabelSet(cursor, sample.labels); !error.empty()) return error;
    cursor.SkipBlanks();
  }
  const std::string_view value = cursor.Token();
  if (value.empty()) return "no value";
  // Go's ParseFloat spellings of the specials ("+Inf", "NaN") are among from_chars' own.
  std::optional<double> parsed = ParseDouble(value);
  if (!parsed) return "value " + QuoteUntrusted(value) + " is not a number";
  sample.value = *parsed;
  cursor.SkipBlanks();
  if (cursor.AtEnd()) return "";
  const std::string_view timestamp = cursor.Token();
  std::optional<int64_t> ms = ParseInt64(timestamp);
  if (!ms || *ms > kMaxTimestampMs || *ms < -kMaxTimestampMs) {
    return "timestamp " + QuoteUntrusted(timestamp) + " is not a time in milliseconds since 1970";
  }
  sample.timestamp_ms = *ms;
  cursor.SkipBlanks();
  if (!cursor.AtEnd()) return "unexpected text after the timestamp";
  return "";
}

// Whether the line holds nothing but blanks, or is a comment (# HELP and # TYPE included: types
// and help texts change nothing about which values are read).
bool IsBlankOrComment(std::string_view line) {
  const size_t first = line.find_first_not_of(" \t");
  return first == std::string_view::npos || line[first] == '#';
}

std::string NonFiniteName(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

void Warn(WarningLimiter& warnings, const std::string& message) {
  if (warnings.Allowed()) warnings.Emit(message);
}

}  // namespace

std::vector<PrometheusSample> ParsePrometheusText(std::string_view body,
                                                  const PrometheusTextOptions& options,
                                                  WarningLimiter& warnings) {
  std::vector<PrometheusSample> samples;
  int64_t line_number = 0;
  size_t pos = 0;
  while (pos < body.size()) {
    const void* newline = std::memchr(body.data() + pos, '\n', body.size() - pos);
    const size_t end = newline
                           ? static_cast<size_t>(static_cast<const char*>(newline) - body.data())
                           : body.size();
    std::string_view line = body.substr(pos, end - pos);
    pos = end + 1;
    ++line_number;
    if (line.ends_with('\r')) line.remove_suffix(1);
    auto prefix = [&] { return "line " + std::to_string(line_number) + ": "; };
    if (line.size() > options.max_line_bytes) {
      Warn(warnings,
           prefix() + "longer than " + std::to_string(options.max_line_bytes) + " bytes; skipped");
      continue;
    }
    if (IsBlankOrComment(line)) continue;
    PrometheusSample sample;
    if (std::string error = ReadSample(line, sample); !error.empty()) {
      Warn(warnings, prefix() + error + " in " + QuoteUntrusted(line));
      continue;
    }
    const auto& keep = options.keep_names;
    if (keep.empty() || std::find(keep.begin(), keep.end(), sample.name) != keep.end()) {
      samples.push_back(std::move(sample));
    }
  }
  return samples;
}

std::string FormatPrometheusSeries(std::string_view name, const PrometheusLabels& labels) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text(name);
  auto append_value = [&](std::string_view value) {
    for (char c : value) {
      const auto byte = static_cast<unsigned char>(c);
      if (c == '\\' || c == '"') {
        text += '\\';
        text += c;
      } else if (c == '\n') {
        text += "\\n";
      } else if (byte < 0x20 || byte >= 0x7F) {
        text += "\\x";
        text += kHex[byte >> 4];
        text += kHex[byte & 0xF];
      } else {
        text += c;
      }
    }
  };
  if (!labels.empty()) {
    text += '{';
    for (size_t i = 0; i < labels.size(); ++i) {
      if (i > 0) text += ',';
      text += labels[i].first + "=\"";
      append_value(labels[i].second);
      text += '"';
    }
    text += '}';
  }
  if (text.size() > kMaxSeriesText) {
    text.resize(kMaxSeriesText);
    text += "...";
  }
  return text;
}

std::optional<PrometheusSelector> ParsePrometheusSelector(std::string_view text,
                                                          std::string* why_not) {
  auto fail = [&](const std::string& reason) -> std::optional<PrometheusSelector> {
    if (why_not != nullptr) *why_not = reason;
    return std::nullopt;
  };
  Cursor cursor(text);
  cursor.SkipBlanks();
  PrometheusSelector selector;
  selector.name = cursor.Name(/*colons=*/true);
  if (selector.name.empty()) return fail("does not start with a Prometheus metric name");
  cursor.SkipBlanks();
  if (cursor.Next('{')) {
    selector.has_label_set = true;
    if (std::string error = ReadLabelSet(cursor, selector.labels); !error.empty()) {
      return fail(error);
    }
    cursor.SkipBlanks();
  }
  if (!cursor.AtEnd()) {
    return fail(
        "is not a Prometheus metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or a series "
        "selector such as loss{phase=\"val\"}");
  }
  return selector;
}

PrometheusMatcher::PrometheusMatcher(std::vector<std::string> metric_names)
    : names_(std::move(metric_names)) {
  for (const auto& name : names_) {
    std::string why_not;
    std::optional<PrometheusSelector> selector = ParsePrometheusSelector(name, &why_not);
    if (!selector) {
      throw Error(ErrorCode::kInvalidArgument,
                  "metric " + QuoteUntrusted(name, 200) + " cannot be scraped: " + why_not);
    }
    selectors_.push_back(std::move(*selector));
  }
}

std::vector<std::string> PrometheusMatcher::SeriesNames() const {
  std::vector<std::string> names;
  for (const auto& selector : selectors_) {
    if (std::find(names.begin(), names.end(), selector.name) == names.end()) {
      names.push_back(selector.name);
    }
  }
  return names;
}

std::vector<PrometheusMatch> PrometheusMatcher::Match(const std::vector<PrometheusSample>& samples,
                                                      WarningLimiter& warnings) const {
  std::vector<PrometheusMatch> matches;
  for (size_t metric = 0; metric < selectors_.size(); ++metric) {
    if (auto match = MatchOne(metric, samples, warnings)) matches.push_back(*match);
  }
  return matches;
}

std::optional<PrometheusMatch> PrometheusMatcher::MatchOne(
    size_t metric, const std::vector<PrometheusSample>& samples, WarningLimiter& warnings) const {
  const PrometheusSelector& selector = selectors_[metric];
  // Series with exactly the selector's labels (none, for a bare name), and, for a bare name, the
  // labelled ones it may fall back to.
  std::vector<const PrometheusSample*> exact;
  std::vector<const PrometheusSample*> labelled;
  for (const auto& sample : samples) {
    if (sample.name != selector.name) continue;
    if (sample.labels == selector.labels) {
      exact.push_back(&sample);
    } else if (!selector.has_label_set) {
      labelled.push_back(&sample);
    }
  }
  std::vector<const PrometheusSample*>& found = exact.empty() ? labelled : exact;
  if (found.empty()) return std::nullopt;
  // The first of each distinct series, in document order.
  std::vector<const PrometheusSample*> series;
  for (const PrometheusSample* sample : found) {
    bool seen = std::any_of(series.begin(), series.end(),
                            [&](const auto* s) { return s->labels == sample->labels; });
    if (!seen) series.push_back(sample);
  }
  if (series.size() > 1) {
    if (warnings.Allowed()) {
      std::string listed;
      for (size_t i = 0; i < series.size() && i < kMaxListedSeries; ++i) {
        listed += (i > 0 ? ", " : "") + FormatPrometheusSeries(series[i]->name, series[i]->labels);
      }
      if (series.size() > kMaxListedSeries) {
        listed += " and " + std::to_string(series.size() - kMaxListedSeries) + " more";
      }
      warnings.Emit("metric " + names_[metric] + " is ambiguous: " + std::to_string(series.size()) +
                    " series are named " + selector.name + " (" + listed +
                    "); name one in the experiment, e.g. " +
                    FormatPrometheusSeries(series[0]->name, series[0]->labels));
    }
    return std::nullopt;
  }
  const PrometheusSample& chosen = *series[0];
  if (found.size() > 1) {
    Warn(warnings, "series " + FormatPrometheusSeries(chosen.name, chosen.labels) + " appears " +
                       std::to_string(found.size()) + " times in one scrape; the first counts");
  }
  if (!std::isfinite(chosen.value)) {
    Warn(warnings, "metric " + names_[metric] + ": series " +
                       FormatPrometheusSeries(chosen.name, chosen.labels) + " is " +
                       NonFiniteName(chosen.value) + ", not a finite number");
    return std::nullopt;
  }
  return PrometheusMatch{metric, chosen.value, chosen.timestamp_ms};
}

Observation PrometheusMatcher::ToObservation(const PrometheusMatch& match,
                                             Timestamp scrape_time) const {
  const Timestamp time =
      match.timestamp_ms ? Timestamp(std::chrono::milliseconds(*match.timestamp_ms)) : scrape_time;
  return Observation{names_[match.metric], match.value, time};
}

}  // namespace tuneup
