// Strict number parsing, round-trip formatting and RFC 3339 timestamps.
#include "common/text.h"

#include <array>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ctime>

#include <gtest/gtest.h>

namespace tuneup {
namespace {

TEST(ParseDoubleTest, AcceptsWholeNumbersOnly) {
  EXPECT_EQ(ParseDouble("0.5"), 0.5);
  EXPECT_EQ(ParseDouble("+1e-3"), 1e-3);
  EXPECT_EQ(ParseDouble("-2"), -2.0);
  EXPECT_EQ(ParseDouble(".5"), 0.5);
  EXPECT_FALSE(ParseDouble(""));
  EXPECT_FALSE(ParseDouble("+"));
  EXPECT_FALSE(ParseDouble("+-1"));
  EXPECT_FALSE(ParseDouble("++1"));
  EXPECT_FALSE(ParseDouble(" 1"));
  EXPECT_FALSE(ParseDouble("1 "));
  EXPECT_FALSE(ParseDouble("1.5x"));
  EXPECT_FALSE(ParseDouble("0x10"));
}

TEST(ParseDoubleTest, OutOfRangeBehavesLikeGo) {
  // Underflow is zero, overflow is infinity (rejected later by callers needing finite values).
  auto tiny = ParseDouble("1e-400");
  ASSERT_TRUE(tiny);
  EXPECT_EQ(*tiny, 0.0);
  auto huge = ParseDouble("1e999");
  ASSERT_TRUE(huge);
  EXPECT_TRUE(std::isinf(*huge));
  EXPECT_EQ(ParseDouble("1e-310").value_or(0), 1e-310);  // subnormal, still exact
}

TEST(ParseInt64Test, Strict) {
  EXPECT_EQ(ParseInt64("42"), 42);
  EXPECT_EQ(ParseInt64("+3"), 3);
  EXPECT_EQ(ParseInt64("-7"), -7);
  EXPECT_FALSE(ParseInt64("1.0"));
  EXPECT_FALSE(ParseInt64("1e3"));
  EXPECT_FALSE(ParseInt64("+-1"));
  EXPECT_FALSE(ParseInt64("9223372036854775808"));
  EXPECT_EQ(ParseInt64("9223372036854775807"), INT64_MAX);
}

TEST(FormatTest, ShortestRoundTrip) {
  EXPECT_EQ(FormatDouble(0.1), "0.1");
  EXPECT_EQ(FormatDouble(1e-5), "1e-05");
  EXPECT_EQ(FormatDouble(3.0), "3");
  EXPECT_EQ(FormatDouble(-0.0), "0");
  for (double value : {0.1 + 0.2, 1.0 / 3.0, 6.02214076e23, 5e-324}) {
    EXPECT_EQ(ParseDouble(FormatDouble(value)), value);
  }
}

TEST(FormatTest, FixedDropsTrailingZerosAndBinaryNoise) {
  EXPECT_EQ(FormatDoubleFixed(0.1 + 0.2, 2), "0.3");
  EXPECT_EQ(FormatDoubleFixed(2.50, 2), "2.5");
  EXPECT_EQ(FormatDoubleFixed(3.0, 3), "3");
  EXPECT_EQ(FormatDoubleFixed(-0.0001, 2), "0");
}

TEST(FormatTest, DecimalPlaces) {
  EXPECT_EQ(DecimalPlaces("0.01"), 2);
  EXPECT_EQ(DecimalPlaces("1e-3"), 3);
  EXPECT_EQ(DecimalPlaces("5"), 0);
  EXPECT_EQ(DecimalPlaces("2.5e1"), 0);
  EXPECT_EQ(DecimalPlaces("1.25e-2"), 4);
}

TEST(Rfc3339Test, RoundTripAndOffsets) {
  auto t = ParseRfc3339("2026-11-23T08:32:00.123456Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(FormatRfc3339(*t), "2026-11-23T08:32:00.123456Z");
  EXPECT_EQ(ParseRfc3339("2026-11-23T10:32:00+02:00"), ParseRfc3339("2026-11-23T08:32:00Z"));
  EXPECT_EQ(ParseRfc3339("2026-11-23T08:32:00.5Z"),
            FromUnixMicros(ToUnixMicros(*ParseRfc3339("2026-11-23T08:32:00Z")) + 500000));
  EXPECT_FALSE(ParseRfc3339("2026-11-23 08:32:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2026-11-23T08:32:00"));
  EXPECT_FALSE(ParseRfc3339("yesterday"));
}

TEST(Rfc3339Test, TimesATimestampCannotHoldAreRejected) {
  // 64-bit nanoseconds reach from 1677-09-21 to 2262-04-11; beyond, a time would wrap around.
  EXPECT_TRUE(ParseRfc3339("1678-01-01T00:00:00Z"));
  EXPECT_TRUE(ParseRfc3339("2262-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("1600-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("2263-01-01T00:00:00Z"));
  EXPECT_FALSE(ParseRfc3339("9999-12-31T23:59:59Z"));
  EXPECT_FALSE(ParseRfc3339("0000-01-01T00:00:00Z"));
}

TEST(Rfc3339Test, CalendarArithmeticMatchesTimegm) {
  // Leap and common years, years before 1970, and fields that carry over (February 30, second
  // 60), as C's timegm reads them; within the years a Timestamp can hold (1678-2262).
  for (int year : {1700, 1899, 1900, 1969, 1970, 2000, 2024, 2026, 2100, 2200, 2261}) {
    for (int month = 1; month <= 12; ++month) {
      for (int day : {1, 28, 29, 30, 31}) {
        for (auto [hour, minute, second] : {std::array{0, 0, 0}, std::array{23, 59, 60}}) {
          char text[40];
          std::snprintf(text, sizeof text, "%04d-%02d-%02dT%02d:%02d:%02d.25Z", year, month, day,
                        hour, minute, second);
          std::tm tm{};
          tm.tm_year = year - 1900;
          tm.tm_mon = month - 1;
          tm.tm_mday = day;
          tm.tm_hour = hour;
          tm.tm_min = minute;
          tm.tm_sec = second;
          const int64_t expected = static_cast<int64_t>(timegm(&tm)) * 1'000'000 + 250'000;
          auto parsed = ParseRfc3339(text);
          ASSERT_TRUE(parsed) << text;
          EXPECT_EQ(ToUnixMicros(*parsed), expected) << text;
        }
      }
    }
  }
}

}  // namespace
}  // namespace tuneup
