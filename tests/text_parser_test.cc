#include "metrics-collector/text_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <ostream>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/text.h"
#include "tests/support/mutate.h"

namespace tuneup {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::Pair;
using ::testing::SizeIs;
using ::testing::StartsWith;
using namespace std::string_literals;

const Timestamp kNow = Timestamp(std::chrono::seconds(1'700'000'000));
const Timestamp kLater = kNow + std::chrono::seconds(5);

using Values = std::vector<std::pair<std::string, double>>;

// A parser with its warnings captured, fed and finished by the tests.
class Harness {
 public:
  explicit Harness(std::vector<std::string> metric_names, std::vector<std::string> filters = {},
                   size_t max_line_bytes = 1 << 20) {
    TextParserOptions options;
    options.metric_names = std::move(metric_names);
    options.filters = std::move(filters);
    options.max_line_bytes = max_line_bytes;
    options.warn = [this](std::string_view message) { warnings.emplace_back(message); };
    parser = MakeTextMetricParser(std::move(options));
  }

  Harness& Feed(std::string_view bytes, Timestamp now = kNow) {
    parser->Feed(bytes, now, observations);
    return *this;
  }
  Harness& Finish(Timestamp now = kNow) {
    parser->Finish(now, observations);
    return *this;
  }
  // Feeds `bytes` in pieces of `chunk` bytes.
  Harness& FeedInChunks(std::string_view bytes, size_t chunk) {
    for (size_t pos = 0; pos < bytes.size(); pos += chunk)
      Feed(bytes.substr(pos, chunk));
    return *this;
  }

  // Feeds `bytes` in pieces of 1 to 256 bytes, their sizes drawn from a generator seeded by
  // `seed`: a pipe delivers whatever it holds, cutting lines, names and numbers anywhere.
  Harness& FeedInRandomPieces(std::string_view bytes, uint64_t seed) {
    std::mt19937_64 rng(seed);
    while (!bytes.empty()) {
      const size_t size = 1 + rng() % 256;
      Feed(bytes.substr(0, size));
      bytes.remove_prefix(std::min(size, bytes.size()));
    }
    return *this;
  }

  Values values() const {
    Values result;
    for (const auto& observation : observations) {
      result.emplace_back(observation.metric, observation.value);
    }
    return result;
  }

  std::unique_ptr<MetricParser> parser;
  std::vector<Observation> observations;
  std::vector<std::string> warnings;
};

Values ParseAll(std::string_view input, std::vector<std::string> names,
                std::vector<std::string> filters = {}) {
  return Harness(std::move(names), std::move(filters)).Feed(input).Finish().values();
}

TEST(TextParserTest, BasicNameValue) {
  Harness harness({"loss"});
  harness.Feed("loss=0.5\n");
  ASSERT_THAT(harness.observations, SizeIs(1));
  EXPECT_EQ(harness.observations[0].metric, "loss");
  EXPECT_EQ(harness.observations[0].value, 0.5);
  EXPECT_EQ(harness.observations[0].time, kNow);
  EXPECT_THAT(harness.warnings, IsEmpty());
}

TEST(TextParserTest, SeveralMetricsInOneLine) {
  EXPECT_THAT(ParseAll("epoch=3 loss=0.2 accuracy=0.9\n", {"loss", "accuracy"}),
              ElementsAre(Pair("loss", 0.2), Pair("accuracy", 0.9)));
}

TEST(TextParserTest, CollectsOnlyListedMetricNames) {
  EXPECT_THAT(ParseAll("val_loss=0.3 loss=0.2\n", {"loss"}), ElementsAre(Pair("loss", 0.2)));
  EXPECT_THAT(ParseAll("val_loss=0.3 loss=0.2\n", {"loss", "val_loss"}),
              ElementsAre(Pair("val_loss", 0.3), Pair("loss", 0.2)));
  // Names match exactly: no prefixes, suffixes or case folding.
  EXPECT_THAT(ParseAll("Loss=1 losses=2 los=3 loss_=4\n", {"loss"}), IsEmpty());
}

TEST(TextParserTest, DuplicateMetricNamesReportOnce) {
  EXPECT_THAT(ParseAll("loss=0.2\n", {"loss", "loss"}), ElementsAre(Pair("loss", 0.2)));
}

TEST(TextParserTest, ManyMetricNames) {
  std::vector<std::string> names;
  names.reserve(20);
  for (int i = 0; i < 20; ++i)
    names.push_back("m" + std::to_string(i));
  EXPECT_THAT(ParseAll("m13=1 m7=2 zz=3 m20=4 m0=5\n", names),
              ElementsAre(Pair("m13", 1), Pair("m7", 2), Pair("m0", 5)));
}

// The default filter must find exactly what Go's FindAllStringSubmatch finds with Katib's regex
// `([\w|-]+)\s*=\s*([+-]?\d*(\.\d+)?([Ee][+-]?\d+)?)` (leftmost-first, greedy, the search
// resuming where the previous match ended). Expected values were checked against Go.
struct DefaultFilterCase {
  std::string line;
  std::vector<std::string> names;
  Values expected;
  size_t warnings = 0;
};

// Test names and failure messages show the line, not the struct's bytes.
void PrintTo(const DefaultFilterCase& param, std::ostream* os) {
  *os << ::testing::PrintToString(param.line);
}

class DefaultFilterTest : public ::testing::TestWithParam<DefaultFilterCase> {};

TEST_P(DefaultFilterTest, MatchesKatibRegex) {
  const auto& param = GetParam();
  Harness harness(param.names);
  harness.Feed(param.line + "\n");
  EXPECT_EQ(harness.values(), param.expected) << param.line;
  EXPECT_THAT(harness.warnings, SizeIs(param.warnings)) << param.line;
}

INSTANTIATE_TEST_SUITE_P(
    KatibSemantics, DefaultFilterTest,
    ::testing::Values(
        // '-' and '|' are name characters.
        DefaultFilterCase{"a-b=1", {"a-b", "b"}, {{"a-b", 1}}},
        DefaultFilterCase{"a|b=1", {"a|b", "b"}, {{"a|b", 1}}},
        // "x=" matches with an empty value; the search resumes at the second '=', which has no
        // name before it (the search never reaches back into the previous match).
        DefaultFilterCase{"x==2", {"x", "2"}, {}, 1},
        DefaultFilterCase{"loss==0.5", {"loss"}, {}, 1},
        // Spaces around '=' belong to the match.
        DefaultFilterCase{"loss = 0.5", {"loss"}, {{"loss", 0.5}}},
        DefaultFilterCase{"loss\t=\t 0.5", {"loss"}, {{"loss", 0.5}}},
        DefaultFilterCase{"loss =", {"loss"}, {}, 1},
        DefaultFilterCase{"val_loss=0.3 loss=0.2", {"loss"}, {{"loss", 0.2}}},
        // "epoch 3" has no '=', "3:" neither.
        DefaultFilterCase{"epoch 3: loss=0.25, accuracy=0.9",
                          {"epoch", "3", "loss", "accuracy"},
                          {{"loss", 0.25}, {"accuracy", 0.9}}},
        // The value is the longest [+-]?\d*(\.\d+)?([Ee][+-]?\d+)?.
        DefaultFilterCase{"loss=.5", {"loss"}, {{"loss", 0.5}}},
        DefaultFilterCase{"loss=5.", {"loss"}, {{"loss", 5}}},
        DefaultFilterCase{"loss=1e5", {"loss"}, {{"loss", 1e5}}},
        DefaultFilterCase{"loss=1e", {"loss"}, {{"loss", 1}}},
        DefaultFilterCase{"loss=1e+", {"loss"}, {{"loss", 1}}},
        DefaultFilterCase{"loss=-2.5E+2", {"loss"}, {{"loss", -250}}},
        DefaultFilterCase{"loss=+3", {"loss"}, {{"loss", 3}}},
        DefaultFilterCase{"loss=1e-3", {"loss"}, {{"loss", 0.001}}},
        DefaultFilterCase{"loss=-.5e1", {"loss"}, {{"loss", -5}}},
        DefaultFilterCase{"loss=0.1.2", {"loss"}, {{"loss", 0.1}}},
        DefaultFilterCase{"loss=abc", {"loss"}, {}, 1},
        DefaultFilterCase{"loss=-", {"loss"}, {}, 1},
        DefaultFilterCase{"loss=nan", {"loss"}, {}, 1},
        DefaultFilterCase{"loss=1e999", {"loss"}, {}, 1},
        // The search resumes right after the value, even inside a run of name characters.
        DefaultFilterCase{
            "loss=0.5accuracy=0.9", {"loss", "accuracy"}, {{"loss", 0.5}, {"accuracy", 0.9}}},
        DefaultFilterCase{"loss=1exp=2", {"loss", "exp"}, {{"loss", 1}, {"exp", 2}}},
        DefaultFilterCase{"loss=5-acc=3", {"loss", "acc", "-acc"}, {{"loss", 5}, {"-acc", 3}}},
        DefaultFilterCase{"loss=1e5x=2", {"loss", "x", "e5x"}, {{"loss", 1e5}, {"x", 2}}},
        DefaultFilterCase{"a=b=1", {"a", "b"}, {{"b", 1}}, 1},
        DefaultFilterCase{"a= b=1", {"a", "b"}, {{"b", 1}}, 1},
        DefaultFilterCase{
            "lr=0.1,loss=0.3;acc=0.7", {"loss", "acc"}, {{"loss", 0.3}, {"acc", 0.7}}},
        DefaultFilterCase{"  loss=0.5  ", {"loss"}, {{"loss", 0.5}}},
        // The name must come right before '=' (spaces aside).
        DefaultFilterCase{"[loss]=0.5 (loss)=0.6 {loss=0.7}", {"loss"}, {{"loss", 0.7}}},
        // \s is Go's [\t\n\f\r ]: a vertical tab separates nothing.
        DefaultFilterCase{"loss\v=0.5", {"loss"}, {}},
        // Non-ASCII letters are not \w in Go.
        DefaultFilterCase{
            "\xc3\xa9loss=0.5 \xc3\xa9t=1 t\xc3\xa9=2", {"loss", "t"}, {{"loss", 0.5}, {"t", 1}}},
        DefaultFilterCase{"= = = ====", {"loss"}, {}}, DefaultFilterCase{"loss", {"loss"}, {}}));

TEST(TextParserTest, GarbageLines) {
  Harness harness({"loss"});
  harness.Feed("Traceback (most recent call last):\n")
      .Feed("=====\n= = =\n==loss\nloss\n====>loss\n")
      .Feed("}{][)(*&^%$#@!~`'\";:/?.>,<\\|\n")
      .Feed("loss=0.5\n");
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.5)));
  EXPECT_THAT(harness.warnings, IsEmpty());
}

TEST(TextParserTest, BinaryBytesAndNul) {
  std::string input = "\0\x01\xff\xfe loss=0.1\0loss=0.2\xff\n"s;
  input += "lo\0ss=0.3\n"s;
  input += "\x80\x80loss\x80=0.4\n";  // a non-space byte between the name and '='
  std::string junk;
  for (int i = 0; i < 4096; ++i)
    junk += static_cast<char>((i * 131) % 256);
  input += junk + "\nloss=0.5\n";
  Harness harness({"loss", "ss"});
  harness.Feed(input);
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.1), Pair("loss", 0.2), Pair("ss", 0.3),
                                            Pair("loss", 0.5)));
}

TEST(TextParserTest, OneMegabyteLineIsParsed) {
  std::string line(1'000'000 - 9, 'x');
  for (size_t i = 0; i < line.size(); i += 7)
    line[i] = ' ';
  line += " loss=0.5";
  ASSERT_EQ(line.size(), 1'000'000u);
  line += '\n';
  {
    Harness harness({"loss"});
    harness.Feed(line);
    EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.5)));
    EXPECT_THAT(harness.warnings, IsEmpty());
  }
  {
    Harness harness({"loss"});
    harness.FeedInChunks(line, 4096);
    EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.5)));
    EXPECT_THAT(harness.warnings, IsEmpty());
  }
}

TEST(TextParserTest, TwoMegabyteLineIsSkippedWithOneWarning) {
  std::string input = std::string(2'000'000, 'y') + " loss=0.1\nloss=0.2\n";
  for (size_t chunk : {input.size(), size_t{65536}, size_t{1000}}) {
    Harness harness({"loss"});
    harness.FeedInChunks(input, chunk);
    EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.2))) << chunk;
    EXPECT_THAT(harness.warnings, ElementsAre("line 1: skipped a line longer than 1048576 bytes"))
        << chunk;
  }
}

TEST(TextParserTest, LineLengthLimitIsInclusive) {
  for (size_t chunk : {size_t{1000}, size_t{1}}) {
    Harness harness({"loss"}, {}, 10);
    harness.FeedInChunks("loss=0.125\nloss=0.2500\nloss=0.5\nxloss=0.250\n", chunk);
    EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.125), Pair("loss", 0.5)));
    EXPECT_THAT(harness.warnings, ElementsAre("line 2: skipped a line longer than 10 bytes",
                                              "line 4: skipped a line longer than 10 bytes"));
  }
  // Finish does not parse what was dropped.
  Harness harness({"loss"}, {}, 10);
  harness.Feed("loss=0.25000").Finish();
  EXPECT_THAT(harness.values(), IsEmpty());
  EXPECT_THAT(harness.warnings, SizeIs(1));
}

long MaxRssKilobytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_maxrss;
}

TEST(TextParserTest, MemoryStaysBoundedWithoutNewlines) {
  long rss_before = MaxRssKilobytes();
  Harness harness({"loss"});
  std::string chunk(size_t{64} * 1024, 'z');
  chunk[100] = '=';  // not a metric: just bytes to carry along
  for (size_t fed = 0; fed < 50'000'000; fed += chunk.size())
    harness.Feed(chunk);
  harness.Feed("\nloss=0.7\n");
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.7)));
  EXPECT_THAT(harness.warnings, ElementsAre("line 1: skipped a line longer than 1048576 bytes"));
  // Buffering the 50 MB line would raise the peak by about that much; the cap allows ~1 MiB.
  EXPECT_LT(MaxRssKilobytes() - rss_before, 16 * 1024);
}

TEST(TextParserTest, NonFiniteAndEmptyValuesAreSkippedWithWarnings) {
  Harness harness({"loss", "accuracy"}, {R"((\w+)=(\S*))"});
  harness.Feed("loss=nan\nloss=NaN\nloss=inf\nloss=-inf\nloss=infinity\nloss=1e999\nloss=\n")
      .Feed("accuracy=abc\nloss=+-1\nloss=0.5\n");
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.5)));
  EXPECT_THAT(harness.warnings,
              ElementsAre("line 1: value \"nan\" of loss is not a finite number",
                          "line 2: value \"NaN\" of loss is not a finite number",
                          "line 3: value \"inf\" of loss is not a finite number",
                          "line 4: value \"-inf\" of loss is not a finite number",
                          "line 5: value \"infinity\" of loss is not a finite number",
                          "line 6: value \"1e999\" of loss is not a finite number",
                          "line 7: value \"\" of loss is not a finite number",
                          "line 8: value \"abc\" of accuracy is not a finite number",
                          "line 9: value \"+-1\" of loss is not a finite number"));
}

TEST(TextParserTest, WarningsQuoteAtMostSixtyEscapedBytes) {
  Harness harness({"loss"}, {R"((\w+)=(.*))"});
  harness.Feed("loss=\"\\\x01\x7f" + std::string(200, 'v') + "\n");
  ASSERT_THAT(harness.warnings, SizeIs(1));
  EXPECT_EQ(harness.warnings[0], "line 1: value \"\\\"\\\\\\x01\\x7f" + std::string(56, 'v') +
                                     "\"... of loss is not a finite number");
}

TEST(TextParserTest, WarningsAreCappedAtOneHundredPlusOne) {
  Harness harness({"loss"});
  for (int i = 0; i < 250; ++i)
    harness.Feed("loss=abc\n");
  harness.Feed(std::string(2 << 20, 'x') + "\n");
  harness.Feed("loss=0.5\n");
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.5)));
  ASSERT_THAT(harness.warnings, SizeIs(101));
  EXPECT_EQ(harness.warnings[99], "line 100: value \"\" of loss is not a finite number");
  EXPECT_THAT(harness.warnings[100], HasSubstr("further warnings suppressed"));
}

TEST(TextParserTest, NoWarningSinkIsFine) {
  TextParserOptions options;
  options.metric_names = {"loss"};
  auto parser = MakeTextMetricParser(options);
  std::vector<Observation> out;
  for (int i = 0; i < 200; ++i)
    parser->Feed("loss=abc\n", kNow, out);
  parser->Feed(std::string(2 << 20, 'x') + "\nloss=1\n", kNow, out);
  ASSERT_THAT(out, SizeIs(1));
  EXPECT_EQ(out[0].value, 1);
}

TEST(TextParserTest, CarriageReturnProgressBars) {
  Harness harness({"loss"});
  harness.Feed("epoch 1 [=====>    ] loss=0.9\repoch 1 [==========>] loss=0.8\r\n")
      .Feed("epoch 2 [==========>] loss=0.7\r\n\r\n\n\n")
      .Feed("loss=abc\r");
  EXPECT_THAT(harness.values(),
              ElementsAre(Pair("loss", 0.9), Pair("loss", 0.8), Pair("loss", 0.7)));
  // Lines are counted by '\n': a progress bar's redraws share one line number.
  EXPECT_THAT(harness.warnings, ElementsAre(StartsWith("line 6: ")));
}

TEST(TextParserTest, SplitFeedsGiveIdenticalObservations) {
  const std::string input =
      "2026-11-23T08:32:00Z epoch=1 loss=0.9 accuracy=0.5\n"
      "noise without metrics\r\n"
      "epoch 2 [=====>] loss=0.8\raccuracy = 0.75 loss=7e-1\n"
      "2026-11-23T10:32:00.5+02:00 accuracy=0.875\n"
      "loss=abc accuracy=.5\n"
      "loss=0.25";
  Harness whole({"loss", "accuracy"});
  whole.Feed(input).Finish();
  ASSERT_THAT(whole.values(), SizeIs(8));
  ASSERT_THAT(whole.warnings, SizeIs(1));

  auto same_as_whole = [&](const Harness& harness, const std::string& how) {
    ASSERT_EQ(harness.observations.size(), whole.observations.size()) << how;
    for (size_t i = 0; i < whole.observations.size(); ++i) {
      EXPECT_EQ(harness.observations[i].metric, whole.observations[i].metric) << how;
      EXPECT_EQ(harness.observations[i].value, whole.observations[i].value) << how;
      EXPECT_EQ(harness.observations[i].time, whole.observations[i].time) << how;
    }
    EXPECT_EQ(harness.warnings, whole.warnings) << how;
  };
  for (size_t split = 0; split <= input.size(); ++split) {
    Harness harness({"loss", "accuracy"});
    harness.Feed(std::string_view(input).substr(0, split))
        .Feed(std::string_view(input).substr(split))
        .Finish();
    same_as_whole(harness, "split at " + std::to_string(split));
  }
  Harness bytewise({"loss", "accuracy"});
  bytewise.FeedInChunks(input, 1).Finish();
  same_as_whole(bytewise, "byte by byte");
}

TEST(TextParserTest, FinishParsesUnterminatedLine) {
  Harness harness({"loss"});
  harness.Feed("loss=0.1\nloss=0.5");
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.1)));
  harness.Finish(kLater);
  EXPECT_THAT(harness.values(), ElementsAre(Pair("loss", 0.1), Pair("loss", 0.5)));
  EXPECT_EQ(harness.observations[1].time, kLater);
  harness.Finish();  // nothing left to parse twice
  EXPECT_THAT(harness.observations, SizeIs(2));
}

TEST(TextParserTest, ObservationsTakeTheTimeOfTheFeedThatEndsTheirLine) {
  Harness harness({"loss"});
  harness.Feed("loss=0.1", kNow).Feed("5\n", kLater);
  ASSERT_THAT(harness.observations, SizeIs(1));
  EXPECT_EQ(harness.observations[0].value, 0.15);
  EXPECT_EQ(harness.observations[0].time, kLater);
}

TEST(TextParserTest, Rfc3339PrefixTimestamps) {
  Harness harness({"loss"});
  harness.Feed("2026-11-23T08:32:00Z loss=0.5\n")
      .Feed("2026-11-23T10:32:00.25+02:00 epoch=2 loss=0.4 loss=0.3\n")
      .Feed("epoch=3 loss=0.2\n")                  // first token is not a time
      .Feed("2026-11-23T08:32:00Z,loss=0.1\n")     // no space after the time
      .Feed("2026-13-23T08:32:00Z loss=0.05\n")    // not a valid time
      .Feed(" 2026-11-23T08:32:00Z loss=0.01\n");  // the first token is empty
  ASSERT_THAT(harness.observations, SizeIs(7));
  Timestamp first = *ParseRfc3339("2026-11-23T08:32:00Z");
  Timestamp second = *ParseRfc3339("2026-11-23T08:32:00.25Z");
  EXPECT_EQ(harness.observations[0].time, first);
  EXPECT_EQ(harness.observations[1].time, second);
  EXPECT_EQ(harness.observations[2].time, second);
  for (size_t i = 3; i < 7; ++i)
    EXPECT_EQ(harness.observations[i].time, kNow) << i;
}

TEST(TextParserTest, CustomFilterJsonLike) {
  EXPECT_THAT(ParseAll(R"({"epoch": 3, "loss": 0.25, "accuracy":0.91, "lr": 0.1})"
                       "\n",
                       {"loss", "accuracy", "epoch"}, {R"re("(\w+)"\s*:\s*([\d.]+))re"}),
              ElementsAre(Pair("epoch", 3), Pair("loss", 0.25), Pair("accuracy", 0.91)));
}

TEST(TextParserTest, CustomFilterWords) {
  EXPECT_THAT(ParseAll("loss is 0.25 and accuracy is 0.9, lr is 1\n", {"loss", "accuracy", "lr"},
                       {R"((\w+)\s+is\s+(\d+\.\d+))"}),
              ElementsAre(Pair("loss", 0.25), Pair("accuracy", 0.9)));
}

TEST(TextParserTest, CustomFiltersApplyInOrderAndTrimGroups) {
  // As in Katib: every filter is applied to the line in turn; both may report the same value.
  EXPECT_THAT(ParseAll("loss: 0.5 | accuracy =  0.75  |\n", {"loss", "accuracy"},
                       {R"(([a-z ]+)=([ \d.]+))", R"((\w+):( [\d.]+))"}),
              ElementsAre(Pair("accuracy", 0.75), Pair("loss", 0.5)));
}

TEST(TextParserTest, CustomFilterUsesOnlyTheFirstTwoGroups) {
  EXPECT_THAT(ParseAll("loss=0.5 (epoch 3)\n", {"loss"}, {R"((\w+)=([\d.]+) \(epoch (\d+)\))"}),
              ElementsAre(Pair("loss", 0.5)));
}

TEST(TextParserTest, InvalidCustomFilterThrows) {
  TextParserOptions options;
  options.metric_names = {"loss"};
  options.filters = {R"((\w+)=(\d+))", R"((\w+=(\d+)"};
  try {
    MakeTextMetricParser(options);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(error.what(), HasSubstr(R"re(metrics filter "(\w+=(\d+" is not a valid regex)re"));
  }
}

TEST(TextParserTest, CustomFilterWithFewerThanTwoGroupsThrows) {
  for (std::string filter : {R"(loss=(\d+))", R"(loss=\d+)", R"((?:\w+)=(\d+))"}) {
    TextParserOptions options;
    options.metric_names = {"loss"};
    options.filters = {filter};
    try {
      MakeTextMetricParser(options);
      FAIL() << "expected an error for " << filter;
    } catch (const Error& error) {
      EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
      EXPECT_THAT(error.what(), HasSubstr("capturing groups")) << filter;
      EXPECT_THAT(error.what(), HasSubstr("metrics filter \"")) << filter;
    }
  }
}

TEST(TextParserTest, CustomFilterMatchingEmptyStringsTerminates) {
  EXPECT_THAT(
      ParseAll("loss=0.5 junk ++ accuracy=0.25\n", {"loss", "accuracy"}, {R"((\w*)=?([\d.]*))"}),
      ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.25)));
  EXPECT_THAT(ParseAll("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xff\xfe\n", {"loss"}, {"(a*)(b*)"}),
              IsEmpty());
  Harness harness({"loss"}, {"()()"});
  harness.Feed(std::string(100'000, '#') + "\n").Feed("loss=1\n").Finish();
  EXPECT_THAT(harness.values(), IsEmpty());
}

TEST(TextParserTest, CustomFilterAnchorsApplyToTheWholeLine) {
  // After the first match the search goes on from inside the line, where ^ no longer matches.
  EXPECT_THAT(ParseAll("loss=1 loss=2\n", {"loss"}, {R"(^(\w+)=(\d+) ?)"}),
              ElementsAre(Pair("loss", 1)));
}

// The robustness tests' input: 10,000 seeded mutants of `seeds`, one per line. Insertions draw
// from the text format's own separators, line ends included, so mutants also split and join
// lines.
std::string MutatedLog(const std::vector<std::string>& seeds) {
  testing::MutationOptions options;
  options.insertable = "=:.,-+eE0 \t\r\n{}|";
  std::string log;
  for (const auto& line : testing::Mutants(seeds, 10'000, options))
    log += line + "\n";
  return log;
}

using Timed = std::vector<std::tuple<std::string, double, Timestamp>>;

Timed TimedValues(const Harness& harness) {
  Timed result;
  for (const auto& o : harness.observations)
    result.emplace_back(o.metric, o.value, o.time);
  return result;
}

// What a parser reported.
struct Parsed {
  std::vector<Observation> observations;
  std::vector<std::string> warnings;
};

std::set<std::string> MetricsSeen(const Parsed& parsed) {
  std::set<std::string> names;
  for (const auto& o : parsed.observations)
    names.insert(o.metric);
  return names;
}

// Parses `log` whole and in random pieces, with the default line cap and with one that many
// mutants exceed. Both ways must agree exactly, report only finite values of the requested
// metrics and cap their warnings. Returns what the whole feed with the default cap reported.
Parsed ParseRobustly(const std::string& log, const std::vector<std::string>& names,
                     const std::vector<std::string>& filters) {
  const size_t kDefaultCap = TextParserOptions{}.max_line_bytes;
  Parsed parsed;
  for (size_t max_line_bytes : {kDefaultCap, size_t{48}}) {
    Harness whole(names, filters, max_line_bytes);
    whole.Feed(log).Finish();
    for (const auto& o : whole.observations) {
      EXPECT_TRUE(std::isfinite(o.value)) << o.metric;
      EXPECT_THAT(names, Contains(o.metric));
    }
    EXPECT_LE(whole.warnings.size(), 101u);
    if (whole.warnings.size() == 101) {
      EXPECT_THAT(whole.warnings.back(), HasSubstr("further warnings suppressed"));
    }
    for (uint64_t seed : {1, 2}) {
      Harness pieces(names, filters, max_line_bytes);
      pieces.FeedInRandomPieces(log, seed).Finish();
      EXPECT_EQ(TimedValues(pieces), TimedValues(whole)) << max_line_bytes << " " << seed;
      EXPECT_EQ(pieces.warnings, whole.warnings) << max_line_bytes << " " << seed;
    }
    if (max_line_bytes == kDefaultCap) parsed = {whole.observations, whole.warnings};
  }
  return parsed;
}

TEST(TextParserTest, TenThousandMutatedLinesNeverCrashOrHangDefaultFilter) {
  const std::vector<std::string> seeds = {
      "epoch 3 loss=0.21 accuracy=0.93",
      "2026-11-23T08:32:00Z epoch=1 step=90 loss=0.1234 accuracy=0.5678",
      "2026-11-23T10:32:00.25+02:00 loss = -2.5E+3, accuracy=.5e1",
      "epoch 1 [=====>    ] loss=0.9\repoch 1 [==========>] loss=0.8 val-loss=1e-3",
      "INFO:root:batch 12/100000 processed, lr=1e-3 loss=+7 accuracy=1.",
  };
  const std::string log = MutatedLog(seeds);
  Parsed parsed = ParseRobustly(log, {"loss", "accuracy", "val-loss"}, {});
  // A parser that found nothing would pass every check above. Cuts and edits destroy more than
  // half of the 22,000 metrics the seeds hold (9,881 remain with this seed).
  EXPECT_GT(parsed.observations.size(), 8'000u);
  EXPECT_THAT(MetricsSeen(parsed), ElementsAre("accuracy", "loss", "val-loss"));
  // Mutated values ("loss=.", "accuracy=e5") are warned about, far more than the cap.
  EXPECT_THAT(parsed.warnings, SizeIs(101));
}

TEST(TextParserTest, TenThousandMutatedLinesNeverCrashOrHangCustomFilter) {
  // The custom filter of Katib's documentation, and a second one that captures any value.
  const std::vector<std::string> filters = {
      R"({metricName: ([\w|-]+), metricValue: ((-?\d+)(\.\d+)?)})", R"((\w+):\s*(\S+);)"};
  const std::vector<std::string> seeds = {
      "{metricName: accuracy, metricValue: 0.9}",
      "{metricName: loss, metricValue: 0.21} {metricName: accuracy, metricValue: 0.93}",
      "2026-11-23T08:32:00Z {metricName: loss, metricValue: -1.5}",
      "2026-11-23T10:32:00.25+02:00 epoch 4: loss: 0.125; accuracy: 9e-1;",
      "INFO metricName: loss metricValue: 3 {metricName: val-loss, metricValue: 12}",
  };
  const std::string log = MutatedLog(seeds);
  Parsed parsed = ParseRobustly(log, {"loss", "accuracy", "val-loss"}, filters);
  // The documented filter is strict: one edit anywhere in `{metricName: ..}` breaks the match,
  // so most of the seeds' 14,000 metrics are lost (2,860 remain with this seed).
  EXPECT_GT(parsed.observations.size(), 2'000u);
  EXPECT_THAT(MetricsSeen(parsed), ElementsAre("accuracy", "loss", "val-loss"));
  EXPECT_THAT(parsed.warnings, Not(IsEmpty()));
}

}  // namespace
}  // namespace tuneup
