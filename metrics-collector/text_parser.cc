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

namespace tuneup {
namespace {

// The parser's own flood guard: a trial that prints garbage forever must not drown the log.
constexpr int kMaxWarnings = 100;
// How much of an offending value a warning quotes.
constexpr size_t kMaxQuotedBytes = 60;
// A buffer grown by one long line is released afterwards instead of being held for the trial's
// whole life (a service runs many parsers at once).
constexpr size_t kRetainedBufferBytes = size_t{64} * 1024;
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

// `text` in double quotes, cut to kMaxQuotedBytes, with anything unprintable escaped: values
// come from untrusted output and end up in logs and terminals.
std::string Quote(std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted = "\"";
  for (char c : text.substr(0, kMaxQuotedBytes)) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte < 0x20 || byte >= 0x7F) {
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xF];
    } else {
      quoted += c;
    }
  }
  quoted += '"';
  if (text.size() > kMaxQuotedBytes) quoted += "...";
  return quoted;
}

// Finds line terminators ('\n' or '\r') in one chunk with memchr, remembering the next position
// of each so that a chunk holding only one kind is not rescanned for the other at every line.
class TerminatorFinder {
 public:
  explicit TerminatorFinder(std::string_view chunk)
      : chunk_(chunk), newline_(Find(0, '\n')), carriage_return_(Find(0, '\r')) {}

  // Offset of the first terminator at or after `pos`, or chunk.size() when there is none.
  size_t Next(size_t pos) {
    if (newline_ < pos) newline_ = Find(pos, '\n');
    if (carriage_return_ < pos) carriage_return_ = Find(pos, '\r');
    return std::min(newline_, carriage_return_);
  }

 private:
  size_t Find(size_t pos, char c) const {
    if (pos >= chunk_.size()) return chunk_.size();
    const void* found = std::memchr(chunk_.data() + pos, c, chunk_.size() - pos);
    return found ? static_cast<const char*>(found) - chunk_.data() : chunk_.size();
  }

  std::string_view chunk_;
  // The next '\n' and '\r' at or after the last position asked for (chunk.size(): none left).
  size_t newline_;
  size_t carriage_return_;
};

class TextMetricParser final : public MetricParser {
 public:
  TextMetricParser(TextParserOptions options, std::vector<std::unique_ptr<RE2>> filters)
      : max_line_bytes_(options.max_line_bytes),
        warn_(std::move(options.warn)),
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
    TerminatorFinder finder(bytes);
    size_t pos = 0;
    while (pos < bytes.size()) {
      size_t end = finder.Next(pos);
      if (end == bytes.size()) {
        BufferPartialLine(bytes.substr(pos));
        return;
      }
      EndLine(bytes.substr(pos, end - pos), now, out);
      if (bytes[end] == '\n') ++newlines_;
      pos = end + 1;
    }
  }

  void Finish(Timestamp now, std::vector<Observation>& out) override {
    if (!skipping_ && !buffer_.empty()) ParseLine(buffer_, now, out);
    skipping_ = false;
    ReleaseBuffer();
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

  void BufferPartialLine(std::string_view piece) {
    if (skipping_) return;
    if (piece.size() > max_line_bytes_ - buffer_.size()) {
      DropLongLine();
      skipping_ = true;
      return;
    }
    size_t needed = buffer_.size() + piece.size();
    if (needed > buffer_.capacity()) {
      // Cap the geometric growth so the buffer never holds much more than max_line_bytes.
      buffer_.reserve(std::min(std::max(needed, 2 * buffer_.capacity()), max_line_bytes_));
    }
    buffer_.append(piece);
  }

  // `piece` ends at a line terminator: the line is the buffered start plus `piece`.
  void EndLine(std::string_view piece, Timestamp now, std::vector<Observation>& out) {
    if (skipping_) {
      skipping_ = false;  // the tail of an over-long line; resynchronised from here on
      return;
    }
    if (piece.size() > max_line_bytes_ - buffer_.size()) {
      DropLongLine();
      return;
    }
    if (buffer_.empty()) {
      // The common case: the whole line is in this chunk and is parsed where it lies.
      if (!piece.empty()) ParseLine(piece, now, out);
      return;
    }
    buffer_.append(piece);
    ParseLine(buffer_, now, out);
    ReleaseBuffer();
  }

  void DropLongLine() {
    ReleaseBuffer();
    if (WarningAllowed()) {
      EmitWarning(LinePrefix() + "skipped a line longer than " + std::to_string(max_line_bytes_) +
                  " bytes");
    }
  }

  void ReleaseBuffer() {
    if (buffer_.capacity() > kRetainedBufferBytes) {
      std::string().swap(buffer_);
    } else {
      buffer_.clear();
    }
  }

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
      if (WarningAllowed()) {
        EmitWarning(LinePrefix() + "value " + Quote(value) + " of " + *metric +
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

  // Checked before a warning is formatted, so suppressed warnings cost nothing.
  bool WarningAllowed() {
    if (!warn_ || warnings_ > kMaxWarnings) return false;
    if (warnings_ == kMaxWarnings) {
      ++warnings_;
      warn_("further warnings suppressed (" + std::to_string(kMaxWarnings) + " shown)");
      return false;
    }
    return true;
  }

  void EmitWarning(const std::string& message) {
    ++warnings_;
    warn_(message);
  }

  // Lines are numbered by '\n' only, as an editor would: the redraws of a '\r' progress bar
  // share their line's number.
  std::string LinePrefix() const { return "line " + std::to_string(newlines_ + 1) + ": "; }

  const size_t max_line_bytes_;
  const WarningSink warn_;
  const std::vector<std::unique_ptr<RE2>> filters_;
  std::vector<std::string> names_;
  // Filled only when there are more than kMaxLinearNames names. Views into names_, which is not
  // modified after construction.
  std::unordered_map<std::string_view, size_t> name_index_;

  // The start of a line whose end has not arrived yet; never longer than max_line_bytes_.
  std::string buffer_;
  // Inside a line already found too long: dropping bytes up to the next terminator.
  bool skipping_ = false;
  int64_t newlines_ = 0;
  int warnings_ = 0;
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
