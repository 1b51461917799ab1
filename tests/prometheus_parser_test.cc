// Katib's PrometheusMetric collector, the reading half (metrics-collector/prometheus_parser.h):
// the text exposition format line by line, and the rules that pick an experiment's metrics out of
// a scrape.
#include "metrics-collector/prometheus_parser.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "common/error.h"
#include "common/text.h"
#include "tests/support/mutate.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Pair;
using ::testing::SizeIs;

const Timestamp kScrapeTime = Timestamp(std::chrono::seconds(1'700'000'000));

using Values = std::vector<std::pair<std::string, double>>;

// Parses bodies and matches them against metric names, collecting every warning.
class Harness {
 public:
  explicit Harness(std::vector<std::string> names = {"loss", "accuracy"}, int warning_limit = 100)
      : matcher(std::move(names)),
        limiter([this](std::string_view message) { warnings.emplace_back(message); },
                warning_limit) {}

  std::vector<PrometheusSample> Parse(std::string_view body) {
    return ParsePrometheusText(body, text_options, limiter);
  }
  std::vector<Observation> Observe(std::string_view body) {
    std::vector<Observation> observations;
    for (const auto& match : matcher.Match(Parse(body), limiter))
      observations.push_back(matcher.ToObservation(match, kScrapeTime));
    return observations;
  }
  Values ObservedValues(std::string_view body) {
    Values values;
    for (const auto& o : Observe(body))
      values.emplace_back(o.metric, o.value);
    return values;
  }

  PrometheusMatcher matcher;
  PrometheusTextOptions text_options;
  std::vector<std::string> warnings;
  WarningLimiter limiter;
};

// A sample as a compact string for assertions: name, labels, value and timestamp.
std::string Describe(const PrometheusSample& s) {
  std::string text = FormatPrometheusSeries(s.name, s.labels) + " " + FormatDouble(s.value);
  if (s.timestamp_ms) text += " @" + std::to_string(*s.timestamp_ms);
  return text;
}
std::vector<std::string> Describe(const std::vector<PrometheusSample>& samples) {
  std::vector<std::string> result;
  result.reserve(samples.size());
  for (const auto& s : samples)
    result.push_back(Describe(s));
  return result;
}

TEST(PrometheusParserTest, CommentsHelpTypeAndBlankLinesAreSkipped) {
  Harness h;
  const auto samples = h.Parse(
      "# HELP loss Training loss (\\\\ and \\n escaped).\n"
      "# TYPE loss gauge\n"
      "loss 0.5\n"
      "\n"
      "   \t\n"
      "# any other comment, even {\"unbalanced\n"
      "  # an indented comment\n"
      "#TYPE without a space\n"
      "accuracy 0.75\n");
  EXPECT_THAT(Describe(samples), ElementsAre("loss 0.5", "accuracy 0.75"));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, LabelsAreUnescapedAndSortedByName) {
  Harness h;
  const auto samples = h.Parse(
      "requests{path=\"C:\\\\dir\",quote=\"say \\\"hi\\\"\",nl=\"a\\nb\"} 1\n"
      "loss{ phase = \"val\" ,\tfold=\"2\", } 0.25\n"
      "loss{} 3\n"
      "colon:name:total{a=\"\"} 4\n");
  ASSERT_THAT(samples, SizeIs(4));
  EXPECT_THAT(samples[0].labels, ElementsAre(Pair("nl", "a\nb"), Pair("path", "C:\\dir"),
                                             Pair("quote", "say \"hi\"")));
  EXPECT_THAT(samples[1].labels, ElementsAre(Pair("fold", "2"), Pair("phase", "val")));
  EXPECT_EQ(samples[1].value, 0.25);
  EXPECT_THAT(samples[2].labels, IsEmpty());
  EXPECT_EQ(samples[3].name, "colon:name:total");
  EXPECT_THAT(samples[3].labels, ElementsAre(Pair("a", "")));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, ValuesAreGoFloats) {
  Harness h;
  const auto samples =
      h.Parse("a 1e-3\nb 2.5E+2\nc -0.5\nd +3\ne 17\nf NaN\ng +Inf\nh -Inf\ni .5\nj 1e999\n");
  ASSERT_THAT(samples, SizeIs(10));
  EXPECT_EQ(samples[0].value, 1e-3);
  EXPECT_EQ(samples[1].value, 250);
  EXPECT_EQ(samples[2].value, -0.5);
  EXPECT_EQ(samples[3].value, 3);
  EXPECT_EQ(samples[4].value, 17);
  EXPECT_TRUE(std::isnan(samples[5].value));
  EXPECT_EQ(samples[6].value, INFINITY);
  EXPECT_EQ(samples[7].value, -INFINITY);
  EXPECT_EQ(samples[8].value, 0.5);
  EXPECT_EQ(samples[9].value, INFINITY);  // out of range: infinite, as Go's ParseFloat says
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, NonFiniteValuesAreSkippedWithAWarning) {
  Harness h({"loss", "accuracy", "lr"});
  EXPECT_THAT(h.ObservedValues("loss NaN\naccuracy +Inf\nlr -Inf\n"), IsEmpty());
  EXPECT_THAT(h.warnings, ElementsAre("metric loss: series loss is NaN, not a finite number",
                                      "metric accuracy: series accuracy is +Inf, not a finite "
                                      "number",
                                      "metric lr: series lr is -Inf, not a finite number"));
}

TEST(PrometheusParserTest, TimestampsDateObservationsElseTheScrapeDoes) {
  Harness h;
  const auto observations = h.Observe("loss 0.5 1700000100250\naccuracy 0.9\n");
  ASSERT_THAT(observations, SizeIs(2));
  EXPECT_EQ(FormatRfc3339(observations[0].time), "2023-11-14T22:15:00.250000Z");
  EXPECT_EQ(observations[1].time, kScrapeTime);
  EXPECT_THAT(h.warnings, IsEmpty());

  const auto samples = h.Parse("a 1 -1000\nb 1 0\nc 1 \t 42  \n");
  EXPECT_THAT(Describe(samples), ElementsAre("a 1 @-1000", "b 1 @0", "c 1 @42"));
}

TEST(PrometheusParserTest, UnreadableTimestampsCostTheirLine) {
  Harness h;
  EXPECT_THAT(h.Parse("a 1 1.5\nb 1 1e3\nc 1 99999999999999999\nd 1 9000000000001\ne 1 2 3\n"),
              IsEmpty());
  EXPECT_THAT(h.warnings,
              ElementsAre("line 1: timestamp \"1.5\" is not a time in milliseconds since 1970 in "
                          "\"a 1 1.5\"",
                          "line 2: timestamp \"1e3\" is not a time in milliseconds since 1970 in "
                          "\"b 1 1e3\"",
                          "line 3: timestamp \"99999999999999999\" is not a time in milliseconds "
                          "since 1970 in \"c 1 99999999999999999\"",
                          "line 4: timestamp \"9000000000001\" is not a time in milliseconds "
                          "since 1970 in \"d 1 9000000000001\"",
                          "line 5: unexpected text after the timestamp in \"e 1 2 3\""));
}

TEST(PrometheusParserTest, GarbageLinesAreSkippedWithAWarningNamingThem) {
  Harness h;
  const auto samples = h.Parse(
      "loss 0.5\n"
      "loss=0.4\n"                 // 2: not the format
      "9lives 1\n"                 // 3: names cannot start with a digit
      "loss\n"                     // 4: no value
      "loss abc\n"                 // 5
      "loss{phase=\"val\" 1\n"     // 6: unclosed label set
      "loss{phase=\"val} 1\n"      // 7: unterminated value
      "loss{phase=val} 1\n"        // 8: unquoted
      "loss{phase=\"\\t\"} 1\n"    // 9: an escape the format does not have
      "loss{a=\"1\",a=\"2\"} 1\n"  // 10: a label twice
      "loss{9=\"1\"} 1\n"          // 11: bad label name
      "loss{a:b=\"1\"} 1\n"        // 12: colons are for metric names only
      "{a=\"1\"} 1\n"              // 13: no name
      "\x01\xff\x1b[31m 1\n"       // 14: unprintable, quoted escaped
      "accuracy 0.75\n");
  EXPECT_THAT(Describe(samples), ElementsAre("loss 0.5", "accuracy 0.75"));
  EXPECT_THAT(h.warnings,
              ElementsAre("line 2: value \"=0.4\" is not a number in \"loss=0.4\"",
                          "line 3: not a sample (no metric name) in \"9lives 1\"",
                          "line 4: no value in \"loss\"",
                          "line 5: value \"abc\" is not a number in \"loss abc\"",
                          "line 6: expected ',' or '}' after label phase in "
                          "\"loss{phase=\\\"val\\\" 1\"",
                          "line 7: label phase: unterminated value in \"loss{phase=\\\"val} 1\"",
                          "line 8: value of label phase is not quoted in \"loss{phase=val} 1\"",
                          "line 9: label phase: invalid escape \\t in "
                          "\"loss{phase=\\\"\\\\t\\\"} 1\"",
                          "line 10: label a appears twice in \"loss{a=\\\"1\\\",a=\\\"2\\\"} 1\"",
                          "line 11: expected a label name or '}' in \"loss{9=\\\"1\\\"} 1\"",
                          "line 12: expected '=' after label a in \"loss{a:b=\\\"1\\\"} 1\"",
                          "line 13: not a sample (no metric name) in \"{a=\\\"1\\\"} 1\"",
                          "line 14: not a sample (no metric name) in "
                          "\"\\x01\\xff\\x1b[31m 1\""));
}

TEST(PrometheusParserTest, ABareNameMatchesTheUnlabelledSeries) {
  Harness h;
  EXPECT_THAT(h.ObservedValues("loss{phase=\"train\"} 0.9\nloss 0.5\nloss{phase=\"val\"} 0.7\n"),
              ElementsAre(Pair("loss", 0.5)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, ABareNameFallsBackToTheOnlyLabelledSeries) {
  Harness h;
  EXPECT_THAT(h.ObservedValues("loss{phase=\"val\"} 0.7\naccuracy{a=\"1\",b=\"2\"} 0.9\n"),
              ElementsAre(Pair("loss", 0.7), Pair("accuracy", 0.9)));
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, SeveralLabelledSeriesMakeABareNameAmbiguous) {
  Harness h;
  EXPECT_THAT(h.ObservedValues("loss{phase=\"train\"} 0.9\nloss{phase=\"val\"} 0.7\n"
                               "accuracy 0.5\n"),
              ElementsAre(Pair("accuracy", 0.5)));
  EXPECT_THAT(h.warnings, ElementsAre("metric loss is ambiguous: 2 series are named loss "
                                      "(loss{phase=\"train\"}, loss{phase=\"val\"}); name one in "
                                      "the experiment, e.g. loss{phase=\"train\"}"));
}

TEST(PrometheusParserTest, AnAmbiguityWarningListsFiveSeriesAtMost) {
  Harness h;
  std::string body;
  for (int i = 0; i < 7; ++i)
    body += "loss{i=\"" + std::to_string(i) + "\"} 1\n";
  EXPECT_THAT(h.ObservedValues(body), IsEmpty());
  ASSERT_THAT(h.warnings, SizeIs(1));
  EXPECT_THAT(h.warnings[0], HasSubstr("7 series are named loss (loss{i=\"0\"}, loss{i=\"1\"}, "
                                       "loss{i=\"2\"}, loss{i=\"3\"}, loss{i=\"4\"} and 2 more)"));
}

TEST(PrometheusParserTest, ASelectorMatchesExactlyItsLabelsInAnyOrder) {
  Harness h({"loss{phase=\"val\", fold=\"1\"}", "loss{phase=\"val\"}", "accuracy{}"});
  EXPECT_THAT(
      h.ObservedValues("loss{fold=\"1\",phase=\"val\"} 0.1\n"
                       "loss{phase=\"val\"} 0.2\n"
                       "loss{phase=\"val\",fold=\"1\",extra=\"x\"} 0.3\n"
                       "loss 0.4\n"
                       "accuracy{phase=\"val\"} 0.9\n"),
      ElementsAre(Pair("loss{phase=\"val\", fold=\"1\"}", 0.1), Pair("loss{phase=\"val\"}", 0.2)));
  // accuracy{} names the unlabelled series only: no fallback to the labelled one.
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, ASelectorWithoutItsSeriesMatchesNothing) {
  Harness h({"loss{phase=\"val\"}"});
  EXPECT_THAT(h.ObservedValues("loss 0.4\nloss{phase=\"train\"} 0.3\n"), IsEmpty());
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, ASeriesTwiceInOneScrapeCountsOnce) {
  Harness h({"loss", "accuracy"});
  EXPECT_THAT(
      h.ObservedValues("loss 0.5\nloss 0.4\naccuracy{a=\"1\"} 0.9\naccuracy{a=\"1\"} 0.8\n"),
      ElementsAre(Pair("loss", 0.5), Pair("accuracy", 0.9)));
  EXPECT_THAT(h.warnings,
              ElementsAre("series loss appears 2 times in one scrape; the first counts",
                          "series accuracy{a=\"1\"} appears 2 times in one scrape; the first "
                          "counts"));
}

TEST(PrometheusParserTest, MetricsComeInTheExperimentsOrder) {
  Harness h({"accuracy", "loss"});
  EXPECT_THAT(h.ObservedValues("loss 0.5\naccuracy 0.9\n"),
              ElementsAre(Pair("accuracy", 0.9), Pair("loss", 0.5)));
}

TEST(PrometheusParserTest, NamesThatCannotBeSeriesAreRejectedUpFront) {
  for (const char* name :
       {"Validation-accuracy", "loss{phase=val}", "loss{", "", "loss 1", "loss{a=\"1\",a=\"2\"}"}) {
    try {
      PrometheusMatcher matcher({"loss", name});
      ADD_FAILURE() << "accepted " << name;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
      EXPECT_THAT(e.what(), HasSubstr(QuoteUntrusted(name, 200) + " cannot be scraped"));
    }
  }
  std::string why;
  EXPECT_FALSE(ParsePrometheusSelector("Validation-accuracy", &why));
  EXPECT_THAT(why, HasSubstr("is not a Prometheus metric name"));
  auto selector = ParsePrometheusSelector("  loss{b=\"2\",a=\"1\"} ", nullptr);
  ASSERT_TRUE(selector);
  EXPECT_EQ(selector->name, "loss");
  EXPECT_THAT(selector->labels, ElementsAre(Pair("a", "1"), Pair("b", "2")));
  EXPECT_TRUE(selector->has_label_set);
}

TEST(PrometheusParserTest, SeriesNamesAreEachNameOnce) {
  PrometheusMatcher matcher({"loss{phase=\"val\"}", "accuracy", "loss{phase=\"train\"}"});
  EXPECT_THAT(matcher.SeriesNames(), ElementsAre("loss", "accuracy"));
}

TEST(PrometheusParserTest, KeptNamesFilterSamplesButGarbageIsStillWarned) {
  Harness h;
  h.text_options.keep_names = h.matcher.SeriesNames();
  const auto samples = h.Parse("loss 0.5\nother 1\nother{ 2\naccuracy 0.9\n");
  EXPECT_THAT(Describe(samples), ElementsAre("loss 0.5", "accuracy 0.9"));
  EXPECT_THAT(h.warnings, SizeIs(1));
}

TEST(PrometheusParserTest, OverLongLinesAreSkipped) {
  Harness h;
  h.text_options.max_line_bytes = 40;
  const auto samples = h.Parse("loss{pad=\"" + std::string(100, 'x') + "\"} 1\naccuracy 0.9\n" +
                               std::string(40 - 5, ' ') + "a 1\n");  // exactly 40 bytes: kept
  EXPECT_THAT(Describe(samples), ElementsAre("accuracy 0.9", "a 1"));
  EXPECT_THAT(h.warnings, ElementsAre("line 1: longer than 40 bytes; skipped"));
}

TEST(PrometheusParserTest, CrlfBodiesAndAnUnterminatedLastLineReadTheSame) {
  const std::string lf = "# HELP loss x\n# TYPE loss gauge\nloss{a=\"1\"} 0.5 1000\n\nacc 2\n";
  std::string crlf;
  for (char c : lf)
    crlf += c == '\n' ? std::string("\r\n") : std::string(1, c);
  Harness h;
  const auto expected = Describe(h.Parse(lf));
  EXPECT_THAT(expected, ElementsAre("loss{a=\"1\"} 0.5 @1000", "acc 2"));
  EXPECT_EQ(Describe(h.Parse(crlf)), expected);
  EXPECT_EQ(Describe(h.Parse(lf.substr(0, lf.size() - 1))), expected);
  EXPECT_EQ(Describe(h.Parse(crlf.substr(0, crlf.size() - 2))), expected);
  EXPECT_THAT(h.warnings, IsEmpty());
}

TEST(PrometheusParserTest, WarningsAreLimited) {
  Harness h({"loss"}, /*warning_limit=*/3);
  h.Parse("a\nb\nc\nd\ne\n");
  EXPECT_THAT(h.warnings,
              ElementsAre("line 1: no value in \"a\"", "line 2: no value in \"b\"",
                          "line 3: no value in \"c\"", "further warnings suppressed (3 shown)"));
}

TEST(PrometheusParserTest, SeriesAreFormattedPrintableAndCut) {
  EXPECT_EQ(FormatPrometheusSeries("loss", {}), "loss");
  EXPECT_EQ(FormatPrometheusSeries("loss", {{"a", "x\"\\\n\x1b"}, {"b", "y"}}),
            "loss{a=\"x\\\"\\\\\\n\\x1b\",b=\"y\"}");
  const std::string cut = FormatPrometheusSeries("loss", {{"a", std::string(500, 'x')}});
  EXPECT_EQ(cut.size(), 203u);
  EXPECT_TRUE(cut.ends_with("xxx..."));
}

TEST(PrometheusParserTest, TenThousandMutatedScrapesNeverCrashOrHang) {
  // Seeded mutations of valid exposition text: bytes flipped, inserted, deleted and cut. The
  // parser must survive each and keep what it returns finite and named.
  const std::vector<std::string> seeds = {
      "# HELP loss Training loss.\n# TYPE loss gauge\nloss 0.5\n",
      "accuracy{phase=\"val\",fold=\"1\"} 9.5e-1 1700000000123\nloss{} -2.5E+3\n",
      "loss{path=\"C:\\\\x\",q=\"\\\"\",nl=\"\\n\"} NaN\naccuracy +Inf\r\nloss -Inf 12\n",
      "steps_total 3.0\nt_bucket{le=\"+Inf\"} 2.0\nt_count 2.0\nt_sum 0.3\n"};
  testing::MutationOptions mutation;
  mutation.insertable = "{}\",=\\n #e+-.0\r\t";
  Harness h({"loss", "accuracy{phase=\"val\",fold=\"1\"}", "t_count"});
  const auto start = std::chrono::steady_clock::now();
  size_t observed = 0;
  for (const auto& body : testing::Mutants(seeds, 10'000, mutation)) {
    for (const auto& o : h.Observe(body)) {
      EXPECT_TRUE(std::isfinite(o.value));
      EXPECT_TRUE(o.metric == "loss" || o.metric == "t_count" ||
                  o.metric == "accuracy{phase=\"val\",fold=\"1\"}")
          << o.metric;
      ++observed;
    }
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GT(observed, 1000u);
  EXPECT_THAT(h.warnings, SizeIs(101));  // capped: 100 and the notice
}

}  // namespace
}  // namespace tuneup
