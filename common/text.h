// Numbers and timestamps as text: strict parsing (the whole string must be the number) and
// formatting that round-trips. Parameter values travel as strings (as in Katib's API), so these
// functions decide what a trial sees on its command line.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace tuneup {

// "0.5", "+1e-3", "-2" -> value. Rejects empty strings, trailing garbage and surrounding spaces.
// Accepts "inf"/"nan" spellings; callers that need finite values check std::isfinite.
std::optional<double> ParseDouble(std::string_view text);

// "42", "-7", "+3" -> value. Rejects fractions, exponents and out-of-range values.
std::optional<int64_t> ParseInt64(std::string_view text);

// Shortest text that parses back to exactly `value` ("0.1", "1e-05", "3").
std::string FormatDouble(double value);

// `value` rounded to `decimals` places, trailing zeros dropped ("0.30", 2 -> "0.3").
std::string FormatDoubleFixed(double value, int decimals);

// Decimal places a number written as `text` carries: "0.01" -> 2, "1e-3" -> 3, "5" -> 0,
// "2.5e1" -> 0. Used to print stepped values without binary noise (0.1 + 0.2 -> "0.3").
int DecimalPlaces(std::string_view text);

// RFC 3339 in UTC with microseconds: "2026-11-23T08:32:00.123456Z".
std::string FormatRfc3339(Timestamp time);

// Parses RFC 3339 / RFC 3339 with nanoseconds ("2026-11-23T08:32:00Z",
// "2026-11-23T10:32:00.5+02:00"). Returns nullopt for anything else, and for times a Timestamp
// cannot hold (before 1678 or after 2261).
std::optional<Timestamp> ParseRfc3339(std::string_view text);

// Microseconds since the Unix epoch, the unit timestamps are stored in.
int64_t ToUnixMicros(Timestamp time);
Timestamp FromUnixMicros(int64_t micros);

std::string_view TrimAsciiSpace(std::string_view text);

// `text` with each occurrence of `from` (non-empty) replaced by `to` where `whole(text, begin,
// end)` says the occurrence at [begin, end) stands on its own (not part of a longer word, path or
// number); occurrences are found left to right without overlapping.
std::string ReplaceWhole(std::string_view text, std::string_view from, std::string_view to,
                         const std::function<bool(std::string_view, size_t, size_t)>& whole);

}  // namespace tuneup
