#include "metrics-collector/flat_json.h"

#include <array>
#include <charconv>
#include <cstddef>
#include <system_error>
#include <utility>

namespace tuneup {
namespace {

constexpr size_t kDecline = std::string_view::npos;

constexpr std::array<bool, 256> MakePlainTable() {
  std::array<bool, 256> table{};
  for (int c = 0x20; c < 0x80; ++c)
    table[c] = c != '"' && c != '\\';
  return table;
}
// String bytes that stand for themselves. Escapes need decoding, control bytes are errors, and
// bytes from 0x80 need UTF-8 validation: all of those go to the full parser.
constexpr std::array<bool, 256> kPlain = MakePlainTable();

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

size_t SkipSpace(std::string_view s, size_t pos) {
  while (pos < s.size() && (s[pos] == ' ' || s[pos] == '\t' || s[pos] == '\n' || s[pos] == '\r'))
    ++pos;
  return pos;
}

// The position of the closing quote of the plain string that starts at `pos` (after its
// opening quote).
size_t StringEnd(std::string_view s, size_t pos) {
  while (pos < s.size() && kPlain[static_cast<unsigned char>(s[pos])])
    ++pos;
  return pos < s.size() && s[pos] == '"' ? pos : kDecline;
}

// The end of the JSON number at `pos` (RFC 8259: no '+', no leading zeros, digits on both sides
// of '.'); `integer` tells whether it has neither fraction nor exponent.
size_t NumberEnd(std::string_view s, size_t pos, bool& integer) {
  const size_t n = s.size();
  if (pos < n && s[pos] == '-') ++pos;
  if (pos < n && s[pos] == '0') {
    ++pos;
  } else if (pos < n && s[pos] >= '1' && s[pos] <= '9') {
    while (pos < n && IsDigit(s[pos]))
      ++pos;
  } else {
    return kDecline;
  }
  integer = true;
  if (pos < n && s[pos] == '.') {
    integer = false;
    if (++pos >= n || !IsDigit(s[pos])) return kDecline;
    while (pos < n && IsDigit(s[pos]))
      ++pos;
  }
  if (pos < n && (s[pos] == 'e' || s[pos] == 'E')) {
    integer = false;
    if (++pos < n && (s[pos] == '+' || s[pos] == '-')) ++pos;
    if (pos >= n || !IsDigit(s[pos])) return kDecline;
    while (pos < n && IsDigit(s[pos]))
      ++pos;
  }
  return pos;
}

// Reads the value at `pos` into `field`; returns the position after it.
size_t ReadValue(std::string_view s, size_t pos, FlatJsonField& field) {
  if (pos >= s.size()) return kDecline;
  const char c = s[pos];
  if (c == '"') {
    const size_t end = StringEnd(s, pos + 1);
    if (end == kDecline) return kDecline;
    field.kind = FlatJsonField::Kind::kString;
    field.text = s.substr(pos + 1, end - pos - 1);
    return end + 1;
  }
  if (c == '-' || IsDigit(c)) {
    bool integer = false;
    const size_t end = NumberEnd(s, pos, integer);
    if (end == kDecline) return kDecline;
    // from_chars rounds correctly, as nlohmann's strtod does and as converting its 64-bit
    // integers does; out of range, nlohmann reports an error (overflow) or keeps strtod's
    // result (underflow), which the full parser then gives.
    auto [ptr, ec] = std::from_chars(s.data() + pos, s.data() + end, field.number);
    if (ec != std::errc() || ptr != s.data() + end) return kDecline;
    if (integer && field.number == 0) field.number = 0;  // nlohmann reads "-0" as the integer 0
    field.kind = FlatJsonField::Kind::kNumber;
    return end;
  }
  for (auto [word, kind] : {std::pair{std::string_view("true"), FlatJsonField::Kind::kTrue},
                            std::pair{std::string_view("false"), FlatJsonField::Kind::kFalse},
                            std::pair{std::string_view("null"), FlatJsonField::Kind::kNull}}) {
    if (s.substr(pos, word.size()) == word) {
      field.kind = kind;
      return pos + word.size();
    }
  }
  return kDecline;  // an object, an array, or not JSON
}

}  // namespace

bool ParseFlatJsonObject(std::string_view line, std::vector<FlatJsonField>& fields) {
  fields.clear();
  size_t pos = SkipSpace(line, 0);
  if (pos >= line.size() || line[pos] != '{') return false;
  pos = SkipSpace(line, pos + 1);
  if (pos < line.size() && line[pos] == '}') return SkipSpace(line, pos + 1) == line.size();
  while (true) {
    if (pos >= line.size() || line[pos] != '"') return false;
    const size_t key_end = StringEnd(line, pos + 1);
    if (key_end == kDecline) return false;
    FlatJsonField& field = fields.emplace_back();
    field.key = line.substr(pos + 1, key_end - pos - 1);
    pos = SkipSpace(line, key_end + 1);
    if (pos >= line.size() || line[pos] != ':') return false;
    pos = ReadValue(line, SkipSpace(line, pos + 1), field);
    if (pos == kDecline) return false;
    pos = SkipSpace(line, pos);
    if (pos >= line.size()) return false;
    if (line[pos] == '}') return SkipSpace(line, pos + 1) == line.size();
    if (line[pos] != ',') return false;
    pos = SkipSpace(line, pos + 1);
  }
}

}  // namespace tuneup
