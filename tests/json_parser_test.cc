// Katib's File collector, JSON format (metrics-collector/json_parser.h): numbers and strings,
// timestamps, and every kind of bad line skipped with a warning that names it.
#include "metrics-collector/json_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "common/text.h"
#include "tests/support/mutate.h"
#include "tests/support/parser_harness.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'700'000'000));

class Harness : public testing::ParserHarness {
 public:
  explicit Harness(std::vector<std::string> names = {"loss", "accuracy"},
                   size_t max_line_bytes = 1 << 20)
      : ParserHarness(kNow) {
    JsonParserOptions options;
    options.metric_names = std::move(names);
    options.max_line_bytes = max_line_bytes;
    options.warn = CaptureWarnings();
    parser = MakeJsonMetricParser(std::move(options));
  }
};

TEST(JsonParserTest, NumbersAndStringsAreBothValues) {
  Harness h;
  h.Feed(R"({"epoch": 0, "loss": 0.5, "accuracy": "0.75"})"
         "\n"
         R"({"epoch": 1, "loss": "4e-1", "accuracy": 1})"
         "\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.75), Pair("loss", 0.4),
                                      Pair("accuracy", 1)));
  EXPECT_THAT(h.warnings, IsEmpty());
  EXPECT_EQ(h.observations[0].time, kNow);
}

TEST(JsonParserTest, KatibsTimestampFieldDatesTheLine) {
  Harness h;
  h.Feed(R"({"loss": 0.5, "timestamp": "2021-12-02T14:27:51"})"
         "\n"
         R"({"timestamp": "2021-12-02T15:27:51.5+01:00", "loss": 0.4})"
         "\n"
         R"({"timestamp": 1700000100.25, "loss": 0.3})"
         "\n"
         R"({"timestamp": "yesterday", "loss": 0.2})"
         "\n")
      .Finish();
  ASSERT_THAT(h.observations, SizeIs(4));
  EXPECT_EQ(FormatRfc3339(h.observations[0].time), "2021-12-02T14:27:51.000000Z");
  EXPECT_EQ(FormatRfc3339(h.observations[1].time), "2021-12-02T14:27:51.500000Z");
  EXPECT_EQ(FormatRfc3339(h.observations[2].time), "2023-11-14T22:15:00.250000Z");
  EXPECT_EQ(h.observations[3].time, kNow);  // unreadable: the arrival time, with a warning
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_EQ(h.warnings[0], "line 4: timestamp \"yesterday\" is not an RFC 3339 time");
}

TEST(JsonParserTest, TimestampsBeyondWhatATimestampHoldsAreUnreadable) {
  Harness h;
  h.Feed(R"({"timestamp": 9500000000, "loss": 0.1})"
         "\n"
         R"({"timestamp": "2300-01-01T00:00:00Z", "loss": 0.2})"
         "\n")
      .Finish();
  ASSERT_THAT(h.observations, SizeIs(2));
  EXPECT_EQ(h.observations[0].time, kNow);
  EXPECT_EQ(h.observations[1].time, kNow);
  EXPECT_THAT(h.warnings, SizeIs(2));
}

TEST(JsonParserTest, OtherFieldsAndNestedOnesAreIgnored) {
  Harness h;
  h.Feed(R"({"step": 3, "config": {"loss": 9, "lr": [1, 2]}, "loss": 0.25, "tags": ["a"]})"
         "\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.25)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(JsonParserTest, AMetricThatIsNotANumberIsSkippedWithAWarning) {
  Harness h;
  h.Feed(R"({"loss": {"value": 1}, "accuracy": 0.5})"
         "\n"
         R"({"loss": [0.1], "accuracy": true})"
         "\n"
         R"({"loss": null, "accuracy": "high"})"
         "\n"
         R"({"loss": "nan", "accuracy": "1e999"})"
         "\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("accuracy", 0.5)));
  EXPECT_THAT(h.warnings,
              ElementsAre("line 1: value of loss is an object, not a number",
                          "line 2: value of loss is an array, not a number",
                          "line 2: value of accuracy is a boolean, not a number",
                          "line 3: value of loss is null, not a number",
                          "line 3: value \"high\" of accuracy is not a finite number",
                          "line 4: value \"nan\" of loss is not a finite number",
                          "line 4: value \"1e999\" of accuracy is not a finite number"));
}

TEST(JsonParserTest, PythonsNaNAndInfinityCostOnlyTheirOwnValue) {
  // json.dumps({"loss": float("nan"), "accuracy": 0.5}) writes NaN, which JSON has not.
  Harness h;
  h.Feed(R"({"loss": NaN, "accuracy": 0.5, "note": "NaN in a string stays"})"
         "\n"
         R"({"loss": -Infinity, "accuracy": Infinity})"
         "\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("accuracy", 0.5)));
  EXPECT_THAT(h.warnings, ElementsAre("line 1: value of loss is not a finite number",
                                      "line 2: value of loss is not a finite number",
                                      "line 2: value of accuracy is not a finite number"));
}

TEST(JsonParserTest, AMetricNamedTwiceCountsOnce) {
  Harness h;
  h.Feed(R"({"loss": 0.5, "loss": 0.1})"
         "\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5)));
  EXPECT_THAT(h.warnings,
              ElementsAre("line 1: loss appears more than once; the first value counts"));
}

TEST(JsonParserTest, LinesThatAreNotJsonObjectsAreSkippedWithAWarning) {
  Harness h;
  h.Feed(
       "epoch 3 loss=0.4\n[1, 2]\n0.5\n\"loss\"\n{\"loss\": 0.5\n{\"loss\": 0.5} trailing\n\n  \n")
      .Feed("{\"loss\": 0.3}\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.3)));
  ASSERT_THAT(h.warnings, SizeIs(6));
  EXPECT_THAT(h.warnings[0], HasSubstr("line 1: not valid JSON: \"[json.exception.parse_error"));
  EXPECT_EQ(h.warnings[1], "line 2: not a JSON object");
  EXPECT_EQ(h.warnings[2], "line 3: not a JSON object");
  EXPECT_EQ(h.warnings[3], "line 4: not a JSON object");
  EXPECT_THAT(h.warnings[4], HasSubstr("line 5: not valid JSON"));
  EXPECT_THAT(h.warnings[5], HasSubstr("line 6: not valid JSON"));
}

TEST(JsonParserTest, GarbageIsQuotedEscaped) {
  Harness h;
  h.Feed(std::string("\x01\xff\x1b[31m{\n", 8)).Finish();
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("line 1: not valid JSON"));
  for (char c : h.warnings[0]) {
    EXPECT_TRUE(c >= 0x20 && c < 0x7f) << "unescaped byte " << static_cast<int>(c);
  }
}

TEST(JsonParserTest, SplitFeedsAndAnUnterminatedLastLine) {
  const std::string input =
      "{\"loss\": 0.5}\n{\"loss\": \"0.25\", \"accuracy\": 0.9}\r{\"loss\": 1}";
  for (size_t chunk = 1; chunk <= input.size(); ++chunk) {
    Harness h;
    for (size_t pos = 0; pos < input.size(); pos += chunk)
      h.Feed(std::string_view(input).substr(pos, chunk));
    h.Finish();
    EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5), Pair("loss", 0.25),
                                        Pair("accuracy", 0.9), Pair("loss", 1)))
        << "chunk " << chunk;
  }
}

TEST(JsonParserTest, OverLongLinesAreDroppedUnread) {
  Harness h({"loss"}, 64);
  h.Feed("{\"loss\": 1, \"pad\": \"" + std::string(100, 'x') + "\"}\n{\"loss\": 2}\n").Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 2)));
  EXPECT_THAT(h.warnings, ElementsAre("line 1: skipped a line longer than 64 bytes"));
}

TEST(JsonParserTest, DeepNestingCostsNoStack) {
  Harness h;
  const int depth = 200'000;
  h.Feed("{\"x\": " + std::string(depth, '[') + std::string(depth, ']') + ", \"loss\": 0.5}\n")
      .Finish();
  EXPECT_THAT(h.values(), ElementsAre(Pair("loss", 0.5)));
}

TEST(JsonParserTest, TenThousandMutatedLinesNeverCrashOrHang) {
  // Seeded mutations of valid lines: bytes flipped, inserted, deleted and cut. The parser must
  // survive each and keep what it returns finite and named.
  const std::vector<std::string> seeds = {
      R"({"epoch": 1, "loss": 0.5, "accuracy": "0.75", "timestamp": "2021-12-02T14:27:51"})",
      R"({"loss": NaN, "nested": {"loss": [1, {"a": null}]}, "accuracy": 1e-3})",
      R"({"timestamp": 1700000000.5, "loss": "-2.5E+3", "s": "\u00e9\"\\"})"};
  Harness h;
  std::string all;
  for (const auto& line : testing::Mutants(seeds, 10'000))
    all += line + "\n";
  h.Feed(all).Finish();
  for (const auto& o : h.observations) {
    EXPECT_TRUE(std::isfinite(o.value));
    EXPECT_TRUE(o.metric == "loss" || o.metric == "accuracy") << o.metric;
  }
  EXPECT_THAT(h.observations, ::testing::Not(IsEmpty()));
  EXPECT_THAT(h.warnings, SizeIs(101));  // capped: 100 and the notice
}

}  // namespace
}  // namespace tuneup
