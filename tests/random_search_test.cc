// Property tests for `random` and the sampling under it (suggestion/sampling.h,
// suggestion/random_search.h, api/search_space.h).
//
// Every statistical check uses a fixed seed, so each test is deterministic; the bounds are wide
// (many standard deviations) so that a correct sampler would pass them for essentially any seed,
// while a biased one (a value never drawn, a wrong scale, a shifted mean) fails by a wide margin.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"
#include "common/error.h"
#include "common/text.h"
#include "suggestion/random_search.h"
#include "suggestion/registry.h"
#include "suggestion/rng.h"
#include "suggestion/sampling.h"
#include "tests/support/parameter_specs.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

constexpr int kDraws = 20000;

// ---------------------------------------------------------------------------------------------
// Helpers

// A parameter parsed the way an experiment's are, so `decimals` and the int step are set as in
// production.
Parameter Parse(const ParameterSpec& parameter_spec) {
  ExperimentSpec spec;
  spec.parameters.push_back(parameter_spec);
  SearchSpace space = SearchSpace::FromSpecOrThrow(spec);
  return space.parameters().at(0);
}

Parameter Range(const std::string& type, const std::string& min, const std::string& max,
                const std::string& step = "", const std::string& distribution = "") {
  return Parse(RangeSpec("p", type, min, max, step, distribution));
}

std::vector<std::string> Draw(const Parameter& parameter, int n, uint64_t seed) {
  Rng rng(seed);
  std::vector<std::string> values;
  values.reserve(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    values.push_back(SampleValue(parameter, rng));
  return values;
}

// Parses every value strictly and checks it lies in [min, max] (as parsed from their text).
std::vector<double> ParseAllInRange(const std::vector<std::string>& values, double min,
                                    double max) {
  std::vector<double> numbers;
  numbers.reserve(values.size());
  for (const auto& text : values) {
    auto value = ParseDouble(text);
    EXPECT_TRUE(value && std::isfinite(*value)) << "\"" << text << "\" is not a finite number";
    if (!value || !std::isfinite(*value)) return numbers;
    EXPECT_GE(*value, min) << text;
    EXPECT_LE(*value, max) << text;
    if (*value < min || *value > max) return numbers;
    numbers.push_back(*value);
  }
  return numbers;
}

std::map<std::string, int> Histogram(const std::vector<std::string>& values) {
  std::map<std::string, int> counts;
  for (const auto& value : values)
    ++counts[value];
  return counts;
}

// Pearson's statistic for observed counts against expected probabilities.
double ChiSquare(const std::vector<int>& observed, const std::vector<double>& probabilities) {
  double total = 0;
  for (int count : observed)
    total += count;
  double statistic = 0;
  for (size_t i = 0; i < observed.size(); ++i) {
    double expected = total * probabilities[i];
    statistic += (observed[i] - expected) * (observed[i] - expected) / expected;
  }
  return statistic;
}

// Far in the upper tail of chi-square with `dof` degrees of freedom (mean dof, sd sqrt(2 dof)):
// 10 sd above the mean plus a constant for small dof. A fair sampler exceeds it with probability
// well below 1e-9; a value drawn twice as often as it should among 100 exceeds it at once.
double ChiSquareBound(size_t dof) {
  return static_cast<double>(dof) + 10 * std::sqrt(2.0 * static_cast<double>(dof)) + 10;
}

// Checks that `values` hit exactly the texts in `expected`, each about equally often.
void ExpectUniformOver(const std::vector<std::string>& values,
                       const std::vector<std::string>& expected) {
  std::map<std::string, int> counts = Histogram(values);
  std::set<std::string> seen;
  for (const auto& [text, count] : counts)
    seen.insert(text);
  EXPECT_EQ(seen, std::set<std::string>(expected.begin(), expected.end()));
  std::vector<int> observed;
  for (const auto& text : expected)
    observed.push_back(counts[text]);
  std::vector<double> uniform(expected.size(), 1.0 / static_cast<double>(expected.size()));
  EXPECT_LT(ChiSquare(observed, uniform), ChiSquareBound(expected.size() - 1));
}

// Kolmogorov-Smirnov distance between the sample `u` and the uniform distribution on [0, 1].
double KsDistanceFromUniform(std::vector<double> u) {
  std::sort(u.begin(), u.end());
  double n = static_cast<double>(u.size());
  double distance = 0;
  for (size_t i = 0; i < u.size(); ++i) {
    distance = std::max(distance, std::abs(static_cast<double>(i + 1) / n - u[i]));
    distance = std::max(distance, std::abs(u[i] - static_cast<double>(i) / n));
  }
  return distance;
}

// The KS distance of 20000 uniform draws exceeds 0.02 with probability about 1e-7 (the 0.1%
// critical value is 0.0138).
constexpr double kKsBound = 0.02;

double Quantile(std::vector<double> values, double q) {
  std::sort(values.begin(), values.end());
  return values[static_cast<size_t>(q * static_cast<double>(values.size() - 1))];
}

struct Moments {
  double mean = 0;
  double sd = 0;
};

Moments MomentsOf(const std::vector<double>& values) {
  double sum = 0;
  for (double v : values)
    sum += v;
  double mean = sum / static_cast<double>(values.size());
  double sum_sq = 0;
  for (double v : values)
    sum_sq += (v - mean) * (v - mean);
  return {mean, std::sqrt(sum_sq / static_cast<double>(values.size() - 1))};
}

// A normal truncated to mean ± 3 sigma has standard deviation sigma * sqrt(1 - 6 phi(3) /
// (2 Phi(3) - 1)) = 0.98658 sigma.
constexpr double kTruncatedSdFactor = 0.98658;

// `units` * 10^-decimals written the way tuneup writes stepped values: exactly, without trailing
// zeros ("0.1", "0.01", "1", "-0.25"). Integer arithmetic only, so it is a reference independent of
// the floating-point formatting under test.
std::string DecimalText(int64_t units, int decimals) {
  bool negative = units < 0;
  std::string digits = std::to_string(negative ? -units : units);
  if (decimals > 0) {
    if (static_cast<int>(digits.size()) <= decimals) {
      digits.insert(0, static_cast<size_t>(decimals + 1) - digits.size(), '0');
    }
    digits.insert(digits.size() - static_cast<size_t>(decimals), ".");
    while (digits.back() == '0')
      digits.pop_back();
    if (digits.back() == '.') digits.pop_back();
  }
  if (negative && digits != "0") digits.insert(0, "-");
  return digits;
}

std::vector<std::string> IntTexts(int64_t from, int64_t to, int64_t step = 1) {
  std::vector<std::string> texts;
  for (int64_t v = from; v <= to; v += step)
    texts.push_back(std::to_string(v));
  return texts;
}

TEST(DecimalTextTest, WritesExactDecimals) {
  EXPECT_EQ(DecimalText(1, 2), "0.01");
  EXPECT_EQ(DecimalText(10, 2), "0.1");
  EXPECT_EQ(DecimalText(100, 2), "1");
  EXPECT_EQ(DecimalText(-25, 2), "-0.25");
  EXPECT_EQ(DecimalText(0, 3), "0");
  EXPECT_EQ(DecimalText(1230, 1), "123");
}

// ---------------------------------------------------------------------------------------------
// Continuous doubles

TEST(SampleValueTest, UniformDoubleIsInRangeAndUniform) {
  struct Case {
    std::string min, max;
  };
  for (const Case& c : {Case{"-2.5", "7.25"}, Case{"0", "1"}, Case{"1e-6", "2e-6"},
                        Case{"-1000000", "-999999.5"}, Case{"-1e10", "1e10"}}) {
    SCOPED_TRACE(c.min + " .. " + c.max);
    Parameter p = Range("double", c.min, c.max);
    double min = *ParseDouble(c.min), max = *ParseDouble(c.max);
    std::vector<double> values = ParseAllInRange(Draw(p, kDraws, 11), min, max);
    ASSERT_EQ(values.size(), static_cast<size_t>(kDraws));
    std::vector<double> u;
    for (double v : values)
      u.push_back((v - min) / (max - min));
    EXPECT_LT(KsDistanceFromUniform(u), kKsBound);
  }
}

TEST(SampleValueTest, UnsteppedDoublesPrintTheirShortestRoundTripText) {
  // A trial sees the value as text; it must parse back to the number drawn (no rounding to a few
  // digits that could collapse distinct draws or step outside a narrow range).
  Parameter p = Range("double", "0.1", "0.1000001");
  std::vector<std::string> values = Draw(p, 2000, 12);
  ParseAllInRange(values, 0.1, 0.1000001);
  for (const auto& text : values)
    EXPECT_EQ(FormatDouble(*ParseDouble(text)), text);
  EXPECT_GT(Histogram(values).size(), 1900u);  // a continuous draw repeats essentially never
}

TEST(SampleValueTest, LogUniformDoubleIsUniformInLogSpace) {
  struct Case {
    std::string min, max;
  };
  for (const Case& c : {Case{"1e-4", "1"}, Case{"0.5", "2"}, Case{"1", "1e12"}}) {
    SCOPED_TRACE(c.min + " .. " + c.max);
    Parameter p = Range("double", c.min, c.max, "", "logUniform");
    double min = *ParseDouble(c.min), max = *ParseDouble(c.max);
    std::vector<double> values = ParseAllInRange(Draw(p, kDraws, 13), min, max);
    ASSERT_EQ(values.size(), static_cast<size_t>(kDraws));
    std::vector<double> u;
    for (double v : values)
      u.push_back((std::log(v) - std::log(min)) / (std::log(max / min)));
    // Quartiles in log space sit at a quarter, half and three quarters of the log range (the
    // sd of a sample quartile here is about 0.003). A linear-uniform draw would put the median
    // of [1e-4, 1] at 0.92 of the log range.
    EXPECT_NEAR(Quantile(u, 0.25), 0.25, 0.02);
    EXPECT_NEAR(Quantile(u, 0.50), 0.50, 0.02);
    EXPECT_NEAR(Quantile(u, 0.75), 0.75, 0.02);
    EXPECT_LT(KsDistanceFromUniform(u), kKsBound);
  }
}

TEST(SampleValueTest, NormalDoubleIsCentredWithASixthOfTheRangeAsSigmaAndTruncated) {
  struct Case {
    std::string min, max;
  };
  for (const Case& c : {Case{"-1", "5"}, Case{"0", "0.001"}, Case{"100", "160"}}) {
    SCOPED_TRACE(c.min + " .. " + c.max);
    Parameter p = Range("double", c.min, c.max, "", "normal");
    double min = *ParseDouble(c.min), max = *ParseDouble(c.max);
    std::vector<double> values = ParseAllInRange(Draw(p, kDraws, 14), min, max);
    ASSERT_EQ(values.size(), static_cast<size_t>(kDraws));
    double sigma = (max - min) / 6;
    Moments m = MomentsOf(values);
    // sd of the sample mean is sigma / 141; of the sample sd about sigma / 200.
    EXPECT_NEAR(m.mean, (min + max) / 2, 0.05 * sigma);
    EXPECT_NEAR(m.sd, kTruncatedSdFactor * sigma, 0.04 * sigma);
    // Mass within one sigma of the mean: 0.6827 / 0.9973 for the truncated normal; a uniform
    // draw would give 1/3.
    int within = 0;
    for (double v : values)
      within += std::abs(v - (min + max) / 2) <= sigma;
    EXPECT_NEAR(within / static_cast<double>(kDraws), 0.6845, 0.02);
  }
}

TEST(SampleValueTest, LogNormalDoubleIsNormalInLogSpaceAndTruncated) {
  struct Case {
    std::string min, max;
  };
  for (const Case& c : {Case{"0.001", "10"}, Case{"1", "1e6"}}) {
    SCOPED_TRACE(c.min + " .. " + c.max);
    Parameter p = Range("double", c.min, c.max, "", "logNormal");
    double min = *ParseDouble(c.min), max = *ParseDouble(c.max);
    std::vector<double> values = ParseAllInRange(Draw(p, kDraws, 15), min, max);
    ASSERT_EQ(values.size(), static_cast<size_t>(kDraws));
    std::vector<double> logs;
    for (double v : values)
      logs.push_back(std::log(v));
    double sigma = std::log(max / min) / 6;
    Moments m = MomentsOf(logs);
    EXPECT_NEAR(m.mean, (std::log(min) + std::log(max)) / 2, 0.05 * sigma);
    EXPECT_NEAR(m.sd, kTruncatedSdFactor * sigma, 0.04 * sigma);
  }
}

// ---------------------------------------------------------------------------------------------
// Steps

TEST(SampleValueTest, SteppedDoublesAreExactDecimalsAndUniform) {
  // min 0.01, step 0.01: only "0.01", "0.02", ..., "1", never "0.030000000000000002".
  Parameter p = Range("double", "0.01", "1", "0.01");
  std::vector<std::string> expected;
  for (int64_t units = 1; units <= 100; ++units)
    expected.push_back(DecimalText(units, 2));
  std::vector<std::string> values = Draw(p, kDraws, 21);
  ParseAllInRange(values, 0.01, 1);
  ExpectUniformOver(values, expected);
}

TEST(SampleValueTest, SteppedDoublesWithBinaryNoiseInTheRange) {
  // (0.3 - 0.1) / 0.1 is 1.9999999999999998 in binary: the range still holds 3 values.
  Parameter p = Range("double", "0.1", "0.3", "0.1");
  EXPECT_EQ(p.StepCount(), 3);
  ExpectUniformOver(Draw(p, 3000, 22), {"0.1", "0.2", "0.3"});
}

TEST(SampleValueTest, AStepThatDoesNotDivideTheRangeStopsBelowMax) {
  Parameter p = Range("double", "0", "1", "0.3");
  EXPECT_EQ(p.StepCount(), 4);
  ExpectUniformOver(Draw(p, 4000, 23), {"0", "0.3", "0.6", "0.9"});
}

TEST(SampleValueTest, NegativeSteppedDoubles) {
  Parameter p = Range("double", "-0.5", "0.25", "0.25");
  ExpectUniformOver(Draw(p, 4000, 24), {"-0.5", "-0.25", "0", "0.25"});
}

TEST(SampleValueTest, SteppedValuesWithOtherDistributionsStayOnTheGrid) {
  // A step means min + k * step for every distribution, whatever the shape of the draw.
  std::vector<std::string> grid;
  for (int64_t units = 1; units <= 100; ++units)
    grid.push_back(DecimalText(units, 2));
  const std::set<std::string> on_grid(grid.begin(), grid.end());
  for (const char* distribution : {"logUniform", "normal", "logNormal"}) {
    SCOPED_TRACE(distribution);
    Parameter p = Range("double", "0.01", "1", "0.01", distribution);
    std::vector<std::string> values = Draw(p, kDraws, 25);
    ParseAllInRange(values, 0.01, 1);
    std::map<std::string, int> counts = Histogram(values);
    for (const auto& [text, count] : counts)
      EXPECT_TRUE(on_grid.count(text)) << text;
    // Shape survives the rounding: log-scaled draws favour small values, normal ones the middle.
    if (std::string(distribution) == "normal") {
      EXPECT_GT(counts["0.5"], 5 * counts["0.05"]);
    } else {
      EXPECT_GT(counts["0.02"], 5 * counts["0.9"]);
    }
  }
}

TEST(SampleValueTest, UniformIntReachesEveryIntegerUniformly) {
  Parameter p = Range("int", "-5", "5");
  std::vector<std::string> values = Draw(p, kDraws, 31);
  ParseAllInRange(values, -5, 5);
  ExpectUniformOver(values, IntTexts(-5, 5));
}

TEST(SampleValueTest, SteppedIntIsMinPlusMultiplesOfStep) {
  Parameter p = Range("int", "0", "9", "2");
  ExpectUniformOver(Draw(p, kDraws, 32), IntTexts(0, 8, 2));
  Parameter q = Range("int", "-7", "20", "9");
  ExpectUniformOver(Draw(q, kDraws, 33), {"-7", "2", "11", "20"});
}

TEST(SampleValueTest, WideIntRangesGiveIntegersInRange) {
  // Up to 2^53 every integer is a double, so the text is exact.
  Parameter p = Range("int", "-9007199254740992", "9007199254740992");
  std::vector<std::string> values = Draw(p, kDraws, 34);
  int negative = 0;
  for (const auto& text : values) {
    auto value = ParseInt64(text);
    ASSERT_TRUE(value) << text;
    EXPECT_GE(*value, -9007199254740992);
    EXPECT_LE(*value, 9007199254740992);
    negative += *value < 0;
  }
  EXPECT_NEAR(negative, kDraws / 2, 1000);  // sd 71
}

TEST(SampleValueTest, IntValuesAreIntegersForEveryDistribution) {
  for (const char* distribution : {"uniform", "logUniform", "normal", "logNormal"}) {
    SCOPED_TRACE(distribution);
    Parameter p = Range("int", "1", "64", "", distribution);
    std::vector<std::string> values = Draw(p, kDraws, 35);
    ParseAllInRange(values, 1, 64);
    for (const auto& text : Histogram(values)) {
      EXPECT_TRUE(ParseInt64(text.first)) << "\"" << text.first << "\" is not an integer";
    }
  }
}

TEST(SampleValueTest, IntLogUniformCoversBothEndsWithTheirLogShare) {
  // Drawn log-uniformly on [0.5, 100.5] and rounded (sampling.h): integer k has probability
  // log((k + 0.5) / (k - 0.5)) / log(201), so 1 gets 21% and 100 still 0.19%.
  Parameter p = Range("int", "1", "100", "", "logUniform");
  std::vector<std::string> values = Draw(p, kDraws, 36);
  ParseAllInRange(values, 1, 100);
  std::map<std::string, int> counts = Histogram(values);
  EXPECT_GT(counts["1"], 0);
  EXPECT_GT(counts["100"], 0);
  std::vector<int> observed;
  std::vector<double> probabilities;
  for (int k = 1; k <= 100; ++k) {
    observed.push_back(counts[std::to_string(k)]);
    probabilities.push_back(std::log((k + 0.5) / (k - 0.5)) / std::log(100.5 / 0.5));
  }
  EXPECT_EQ(counts.size(), 100u);
  EXPECT_LT(ChiSquare(observed, probabilities), ChiSquareBound(99));
}

TEST(SampleValueTest, IntNormalIsCentred) {
  Parameter p = Range("int", "0", "60", "", "normal");
  std::vector<double> values = ParseAllInRange(Draw(p, kDraws, 37), 0, 60);
  Moments m = MomentsOf(values);
  EXPECT_NEAR(m.mean, 30, 0.5);  // sigma 10; sd of the mean 0.07
  EXPECT_NEAR(m.sd, 9.9, 0.5);   // truncated sigma 9.87, plus rounding
}

// ---------------------------------------------------------------------------------------------
// Lists

TEST(SampleValueTest, CategoricalIsUniformOverItsList) {
  Parameter p = Parse(ListSpec("optimizer", "categorical", {"sgd", "adam", "ftrl", "rmsprop"}));
  ExpectUniformOver(Draw(p, kDraws, 41), {"sgd", "adam", "ftrl", "rmsprop"});
}

TEST(SampleValueTest, DiscreteIsUniformAndKeepsTheValuesAsWritten) {
  // The trial sees "0.50" as written, not a re-formatted "0.5".
  Parameter p = Parse(ListSpec("lr", "discrete", {"0.50", "1", "2.5", "1e-3", "10"}));
  ExpectUniformOver(Draw(p, kDraws, 42), {"0.50", "1", "2.5", "1e-3", "10"});
}

TEST(SampleValueTest, ASingleEntryListAlwaysGivesIt) {
  Parameter p = Parse(ListSpec("only", "categorical", {"x"}));
  for (const auto& value : Draw(p, 100, 43))
    EXPECT_EQ(value, "x");
}

TEST(SampleValueTest, DistributionIsIgnoredForLists) {
  ParameterSpec spec = ListSpec("n", "discrete", {"1", "2", "3"});
  spec.feasible_space.distribution = "normal";
  ExpectUniformOver(Draw(Parse(spec), kDraws, 44), {"1", "2", "3"});
}

// ---------------------------------------------------------------------------------------------
// Degenerate and extreme ranges

TEST(SampleValueTest, MinEqualToMaxReturnsMin) {
  struct Case {
    std::string type, min, step, distribution, expected;
  };
  for (const Case& c :
       {Case{"double", "0.5", "", "", "0.5"}, Case{"double", "0.1", "0.1", "", "0.1"},
        Case{"double", "0.3", "0.1", "normal", "0.3"}, Case{"double", "2", "", "logUniform", "2"},
        Case{"double", "1e-3", "", "logNormal", "0.001"},
        Case{"double", "-7.25", "", "normal", "-7.25"}, Case{"int", "3", "", "", "3"},
        Case{"int", "7", "", "logUniform", "7"}, Case{"int", "-4", "3", "normal", "-4"},
        Case{"int", "9007199254740992", "", "", "9007199254740992"},
        Case{"int", "-9223372036854775808", "", "", "-9223372036854775808"}}) {
    SCOPED_TRACE(c.type + " " + c.min + " step " + c.step + " " + c.distribution);
    Parameter p = Range(c.type, c.min, c.min, c.step, c.distribution);
    for (const auto& value : Draw(p, 50, 51))
      ASSERT_EQ(value, c.expected);
  }
}

TEST(SampleValueTest, Int64MaxAsMinAndMaxIsPrintedAsIs) {
  // int bounds are held as doubles, and INT64_MAX rounds up to 2^63, which does not fit back
  // into an int64: the value must still be INT64_MAX, not a wrapped-around negative number.
  Parameter p = Range("int", "9223372036854775807", "9223372036854775807");
  for (const auto& value : Draw(p, 20, 52))
    ASSERT_EQ(value, "9223372036854775807");
}

TEST(SampleValueTest, TheFullInt64RangeGivesInRangeIntegersOfBothSigns) {
  for (const char* distribution : {"uniform", "normal"}) {
    SCOPED_TRACE(distribution);
    Parameter p = Range("int", "-9223372036854775808", "9223372036854775807", "", distribution);
    int negative = 0;
    for (const auto& text : Draw(p, 2000, 53)) {
      auto value = ParseInt64(text);
      ASSERT_TRUE(value) << text;
      negative += *value < 0;
    }
    EXPECT_NEAR(negative, 1000, 200);  // sd 22
  }
}

TEST(SampleValueTest, ExtremeFiniteBoundsGiveFiniteValuesInRange) {
  // Any finite bounds pass validation, so the arithmetic on them must not overflow: a width of
  // 2e308 is not a double, and (max + min) / 2 overflows when both are large.
  constexpr double kMax = std::numeric_limits<double>::max();
  struct Case {
    std::string min, max, distribution;
  };
  for (const Case& c : {Case{"-1e308", "1e308", "uniform"}, Case{"-1e308", "1e308", "normal"},
                        Case{"1e308", "1.7e308", "normal"}, Case{"1e-300", "1e300", "logUniform"},
                        Case{"1e-300", "1.7e308", "logNormal"},
                        Case{FormatDouble(-kMax), FormatDouble(kMax), "uniform"}}) {
    SCOPED_TRACE(c.min + " .. " + c.max + " " + c.distribution);
    Parameter p = Range("double", c.min, c.max, "", c.distribution);
    double min = *ParseDouble(c.min), max = *ParseDouble(c.max);
    std::vector<double> values = ParseAllInRange(Draw(p, 2000, 54), min, max);
    ASSERT_EQ(values.size(), 2000u);
    // Not collapsed onto one value (a NaN width clamps everything to the mean or an end).
    EXPECT_GT(std::set<double>(values.begin(), values.end()).size(), 1900u);
    if (c.distribution == "uniform" || c.distribution == "normal") {
      // Spread around the middle: min/2 + max/2 does not overflow.
      int below = 0;
      for (double v : values)
        below += v < min / 2 + max / 2;
      EXPECT_NEAR(below, 1000, 200);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Steps, exhaustively: StepCount and SteppedValue against exact decimal arithmetic

TEST(StepPropertyTest, SteppedValuesAreExactDecimalsWithinTheRange) {
  // min = a * 10^-dmin, step = b * 10^-dstep, max = min + c * step + r, for small decimal
  // numbers as people write them, and max just below or above a step. The reference works in
  // integers of 10^-D.
  Rng rng(61);
  int checked = 0;
  for (int round = 0; round < 3000; ++round) {
    int dmin = static_cast<int>(rng.UniformInt(0, 4));
    int dstep = static_cast<int>(rng.UniformInt(0, 4));
    int dmax = std::max(dmin, dstep) + static_cast<int>(rng.UniformInt(0, 3));
    int64_t scale_min = 1, scale_step = 1;
    for (int i = dmin; i < dmax; ++i)
      scale_min *= 10;
    for (int i = dstep; i < dmax; ++i)
      scale_step *= 10;
    int64_t min_units = rng.UniformInt(-2000, 2000);  // in 10^-dmin
    int64_t step_units = rng.UniformInt(1, 500);      // in 10^-dstep
    int64_t steps = rng.UniformInt(0, 40);
    // Max in 10^-dmax: on a step, a little below the next one, or a little above.
    int64_t max_units = min_units * scale_min + steps * step_units * scale_step;
    switch (rng.UniformInt(0, 2)) {
      case 0:
        break;
      case 1:
        max_units += step_units * scale_step - 1;  // just below the next step
        break;
      default:
        max_units += 1;  // just above a step
        break;
    }
    std::string min_text = DecimalText(min_units, dmin);
    std::string step_text = DecimalText(step_units, dstep);
    std::string max_text = DecimalText(max_units, dmax);
    SCOPED_TRACE("min " + min_text + " max " + max_text + " step " + step_text);

    Parameter p = Range("double", min_text, max_text, step_text);
    const int64_t min_fine = min_units * scale_min, step_fine = step_units * scale_step;
    const int64_t expected_count = (max_units - min_fine) / step_fine + 1;
    ASSERT_EQ(p.StepCount(), expected_count);
    double max = *ParseDouble(max_text), min = *ParseDouble(min_text);
    for (int64_t k = 0; k < expected_count; ++k) {
      std::string text = p.SteppedValue(k);
      ASSERT_EQ(text, DecimalText(min_fine + k * step_fine, dmax)) << "k = " << k;
      double value = *ParseDouble(text);
      ASSERT_GE(value, min);
      ASSERT_LE(value, max);
      ++checked;
    }
  }
  EXPECT_GT(checked, 30000);
}

TEST(StepPropertyTest, MaxAHairBelowAStepDoesNotAdmitThatStep) {
  // The step count tolerates binary rounding (0.1 + 0.2 > 0.3), not a decimal difference the
  // user wrote: 0.29999999995 is below 0.3, so 0.3 is not a feasible value.
  struct Case {
    std::string min, max, step;
    int64_t count;
    std::string last;
  };
  for (const Case& c : {Case{"0", "0.29999999995", "0.1", 3, "0.2"},
                        Case{"0", "0.3", "0.1", 4, "0.3"}, Case{"0.1", "0.3", "0.1", 3, "0.3"},
                        Case{"0", "3.000000002", "1.000000001", 3, "2.000000002"},
                        Case{"0", "3.000000003", "1.000000001", 4, "3.000000003"},
                        Case{"0", "0.7", "0.1", 8, "0.7"},
                        Case{"1", "1.0000000001", "0.00000000001", 11, "1.0000000001"}}) {
    SCOPED_TRACE("min " + c.min + " max " + c.max + " step " + c.step);
    Parameter p = Range("double", c.min, c.max, c.step);
    ASSERT_EQ(p.StepCount(), c.count);
    EXPECT_EQ(p.SteppedValue(c.count - 1), c.last);
    EXPECT_LE(*ParseDouble(p.SteppedValue(c.count - 1)), *ParseDouble(c.max));
  }
}

// ---------------------------------------------------------------------------------------------
// RandomSearch

ExperimentSpec MixedSpec() {
  ExperimentSpec spec;
  spec.parameters = {
      RangeSpec("lr", "double", "0.0001", "0.1", "", "logUniform"),
      RangeSpec("momentum", "double", "0.5", "0.99"),
      RangeSpec("dropout", "double", "0", "0.5", "0.05"),
      RangeSpec("layers", "int", "1", "8"),
      ListSpec("batch", "discrete", {"16", "32", "64", "128"}),
      ListSpec("optimizer", "categorical", {"sgd", "adam", "ftrl"}),
  };
  return spec;
}

SearchSpace MixedSpace() {
  return SearchSpace::FromSpecOrThrow(MixedSpec());
}

Trial TrialWith(Assignment assignment, int64_t sequence,
                TrialStatus status = TrialStatus::kSucceeded) {
  Trial trial;
  trial.name = "t-" + std::to_string(sequence);
  trial.sequence = sequence;
  trial.assignment = std::move(assignment);
  trial.status = status;
  return trial;
}

std::vector<Assignment> AskOneAtATime(Algorithm& algorithm, int n) {
  std::vector<Trial> trials;
  std::vector<Assignment> assignments;
  for (int i = 0; i < n; ++i) {
    SuggestReply reply = algorithm.Suggest(trials, 1);
    EXPECT_EQ(reply.proposals.size(), 1u);
    EXPECT_FALSE(reply.exhausted);
    assignments.push_back(reply.proposals.at(0).assignment);
    trials.push_back(TrialWith(reply.proposals.at(0).assignment, i));
  }
  return assignments;
}

std::vector<Assignment> AskInOneBatch(Algorithm& algorithm, int n) {
  SuggestReply reply = algorithm.Suggest({}, n);
  EXPECT_FALSE(reply.exhausted);
  std::vector<Assignment> assignments;
  for (auto& proposal : reply.proposals)
    assignments.push_back(proposal.assignment);
  return assignments;
}

void ExpectFeasible(const SearchSpace& space, const Assignment& assignment) {
  ASSERT_EQ(assignment.size(), space.parameters().size());
  for (size_t i = 0; i < assignment.size(); ++i) {
    const Parameter& p = space.parameters()[i];
    EXPECT_EQ(assignment[i].name, p.name);  // in the order of spec.parameters
    const std::string& value = assignment[i].value;
    if (p.is_numeric_range()) {
      auto number = ParseDouble(value);
      ASSERT_TRUE(number) << p.name << " = " << value;
      EXPECT_GE(*number, p.min) << p.name;
      EXPECT_LE(*number, p.max) << p.name;
      if (p.type == ParameterType::kInt) {
        EXPECT_TRUE(ParseInt64(value)) << value;
      }
    } else {
      EXPECT_NE(std::find(p.list.begin(), p.list.end(), value), p.list.end()) << value;
    }
  }
}

TEST(RandomSearchTest, ProposalsAreFeasibleAndInParameterOrder) {
  SearchSpace space = MixedSpace();
  RandomSearch random(space, 7);
  SuggestReply reply = random.Suggest({}, 500);
  ASSERT_EQ(reply.proposals.size(), 500u);
  EXPECT_FALSE(reply.exhausted);
  for (const auto& proposal : reply.proposals) {
    ExpectFeasible(space, proposal.assignment);
    EXPECT_TRUE(proposal.labels.empty());
  }
}

TEST(RandomSearchTest, ZeroRequestedGivesNothing) {
  RandomSearch random(MixedSpace(), 7);
  SuggestReply reply = random.Suggest({}, 0);
  EXPECT_TRUE(reply.proposals.empty());
  EXPECT_FALSE(reply.exhausted);
}

TEST(RandomSearchTest, SeededRunsDoNotDependOnBatching) {
  RandomSearch batched(MixedSpace(), 42);
  RandomSearch one_by_one(MixedSpace(), 42);
  std::vector<Assignment> a = AskInOneBatch(batched, 12);
  std::vector<Assignment> b = AskOneAtATime(one_by_one, 12);
  ASSERT_EQ(a.size(), 12u);
  EXPECT_EQ(a, b);
  // Not a constant: the 12 assignments are distinct (lr is continuous).
  std::set<std::string> keys;
  for (const auto& assignment : a)
    keys.insert(AssignmentKey(assignment));
  EXPECT_EQ(keys.size(), 12u);
}

TEST(RandomSearchTest, SeededRunsResumeFromAnyHistory) {
  // Trial k's values depend on the seed and k only: a restarted controller that asks with the
  // first 5 trials (in whatever state, with whatever values) continues the same sequence.
  RandomSearch reference(MixedSpace(), 42);
  std::vector<Assignment> expected = AskInOneBatch(reference, 8);
  std::vector<Trial> history;
  for (int i = 0; i < 5; ++i) {
    Assignment other = {{"lr", "0.05"}, {"momentum", "0.6"}};  // not what was proposed
    history.push_back(TrialWith(other, i, i % 2 ? TrialStatus::kFailed : TrialStatus::kRunning));
  }
  RandomSearch resumed(MixedSpace(), 42);
  SuggestReply reply = resumed.Suggest(history, 3);
  ASSERT_EQ(reply.proposals.size(), 3u);
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(reply.proposals[i].assignment, expected[5 + i]);
}

TEST(RandomSearchTest, DifferentSeedsGiveDifferentRuns) {
  RandomSearch a(MixedSpace(), 42), b(MixedSpace(), 43), c(MixedSpace(), 0);
  std::vector<Assignment> run_a = AskInOneBatch(a, 12);
  std::vector<Assignment> run_b = AskInOneBatch(b, 12);
  std::vector<Assignment> run_c = AskInOneBatch(c, 12);
  for (int i = 0; i < 12; ++i) {
    // lr is a continuous draw: equal values across seeds would mean a shared stream.
    EXPECT_NE(run_a[i], run_b[i]) << i;
    EXPECT_NE(run_a[i], run_c[i]) << i;
  }
}

TEST(RandomSearchTest, UnseededInstancesDiffer) {
  RandomSearch a(MixedSpace(), std::nullopt), b(MixedSpace(), std::nullopt);
  std::vector<Assignment> run_a = AskInOneBatch(a, 12);
  std::vector<Assignment> run_b = AskInOneBatch(b, 12);
  EXPECT_NE(run_a, run_b);
  // One unseeded instance is still consistent with itself: a fixed seed chosen at creation.
  std::vector<Assignment> again = AskInOneBatch(a, 12);
  EXPECT_EQ(run_a, again);
}

TEST(RandomSearchTest, EveryCategoryAndStepIsReachedAcrossTrials) {
  // Through the algorithm (one stream per trial), not just one Rng: each list entry and each
  // dropout step shows up, about uniformly.
  SearchSpace space = MixedSpace();
  RandomSearch random(space, 5);
  SuggestReply reply = random.Suggest({}, kDraws);
  std::vector<std::string> optimizer, dropout, layers;
  for (const auto& proposal : reply.proposals) {
    optimizer.push_back(*FindValue(proposal.assignment, "optimizer"));
    dropout.push_back(*FindValue(proposal.assignment, "dropout"));
    layers.push_back(*FindValue(proposal.assignment, "layers"));
  }
  ExpectUniformOver(optimizer, {"sgd", "adam", "ftrl"});
  std::vector<std::string> steps;
  for (int64_t k = 0; k <= 10; ++k)
    steps.push_back(DecimalText(5 * k, 2));
  ExpectUniformOver(dropout, steps);
  ExpectUniformOver(layers, IntTexts(1, 8));
}

TEST(RandomSearchTest, ValidateSettings) {
  Experiment experiment;
  experiment.spec = MixedSpec();
  experiment.spec.algorithm = AlgorithmSpec{"random", {{"random_state", "42"}}};
  EXPECT_TRUE(RandomSearch::ValidateSettings(experiment).empty());

  experiment.spec.algorithm->algorithm_settings = {{"random_state", "-1"}};
  FieldErrors errors = RandomSearch::ValidateSettings(experiment);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.algorithm.algorithmSettings[0].value");

  experiment.spec.algorithm->algorithm_settings = {{"random_state", "1"}, {"n_startup", "3"}};
  errors = RandomSearch::ValidateSettings(experiment);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].path, "spec.algorithm.algorithmSettings[1].name");
  EXPECT_NE(errors[0].message.find("n_startup"), std::string::npos) << errors[0].message;
}

// ---------------------------------------------------------------------------------------------
// The registry

Experiment ExperimentFor(const std::string& algorithm, std::vector<NamedSetting> settings = {}) {
  Experiment experiment;
  experiment.metadata.name = "e";
  experiment.spec = MixedSpec();
  experiment.spec.algorithm = AlgorithmSpec{algorithm, std::move(settings)};
  return experiment;
}

ErrorCode CreateErrorCode(const Experiment& experiment, std::string* message = nullptr) {
  try {
    AlgorithmRegistry::Default().Create(experiment);
  } catch (const Error& error) {
    if (message) *message = error.what();
    return error.code();
  }
  ADD_FAILURE() << "Create did not throw";
  return ErrorCode::kInternal;
}

TEST(RegistryTest, CreatesASeededRandomSearch) {
  Experiment experiment = ExperimentFor("random", {{"random_state", "42"}});
  std::unique_ptr<Algorithm> created = AlgorithmRegistry::Default().Create(experiment);
  ASSERT_NE(created, nullptr);
  RandomSearch direct(MixedSpace(), 42);
  std::vector<Assignment> from_registry = AskOneAtATime(*created, 6);
  EXPECT_EQ(from_registry, AskInOneBatch(direct, 6));
  for (const auto& assignment : from_registry)
    ExpectFeasible(MixedSpace(), assignment);
}

TEST(RegistryTest, CreatesAnUnseededRandomSearchWithoutSettings) {
  std::unique_ptr<Algorithm> a = AlgorithmRegistry::Default().Create(ExperimentFor("random"));
  std::unique_ptr<Algorithm> b = AlgorithmRegistry::Default().Create(ExperimentFor("random"));
  EXPECT_NE(AskInOneBatch(*a, 4), AskInOneBatch(*b, 4));
}

TEST(RegistryTest, AlgorithmsTuneupDoesNotRunAreUnsupported) {
  std::string message;
  EXPECT_EQ(CreateErrorCode(ExperimentFor("tpe"), &message), ErrorCode::kUnsupported);
  EXPECT_NE(message.find("tpe"), std::string::npos) << message;
  EXPECT_EQ(CreateErrorCode(ExperimentFor("cmaes")), ErrorCode::kUnsupported);
}

TEST(RegistryTest, BadSettingsAreInvalidArguments) {
  for (const char* bad : {"abc", "-1", "1.5", "", "99999999999999999999"}) {
    SCOPED_TRACE(bad);
    std::string message;
    EXPECT_EQ(CreateErrorCode(ExperimentFor("random", {{"random_state", bad}}), &message),
              ErrorCode::kInvalidArgument);
    EXPECT_NE(message.find("spec.algorithm.algorithmSettings[0].value"), std::string::npos)
        << message;
  }
  std::string message;
  EXPECT_EQ(CreateErrorCode(ExperimentFor("random", {{"seed", "1"}}), &message),
            ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("\"seed\""), std::string::npos) << message;
}

TEST(RegistryTest, AMissingAlgorithmOrABadSpaceIsAnInvalidArgument) {
  Experiment no_algorithm = ExperimentFor("random");
  no_algorithm.spec.algorithm.reset();
  EXPECT_EQ(CreateErrorCode(no_algorithm), ErrorCode::kInvalidArgument);

  Experiment bad_space = ExperimentFor("random");
  bad_space.spec.parameters[1].feasible_space.max = "0.1";  // below min 0.5
  std::string message;
  EXPECT_EQ(CreateErrorCode(bad_space, &message), ErrorCode::kInvalidArgument);
  EXPECT_NE(message.find("spec.parameters[1].feasibleSpace.max"), std::string::npos) << message;
}

}  // namespace
}  // namespace tuneup
