#include "metrics-collector/text_parser.h"

#include <re2/re2.h>
#include <string.h>  // memmem (a GNU extension, so not in <cstring>'s std namespace)

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>

#include "common/error.h"
#include "common/text.h"
#include "metrics-collector/line_reader.h"

namespace tuneup {
namespace {

// Up to this many metric names a linear scan beats hashing.
constexpr size_t kMaxLinearNames = 8;

constexpr std::array<bool, 256> MakeNameCharTable() {
  std::array<bool, 256> table{};
  for (int c = '0'; c <= '9'; ++c)
    table[c] = true;
  for (int c = 'a'; c <= 'z'; ++c)
    table[c] = true;
  for (int c = 'A'; c <= 'Z'; ++c)
    table[c] = true;
  table['_'] = true;
  table['|'] = true;
  table['-'] = true;
  return table;
}
// Katib's `[\w|-]`: Go's \w is ASCII-only, so a byte table is exact even for UTF-8 input.
constexpr std::array<bool, 256> kNameChar = MakeNameCharTable();

bool IsNameChar(char c) {
  return kNameChar[static_cast<unsigned char>(c)];
}
// Go's (and RE2's) \s: no \v.
bool IsRegexSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r';
}
bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// End of the longest `[+-]?\d*(\.\d+)?([Ee][+-]?\d+)?` at `pos`. Every part is optional, so
// leftmost-first matching takes each part greedily and never needs to backtrack.
size_t ScanValue(std::string_view s, size_t pos) {
  const size_t n = s.size();
  if (pos < n && (s[pos] == '+' || s[pos] == '-')) ++pos;
  while (pos < n && IsDigit(s[pos]))
    ++pos;
  if (pos + 1 < n && s[pos] == '.' && IsDigit(s[pos + 1])) {
    pos += 2;
    while (pos < n && IsDigit(s[pos]))
      ++pos;
  }
  if (pos < n && (s[pos] == 'e' || s[pos] == 'E')) {
    size_t exponent = pos + 1;
    if (exponent < n && (s[exponent] == '+' || s[exponent] == '-')) ++exponent;
    if (exponent < n && IsDigit(s[exponent])) {
      while (exponent < n && IsDigit(s[exponent]))
        ++exponent;
      pos = exponent;
    }
  }
  return pos;
}

// Width of the UTF-8 sequence at s[pos], 1 for an invalid one: how far Go's FindAll steps past
// an empty match (stepping one byte could restart the search inside a character).
size_t RuneWidth(std::string_view s, size_t pos) {
  auto byte = [&](size_t i) { return static_cast<unsigned char>(s[i]); };
  unsigned char lead = byte(pos);
  size_t width = lead >= 0xF0 && lead <= 0xF4 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 1;
  if (width == 1 || lead >= 0xF5 || pos + width > s.size()) return 1;
  for (size_t i = 1; i < width; ++i) {
    if ((byte(pos + i) & 0xC0) != 0x80) return 1;
  }
  return width;
}

class TextMetricParser final : public MetricParser {
 public:
  TextMetricParser(TextParserOptions options, std::vector<std::unique_ptr<RE2>> filters)
      : warnings_(std::move(options.warn)),
        lines_(options.max_line_bytes, warnings_),
        filters_(std::move(filters)) {
    for (auto& name : options.metric_names) {
      // An empty name cannot be reported (`=0.5` has no name), so it is not looked up.
      if (name.empty() || FindName(name)) continue;
      names_.push_back(std::move(name));
    }
    if (names_.size() > kMaxLinearNames) {
      for (size_t i = 0; i < names_.size(); ++i)
        name_index_.emplace(names_[i], i);
    }
  }

  void Feed(std::string_view bytes, Timestamp now, std::vector<Observation>& out) override {
    lines_.Feed(bytes, [&](std::string_view line) {
      if (!line.empty()) ParseLine(line, now, out);
    });
  }

  void Finish(Timestamp now, std::vector<Observation>& out) override {
    lines_.Finish([&](std::string_view line) { ParseLine(line, now, out); });
  }

 private:
  // What ParseLine knows about the line being parsed.
  struct Line {
    std::string_view text;
    Timestamp now;
    // Resolved on the first observation: most lines hold none, and their first token need not
    // be parsed as a timestamp.
    std::optional<Timestamp> time;
  };

  void ParseLine(std::string_view text, Timestamp now, std::vector<Observation>& out) {
    Line line{text, now, std::nullopt};
    if (filters_.empty()) {
      MatchDefaultFilter(line, out);
      return;
    }
    // Katib's shortcut, exact because a match counts only when its name is a metric name: most
    // lines of a log name no metric, and memmem rules them out far faster than running RE2.
    if (!MentionsAnyName(text)) return;
    for (const auto& filter : filters_)
      MatchFilter(*filter, line, out);
  }

  bool MentionsAnyName(std::string_view text) const {
    for (const auto& name : names_) {
      if (memmem(text.data(), text.size(), name.data(), name.size()) != nullptr) return true;
    }
    return false;
  }

  // Katib's default filter with Go's FindAll semantics (leftmost-first, non-overlapping, the
  // search resuming at the previous match's end), without a regex engine.
  //
  // A match is a run of name chars, optional spaces, '=', optional spaces and a value. Name
  // chars, spaces and '=' are disjoint, so the leftmost match belongs to the first '=' (from the
  // search position) preceded by spaces and at least one name char; its name is the whole run
  // before those spaces, though never reaching back before the search position. Jumping between
  // '=' with memchr makes lines without metrics nearly free; each backward walk stops at the
  // previous '=' or at the search position, so the scan stays linear.
  void MatchDefaultFilter(Line& line, std::vector<Observation>& out) {
    std::string_view s = line.text;
    size_t pos = 0;
    while (pos < s.size()) {
      const void* found = std::memchr(s.data() + pos, '=', s.size() - pos);
      if (found == nullptr) return;
      size_t equals = static_cast<const char*>(found) - s.data();
      size_t name_end = equals;
      while (name_end > pos && IsRegexSpace(s[name_end - 1]))
        --name_end;
      size_t name_begin = name_end;
      while (name_begin > pos && IsNameChar(s[name_begin - 1]))
        --name_begin;
      if (name_begin == name_end) {
        pos = equals + 1;
        continue;
      }
      size_t value_begin = equals + 1;
      while (value_begin < s.size() && IsRegexSpace(s[value_begin]))
        ++value_begin;
      size_t value_end = ScanValue(s, value_begin);
      Collect(s.substr(name_begin, name_end - name_begin),
              s.substr(value_begin, value_end - value_begin), line, out);
      pos = value_end;
    }
  }

  // A custom filter with Go's FindAll semantics: after an empty match the search steps one
  // character on, and an empty match right where the previous match ended is not reported.
  void MatchFilter(const RE2& filter, Line& line, std::vector<Observation>& out) {
    re2::StringPiece text(line.text.data(), line.text.size());
    re2::StringPiece groups[3];
    size_t pos = 0;
    size_t previous_end = std::string_view::npos;
    while (pos <= text.size()) {
      if (!filter.Match(text, pos, text.size(), RE2::UNANCHORED, groups, 3)) return;
      size_t begin = groups[0].data() - text.data();
      size_t end = begin + groups[0].size();
      bool accept = true;
      if (end == pos) {  // an empty match where the search started
        accept = begin != previous_end;
        if (pos == text.size()) return;
        pos += RuneWidth(line.text, pos);
      } else {
        pos = end;
      }
      previous_end = end;
      if (accept) {
        Collect(TrimAsciiSpace(std::string_view(groups[1].data(), groups[1].size())),
                TrimAsciiSpace(std::string_view(groups[2].data(), groups[2].size())), line, out);
      }
    }
  }

  void Collect(std::string_view name, std::string_view value, Line& line,
               std::vector<Observation>& out) {
    const std::string* metric = FindName(name);
    if (metric == nullptr) return;
    std::optional<double> parsed = ParseDouble(value);
    // ParseDouble drops a '+' before looking for the sign, so it takes "+-1" as -1; Katib's
    // strconv.ParseFloat rejects it. Only custom filters can capture such a value.
    if (value.starts_with("+-")) parsed.reset();
    if (!parsed || !std::isfinite(*parsed)) {
      if (warnings_.Allowed()) {
        warnings_.Emit(lines_.LinePrefix() + "value " + QuoteUntrusted(value) + " of " + *metric +
                       " is not a finite number");
      }
      return;
    }
    if (!line.time) line.time = LineTime(line);
    out.push_back(Observation{*metric, *parsed, *line.time});
  }

  // As in Katib: a first space-separated token that is an RFC 3339 time dates the line.
  static Timestamp LineTime(const Line& line) {
    size_t space = line.text.find(' ');
    if (space == std::string_view::npos) return line.now;
    return ParseRfc3339(line.text.substr(0, space)).value_or(line.now);
  }

  const std::string* FindName(std::string_view name) const {
    if (name_index_.empty()) {
      for (const auto& candidate : names_) {
        if (candidate == name) return &candidate;
      }
      return nullptr;
    }
    auto it = name_index_.find(name);
    return it == name_index_.end() ? nullptr : &names_[it->second];
  }

  WarningLimiter warnings_;
  LineReader lines_;
  const std::vector<std::unique_ptr<RE2>> filters_;
  std::vector<std::string> names_;
  // Filled only when there are more than kMaxLinearNames names. Views into names_, which is not
  // modified after construction.
  std::unordered_map<std::string_view, size_t> name_index_;
};

}  // namespace

std::unique_ptr<MetricParser> MakeTextMetricParser(TextParserOptions options) {
  std::vector<std::unique_ptr<RE2>> filters;
  RE2::Options re2_options;
  re2_options.set_log_errors(false);
  for (const auto& filter : options.filters) {
    auto compiled = std::make_unique<RE2>(filter, re2_options);
    if (!compiled->ok()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "metrics filter \"" + filter + "\" is not a valid regex: " + compiled->error());
    }
    if (compiled->NumberOfCapturingGroups() < 2) {
      throw Error(ErrorCode::kInvalidArgument,
                  "metrics filter \"" + filter + "\" has " +
                      std::to_string(compiled->NumberOfCapturingGroups()) +
                      " capturing groups; it needs two: the metric name and its value");
    }
    filters.push_back(std::move(compiled));
  }
  return std::make_unique<TextMetricParser>(std::move(options), std::move(filters));
}

}  // namespace tuneup
