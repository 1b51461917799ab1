#include "metrics-collector/json_parser.h"

#include <chrono>
#include <cmath>
#include <optional>
#include <string_view>
#include <utility>

#include <nlohmann/json.hpp>

#include "common/text.h"
#include "metrics-collector/flat_json.h"
#include "metrics-collector/line_reader.h"

namespace tuneup {
namespace {

constexpr std::string_view kTimestampField = "timestamp";
// Seconds since the epoch beyond which a number is not taken for a time: year 2255, safely
// inside what a Timestamp (64-bit nanoseconds, until 2262) can hold.
constexpr double kLatestUnixSeconds = 9e9;

// What one line said about one metric.
struct Reported {
  const std::string* metric;
  std::optional<double> value;  // nullopt: not a finite number (warned)
};

// Reads one line's top-level fields, building nothing for the fields it ignores: from nlohmann's
// SAX parser, or from ParseFlatJsonObject's fields (Replay) with the same events.
class LineHandler final : public nlohmann::json_sax<nlohmann::json> {
 public:
  using Base = nlohmann::json_sax<nlohmann::json>;

  // `lines` names the line in warnings. `reported` receives the line's metrics (cleared first;
  // the parser's, so that its capacity serves every line). `nulls_were_non_finite`: the line's
  // NaN and Infinity literals were replaced by null.
  LineHandler(const std::vector<std::string>& names, const LineReader& lines,
              WarningLimiter& warnings, std::vector<Reported>& reported,
              bool nulls_were_non_finite = false)
      : names_(names),
        lines_(lines),
        warnings_(warnings),
        nulls_were_non_finite_(nulls_were_non_finite),
        reported_(reported) {
    reported_.clear();
  }

  // Sends the events nlohmann's SAX parser would send for the line ParseFlatJsonObject read.
  void Replay(const std::vector<FlatJsonField>& fields) {
    start_object(fields.size());
    for (const auto& field : fields) {
      Key(field.key);
      switch (field.kind) {
        case FlatJsonField::Kind::kString:
          String(field.text);
          break;
        case FlatJsonField::Kind::kNumber:
          Number(field.number);
          break;
        case FlatJsonField::Kind::kTrue:
        case FlatJsonField::Kind::kFalse:
          boolean(field.kind == FlatJsonField::Kind::kTrue);
          break;
        case FlatJsonField::Kind::kNull:
          null();
          break;
      }
    }
    end_object();
  }

  bool null() override {
    if (nulls_were_non_finite_ && depth_ == 1 && current_ != nullptr) {
      Warn("value of " + *current_ + " is not a finite number");
      Take(std::nullopt);
      return true;
    }
    return Scalar("null");
  }
  bool boolean(bool) override { return Scalar("a boolean"); }
  bool number_integer(number_integer_t value) override {
    return Number(static_cast<double>(value));
  }
  bool number_unsigned(number_unsigned_t value) override {
    return Number(static_cast<double>(value));
  }
  bool number_float(number_float_t value, const string_t&) override { return Number(value); }
  bool string(string_t& value) override { return String(value); }
  bool binary(binary_t&) override { return Scalar("binary"); }
  bool start_object(std::size_t) override { return Open("an object"); }
  bool end_object() override { return Close(); }
  bool start_array(std::size_t) override {
    if (depth_ == 0) {
      top_level_object_ = false;
      return false;
    }
    return Open("an array");
  }
  bool end_array() override { return Close(); }
  bool key(string_t& key) override { return Key(key); }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) override {
    error_ = e.what();
    return false;
  }

  bool top_level_object() const { return top_level_object_; }
  const std::string& error() const { return error_; }
  const std::vector<Reported>& reported() const { return reported_; }
  const std::optional<Timestamp>& timestamp() const { return timestamp_; }

 private:
  static std::optional<Timestamp> ParseTimestamp(std::string_view text) {
    if (auto time = ParseRfc3339(text)) return time;
    return ParseRfc3339(std::string(text) + "Z");  // no zone: UTC
  }

  bool Key(std::string_view key) {
    if (depth_ != 1) return true;
    current_ = nullptr;
    in_timestamp_ = key == kTimestampField;
    for (const auto& name : names_) {
      if (name == key) current_ = &name;
    }
    return true;
  }

  bool String(std::string_view value) {
    if (depth_ == 0) return Scalar("");
    if (depth_ != 1) return true;
    if (in_timestamp_) {
      in_timestamp_ = false;
      timestamp_ = ParseTimestamp(value);
      if (!timestamp_) Warn("timestamp " + QuoteUntrusted(value) + " is not an RFC 3339 time");
      return true;
    }
    if (current_ == nullptr) return true;
    std::optional<double> parsed = ParseDouble(value);
    if (!parsed || !std::isfinite(*parsed)) {
      Warn("value " + QuoteUntrusted(value) + " of " + *current_ + " is not a finite number");
      parsed.reset();
    }
    Take(parsed);
    return true;
  }

  bool Number(double value) {
    if (depth_ == 0) return Scalar("");
    if (depth_ != 1) return true;
    if (in_timestamp_) {
      in_timestamp_ = false;
      if (std::isfinite(value) && value >= 0 && value < kLatestUnixSeconds) {
        timestamp_ = Timestamp(std::chrono::microseconds(std::llround(value * 1e6)));
      } else {
        Warn("timestamp " + FormatDouble(value) + " is not a time in seconds since 1970");
      }
      return true;
    }
    if (current_ == nullptr) return true;
    if (!std::isfinite(value)) {
      Warn("value of " + *current_ + " is not a finite number");
      Take(std::nullopt);
    } else {
      Take(value);
    }
    return true;
  }

  // A value that is neither a number nor a string (`what`), or a top-level scalar.
  bool Scalar(const std::string& what) {
    if (depth_ == 0) {
      top_level_object_ = false;
      return false;
    }
    if (depth_ == 1) NotANumber(what);
    return true;
  }

  bool Open(const std::string& what) {
    if (depth_ == 1) NotANumber(what);
    ++depth_;
    return true;
  }

  // A top-level field's value is `what`: wrong for a metric or the timestamp.
  void NotANumber(const std::string& what) {
    if (current_ != nullptr) {
      Warn("value of " + *current_ + " is " + what + ", not a number");
      Take(std::nullopt);
    }
    if (in_timestamp_) Warn("timestamp is " + what + ", not a time");
    in_timestamp_ = false;
  }

  bool Close() {
    --depth_;
    return true;
  }

  void Take(std::optional<double> value) {
    for (const auto& earlier : reported_) {
      if (earlier.metric == current_) {
        Warn(*current_ + " appears more than once; the first value counts");
        current_ = nullptr;
        return;
      }
    }
    reported_.push_back({current_, value});
    current_ = nullptr;
  }

  void Warn(const std::string& message) {
    if (warnings_.Allowed()) warnings_.Emit(lines_.LinePrefix() + message);
  }

  const std::vector<std::string>& names_;
  const LineReader& lines_;
  WarningLimiter& warnings_;
  const bool nulls_were_non_finite_;
  int depth_ = 0;
  const std::string* current_ = nullptr;  // the metric whose value comes next
  bool in_timestamp_ = false;             // the timestamp's value comes next
  bool top_level_object_ = true;
  std::string error_;
  std::vector<Reported>& reported_;
  std::optional<Timestamp> timestamp_;
};

// `line` with every NaN, Infinity and -Infinity outside strings replaced by null (same length
// or shorter), so that Python's json output parses; nullopt when there is none.
std::optional<std::string> WithoutNonFiniteLiterals(std::string_view line) {
  std::string out;
  bool in_string = false;
  bool changed = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      out += c;
      if (c == '\\' && i + 1 < line.size()) {
        out += line[++i];
      } else if (c == '"') {
        in_string = false;
      }
      continue;
    }
    if (c == '"') in_string = true;
    std::string_view rest = line.substr(i);
    size_t literal = rest.starts_with("NaN")         ? 3
                     : rest.starts_with("Infinity")  ? 8
                     : rest.starts_with("-Infinity") ? 9
                                                     : 0;
    if (literal > 0) {
      out += "null";
      i += literal - 1;
      changed = true;
      continue;
    }
    out += c;
  }
  if (!changed) return std::nullopt;
  return out;
}

class JsonMetricParser final : public MetricParser {
 public:
  explicit JsonMetricParser(JsonParserOptions options)
      : warnings_(std::move(options.warn)), lines_(options.max_line_bytes, warnings_) {
    for (auto& name : options.metric_names) {
      if (!name.empty()) names_.push_back(std::move(name));
    }
  }

  void Feed(std::string_view bytes, Timestamp now, std::vector<Observation>& out) override {
    lines_.Feed(bytes, [&](std::string_view line) { ParseLine(line, now, out); });
  }

  void Finish(Timestamp now, std::vector<Observation>& out) override {
    lines_.Finish([&](std::string_view line) { ParseLine(line, now, out); });
  }

 private:
  void ParseLine(std::string_view line, Timestamp now, std::vector<Observation>& out) {
    if (TrimAsciiSpace(line).empty()) return;
    // Most metrics files hold nothing but flat objects of plain values, which the fast path
    // reads many times faster than nlohmann's lexer; it declines every other line.
    if (ParseFlatJsonObject(line, fields_)) {
      LineHandler handler(names_, lines_, warnings_, reported_);
      handler.Replay(fields_);
      Collect(handler, now, out);
      return;
    }
    LineHandler handler(names_, lines_, warnings_, reported_);
    bool parsed = nlohmann::json::sax_parse(line, &handler);
    if (!parsed && handler.top_level_object() && !handler.error().empty()) {
      if (auto fixed = WithoutNonFiniteLiterals(line)) {
        LineHandler retry(names_, lines_, warnings_, reported_, /*nulls_were_non_finite=*/true);
        if (nlohmann::json::sax_parse(*fixed, &retry)) {
          Collect(retry, now, out);
          return;
        }
      }
    }
    if (!parsed) {
      if (warnings_.Allowed()) {
        warnings_.Emit(lines_.LinePrefix() +
                       (handler.top_level_object()
                            ? "not valid JSON: " + QuoteUntrusted(handler.error(), 200)
                            : std::string("not a JSON object")));
      }
      return;
    }
    Collect(handler, now, out);
  }

  static void Collect(const LineHandler& handler, Timestamp now, std::vector<Observation>& out) {
    const Timestamp time = handler.timestamp().value_or(now);
    for (const auto& reported : handler.reported()) {
      if (reported.value) out.push_back(Observation{*reported.metric, *reported.value, time});
    }
  }

  WarningLimiter warnings_;
  LineReader lines_;
  std::vector<std::string> names_;
  // Scratch space for ParseLine, kept so that its capacity serves every line.
  std::vector<FlatJsonField> fields_;
  std::vector<Reported> reported_;
};

}  // namespace

std::unique_ptr<MetricParser> MakeJsonMetricParser(JsonParserOptions options) {
  return std::make_unique<JsonMetricParser>(std::move(options));
}

}  // namespace tuneup
