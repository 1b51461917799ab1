#include "common/text.h"

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <limits>
#include <string>

namespace tuneup {

namespace {

bool IsDigit(char c) {
  return c >= '0' && c <= '9';
}

// Parses exactly `count` digits at text[pos...]; advances pos.
std::optional<int> FixedDigits(std::string_view text, size_t& pos, int count) {
  if (pos + count > text.size()) return std::nullopt;
  int value = 0;
  for (int i = 0; i < count; ++i) {
    char c = text[pos + i];
    if (!IsDigit(c)) return std::nullopt;
    value = value * 10 + (c - '0');
  }
  pos += count;
  return value;
}

bool Expect(std::string_view text, size_t& pos, char c) {
  if (pos < text.size() && text[pos] == c) {
    ++pos;
    return true;
  }
  return false;
}

}  // namespace

std::optional<double> ParseDouble(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) return std::nullopt;
  }
  if (text.empty()) return std::nullopt;
  double value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (end != text.data() + text.size()) return std::nullopt;
  if (ec == std::errc::result_out_of_range) {
    // Well-formed but beyond double's range: like Go's ParseFloat, underflow is (signed) zero and
    // overflow is infinity (which callers that need finite values reject).
    std::string copy(text);
    return std::strtod(copy.c_str(), nullptr);
  }
  if (ec != std::errc()) return std::nullopt;
  return value;
}

std::optional<int64_t> ParseInt64(std::string_view text) {
  if (!text.empty() && text.front() == '+') {
    text.remove_prefix(1);
    if (!text.empty() && (text.front() == '-' || text.front() == '+')) return std::nullopt;
  }
  if (text.empty()) return std::nullopt;
  int64_t value = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

std::string FormatDouble(double value) {
  if (value == 0) return "0";  // also turns -0 into 0
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof(buffer), value);
  if (ec != std::errc()) return std::to_string(value);
  return std::string(buffer, end);
}

std::string FormatDoubleFixed(double value, int decimals) {
  if (decimals < 0) decimals = 0;
  if (decimals > 17) return FormatDouble(value);
  char buffer[512];
  int n = std::snprintf(buffer, sizeof(buffer), "%.*f", decimals, value);
  if (n < 0 || n >= static_cast<int>(sizeof(buffer))) return FormatDouble(value);
  std::string text(buffer, n);
  if (text.find('.') != std::string::npos) {
    while (text.back() == '0')
      text.pop_back();
    if (text.back() == '.') text.pop_back();
  }
  if (text == "-0") text = "0";
  return text;
}

int DecimalPlaces(std::string_view text) {
  size_t exponent_at = text.find_first_of("eE");
  std::string_view mantissa = text.substr(0, exponent_at);
  int exponent = 0;
  if (exponent_at != std::string_view::npos) {
    exponent = static_cast<int>(ParseInt64(text.substr(exponent_at + 1)).value_or(0));
  }
  int fraction_digits = 0;
  if (size_t dot = mantissa.find('.'); dot != std::string_view::npos) {
    fraction_digits = static_cast<int>(mantissa.size() - dot - 1);
  }
  int places = fraction_digits - exponent;
  return places < 0 ? 0 : places;
}

std::string FormatRfc3339(Timestamp time) {
  int64_t micros = ToUnixMicros(time);
  int64_t seconds = micros / 1'000'000;
  int64_t fraction = micros % 1'000'000;
  if (fraction < 0) {
    fraction += 1'000'000;
    seconds -= 1;
  }
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buffer[64];
  std::snprintf(buffer, sizeof(buffer), "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                static_cast<long long>(fraction));
  return buffer;
}

std::optional<Timestamp> ParseRfc3339(std::string_view text) {
  size_t pos = 0;
  auto year = FixedDigits(text, pos, 4);
  if (!year || !Expect(text, pos, '-')) return std::nullopt;
  auto month = FixedDigits(text, pos, 2);
  if (!month || !Expect(text, pos, '-')) return std::nullopt;
  auto day = FixedDigits(text, pos, 2);
  if (!day || !(Expect(text, pos, 'T') || Expect(text, pos, 't'))) return std::nullopt;
  auto hour = FixedDigits(text, pos, 2);
  if (!hour || !Expect(text, pos, ':')) return std::nullopt;
  auto minute = FixedDigits(text, pos, 2);
  if (!minute || !Expect(text, pos, ':')) return std::nullopt;
  auto second = FixedDigits(text, pos, 2);
  if (!second) return std::nullopt;
  if (*month < 1 || *month > 12 || *day < 1 || *day > 31 || *hour > 23 || *minute > 59 ||
      *second > 60) {
    return std::nullopt;
  }
  int64_t micros = 0;
  if (Expect(text, pos, '.')) {
    int digits = 0;
    while (pos < text.size() && IsDigit(text[pos])) {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (int i = digits; i < 6; ++i)
      micros *= 10;
  }
  int offset_seconds = 0;
  if (Expect(text, pos, 'Z') || Expect(text, pos, 'z')) {
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    int sign = text[pos] == '-' ? -1 : 1;
    ++pos;
    auto off_hour = FixedDigits(text, pos, 2);
    if (!off_hour || !Expect(text, pos, ':')) return std::nullopt;
    auto off_minute = FixedDigits(text, pos, 2);
    if (!off_minute) return std::nullopt;
    offset_seconds = sign * (*off_hour * 3600 + *off_minute * 60);
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  // Calendar arithmetic as timegm's (a day past the month's end and second 60 carry over) without
  // its time-zone machinery, which cost more than the rest of parsing a metrics line.
  using namespace std::chrono;
  const sys_days date = sys_days(std::chrono::year(*year) / *month / 1) + days(*day - 1);
  const sys_seconds time = date + hours(*hour) + minutes(*minute) + std::chrono::seconds(*second);
  const int64_t seconds = time.time_since_epoch().count() - offset_seconds;
  // Timestamp counts nanoseconds in 64 bits: about 1678 to 2262.
  constexpr int64_t kLimitSeconds = std::numeric_limits<int64_t>::max() / 1'000'000'000 - 1;
  if (seconds < -kLimitSeconds || seconds > kLimitSeconds) return std::nullopt;
  return FromUnixMicros(seconds * 1'000'000 + micros);
}

int64_t ToUnixMicros(Timestamp time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

Timestamp FromUnixMicros(int64_t micros) {
  return Timestamp(
      std::chrono::duration_cast<Timestamp::duration>(std::chrono::microseconds(micros)));
}

std::string_view TrimAsciiSpace(std::string_view text) {
  auto is_space = [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  };
  while (!text.empty() && is_space(text.front()))
    text.remove_prefix(1);
  while (!text.empty() && is_space(text.back()))
    text.remove_suffix(1);
  return text;
}

std::string ReplaceWhole(std::string_view text, std::string_view from, std::string_view to,
                         const std::function<bool(std::string_view, size_t, size_t)>& whole) {
  std::string out;
  size_t pos = 0;
  while (!from.empty()) {
    const size_t found = text.find(from, pos);
    if (found == std::string_view::npos) break;
    const size_t end = found + from.size();
    out.append(text.substr(pos, found - pos));
    out.append(whole(text, found, end) ? to : from);
    pos = end;
  }
  out.append(text.substr(pos));
  return out;
}

}  // namespace tuneup
