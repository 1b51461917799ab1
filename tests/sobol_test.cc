// Sobol points (suggestion/sobol.h), the normal quantile under inverse-CDF sampling
// (suggestion/normal.h) and the `sobol` algorithm (suggestion/sobol_search.h).
//
// The plain sequence is checked against values printed by scipy.stats.qmc.Sobol(scramble=False),
// which uses the same Joe-Kuo direction numbers; the scrambled one by the properties scrambling
// must keep (the net structure) and the ones it must add (a seed-dependent, reproducible design).
#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/experiment.h"
#include "api/search_space.h"
#include "common/error.h"
#include "common/text.h"
#include "suggestion/normal.h"
#include "suggestion/registry.h"
#include "suggestion/sampling.h"
#include "suggestion/sobol.h"
#include "suggestion/sobol_search.h"
#include "tests/support/parameter_specs.h"
#include "tests/support/printers.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

TEST(SobolSequenceTest, PlainSequenceMatchesTheReferenceValues) {
  SobolSequence sobol(8, std::nullopt);
  const std::vector<std::pair<uint64_t, std::vector<double>>> expected = {
      {0, {0, 0, 0, 0, 0, 0, 0, 0}},
      {1, {0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5, 0.5}},
      {2, {0.75, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.75}},
      {3, {0.25, 0.75, 0.75, 0.75, 0.25, 0.25, 0.75, 0.25}},
      {5, {0.875, 0.875, 0.125, 0.375, 0.875, 0.625, 0.875, 0.375}},
      {11, {0.4375, 0.5625, 0.1875, 0.6875, 0.8125, 0.0625, 0.6875, 0.6875}},
      {15, {0.0625, 0.9375, 0.5625, 0.3125, 0.6875, 0.1875, 0.8125, 0.3125}},
  };
  for (const auto& [index, point] : expected) {
    EXPECT_EQ(sobol.Point(index), point) << "point " << index;
  }
}

TEST(SobolSequenceTest, HighDimensionsUseTheirOwnDirectionNumbers) {
  SobolSequence sobol(SobolSequence::kMaxDimensions, std::nullopt);
  std::vector<double> point = sobol.Point(7);
  EXPECT_EQ(point[100], 0.375);
  EXPECT_EQ(point[500], 0.625);
  EXPECT_EQ(point[1023], 0.625);
}

TEST(SobolSequenceTest, DimensionsOutOfRangeAreRefused) {
  EXPECT_THROW(SobolSequence(0, std::nullopt), Error);
  EXPECT_THROW(SobolSequence(SobolSequence::kMaxDimensions + 1, std::nullopt), Error);
}

// Every elementary box of volume 2^-m in dimensions (a, b) holds exactly one of the first 2^m
// points: the (0, m, 2)-net property of Sobol's first two dimensions, which scrambling keeps.
void ExpectNet(const SobolSequence& sobol, int m) {
  const uint64_t n = uint64_t{1} << m;
  std::vector<std::vector<double>> points;
  for (uint64_t i = 0; i < n; ++i)
    points.push_back(sobol.Point(i));
  for (int bits_x = 0; bits_x <= m; ++bits_x) {
    const int bits_y = m - bits_x;
    std::set<std::pair<uint64_t, uint64_t>> boxes;
    for (const auto& p : points) {
      ASSERT_GE(p[0], 0.0);
      ASSERT_LT(p[0], 1.0);
      ASSERT_GE(p[1], 0.0);
      ASSERT_LT(p[1], 1.0);
      boxes.insert({static_cast<uint64_t>(std::ldexp(p[0], bits_x)),
                    static_cast<uint64_t>(std::ldexp(p[1], bits_y))});
    }
    EXPECT_EQ(boxes.size(), n) << "boxes of 2^-" << bits_x << " x 2^-" << bits_y;
  }
}

TEST(SobolSequenceTest, PlainSequenceIsANet) {
  ExpectNet(SobolSequence(2, std::nullopt), 8);
}

TEST(SobolSequenceTest, ScrambledSequenceIsStillANet) {
  for (uint64_t seed : {0, 1, 42})
    ExpectNet(SobolSequence(2, seed), 8);
}

TEST(SobolSequenceTest, ScramblingIsReproducibleAndDependsOnTheSeed) {
  SobolSequence a(5, 7), b(5, 7), c(5, 8);
  bool differs = false;
  for (uint64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(a.Point(i), b.Point(i));
    differs = differs || a.Point(i) != c.Point(i);
  }
  EXPECT_TRUE(differs);
  // The plain sequence starts at the corner; a scrambled one does not.
  for (double coordinate : a.Point(0))
    EXPECT_NE(coordinate, 0.0);
}

TEST(SobolSequenceTest, ScrambledPointsAreEvenlySpreadInEveryDimension) {
  // The first 2^10 points of each dimension put exactly 2^6 in each of 16 equal intervals.
  SobolSequence sobol(20, 3);
  std::vector<std::vector<int>> counts(20, std::vector<int>(16, 0));
  for (uint64_t i = 0; i < 1024; ++i) {
    std::vector<double> p = sobol.Point(i);
    for (int d = 0; d < 20; ++d)
      ++counts[d][static_cast<int>(p[d] * 16)];
  }
  for (int d = 0; d < 20; ++d) {
    for (int k = 0; k < 16; ++k)
      EXPECT_EQ(counts[d][k], 64) << "dimension " << d;
  }
}

TEST(NormalTest, QuantileMatchesScipyToFullPrecision) {
  const std::vector<std::pair<double, double>> cases = {{1e-300, -37.0470962993612},
                                                        {1e-10, -6.361340902404056},
                                                        {0.02425, -1.972961051311885},
                                                        {0.3, -0.5244005127080409},
                                                        {0.5, 0.0},
                                                        {0.975, 1.959963984540054},
                                                        {1 - 1e-12, 7.0344869100478356}};
  for (const auto& [p, z] : cases) {
    EXPECT_NEAR(NormalQuantile(p), z, 1e-14 * std::max(1.0, std::abs(z))) << "p = " << p;
  }
  EXPECT_EQ(NormalQuantile(0), -INFINITY);
  EXPECT_EQ(NormalQuantile(1), INFINITY);
}

TEST(NormalTest, CdfMatchesScipy) {
  const std::vector<std::pair<double, double>> cases = {
      {-30, 4.906713927147908e-198}, {-5, 2.866515718791933e-07},
      {-1, 0.15865525393145707},     {0, 0.5},
      {2.5, 0.9937903346742238},     {8, 0.9999999999999993}};
  for (const auto& [z, p] : cases)
    EXPECT_NEAR(NormalCdf(z), p, 1e-15 * std::max(p, 1e-300) + 1e-16);
}

TEST(NormalTest, QuantileInvertsTheCdf) {
  for (double p = 0.0005; p < 1; p += 0.0137)
    EXPECT_NEAR(NormalCdf(NormalQuantile(p)), p, 1e-15);
}

// ---------------------------------------------------------------------------------------------
// The `sobol` algorithm

Experiment SobolExperiment(std::vector<ParameterSpec> parameters,
                           std::vector<NamedSetting> settings = {}) {
  return testing::SearchExperiment("sobol", std::move(parameters), std::move(settings));
}

std::vector<Trial> AsTrials(const SuggestReply& reply) {
  std::vector<Trial> trials;
  for (const auto& proposal : reply.proposals) {
    Trial trial;
    trial.sequence = static_cast<int64_t>(trials.size());
    trial.name = "t" + std::to_string(trials.size());
    trial.assignment = proposal.assignment;
    trial.status = TrialStatus::kSucceeded;
    trial.objective = 0;
    trials.push_back(std::move(trial));
  }
  return trials;
}

TEST(SobolSearchTest, WithoutRandomStateFollowsThePlainSequenceFromItsSecondPoint) {
  auto algorithm = AlgorithmRegistry::Default().Create(
      SobolExperiment({RangeSpec("a", "double", "0", "8"), RangeSpec("b", "double", "-1", "1")}));
  SuggestReply reply = algorithm->Suggest({}, 3);
  ASSERT_EQ(reply.proposals.size(), 3u);
  EXPECT_FALSE(reply.exhausted);
  // Points 1, 2, 3 of the plain sequence: (.5, .5), (.75, .25), (.25, .75).
  EXPECT_EQ(reply.proposals[0].assignment, (Assignment{{"a", "4"}, {"b", "0"}}));
  EXPECT_EQ(reply.proposals[1].assignment, (Assignment{{"a", "6"}, {"b", "-0.5"}}));
  EXPECT_EQ(reply.proposals[2].assignment, (Assignment{{"a", "2"}, {"b", "0.5"}}));
}

TEST(SobolSearchTest, ContinuesWhereTheHistoryEnds) {
  Experiment experiment =
      SobolExperiment({RangeSpec("a", "double", "0", "1"), RangeSpec("b", "int", "1", "100")},
                      {{"random_state", "5"}});
  auto one_go = AlgorithmRegistry::Default().Create(experiment)->Suggest({}, 10);
  auto algorithm = AlgorithmRegistry::Default().Create(experiment);
  std::vector<Trial> history = AsTrials(algorithm->Suggest({}, 4));
  SuggestReply rest = algorithm->Suggest(history, 6);
  for (size_t i = 0; i < 4; ++i)
    EXPECT_EQ(history[i].assignment, one_go.proposals[i].assignment);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ(rest.proposals[i].assignment, one_go.proposals[4 + i].assignment);
  }
}

TEST(SobolSearchTest, SeedsGiveReproducibleDifferentDesigns) {
  auto space = std::vector<ParameterSpec>{RangeSpec("a", "double", "0", "1"),
                                          RangeSpec("b", "double", "0", "1")};
  auto a = AlgorithmRegistry::Default().Create(SobolExperiment(space, {{"random_state", "1"}}));
  auto b = AlgorithmRegistry::Default().Create(SobolExperiment(space, {{"random_state", "1"}}));
  auto c = AlgorithmRegistry::Default().Create(SobolExperiment(space, {{"random_state", "2"}}));
  auto ra = a->Suggest({}, 16), rb = b->Suggest({}, 16), rc = c->Suggest({}, 16);
  bool differs = false;
  for (size_t i = 0; i < 16; ++i) {
    EXPECT_EQ(ra.proposals[i].assignment, rb.proposals[i].assignment);
    differs = differs || ra.proposals[i].assignment != rc.proposals[i].assignment;
  }
  EXPECT_TRUE(differs);
}

TEST(SobolSearchTest, EveryParameterTypeGetsFeasibleValuesThroughItsDistribution) {
  Experiment experiment =
      SobolExperiment({RangeSpec("lr", "double", "0.0001", "0.1", "", "logUniform"),
                       RangeSpec("units", "int", "16", "512", "16"),
                       ListSpec("batch", "discrete", {"32", "64", "128"}),
                       ListSpec("opt", "categorical", {"sgd", "adam", "rmsprop"})},
                      {{"random_state", "9"}});
  SearchSpace space = SearchSpace::FromSpecOrThrow(experiment.spec);
  auto algorithm = AlgorithmRegistry::Default().Create(experiment);
  SuggestReply reply = algorithm->Suggest({}, 256);
  int below_1e3 = 0;
  std::set<std::string> categories;
  for (const auto& proposal : reply.proposals) {
    double lr = ParseDouble(*FindValue(proposal.assignment, "lr")).value();
    EXPECT_GE(lr, 0.0001);
    EXPECT_LE(lr, 0.1);
    below_1e3 += lr < 1e-3;
    int64_t units = ParseInt64(*FindValue(proposal.assignment, "units")).value();
    EXPECT_EQ(units % 16, 0);
    EXPECT_GE(units, 16);
    EXPECT_LE(units, 512);
    std::string batch = *FindValue(proposal.assignment, "batch");
    EXPECT_TRUE(batch == "32" || batch == "64" || batch == "128") << batch;
    categories.insert(*FindValue(proposal.assignment, "opt"));
  }
  // Log-uniform: a third of the design lies in the lowest decade of three.
  EXPECT_NEAR(below_1e3, 256.0 / 3, 8);
  EXPECT_EQ(categories.size(), 3u);
}

TEST(SobolSearchTest, BadSettingsAreRejectedNamingTheSetting) {
  auto space = std::vector<ParameterSpec>{RangeSpec("a", "double", "0", "1")};
  FieldErrors errors = AlgorithmRegistry::Default().ValidateSettings(
      SobolExperiment(space, {{"random_state", "-1"}, {"scramble", "yes"}}));
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].path, "spec.algorithm.algorithmSettings[0].value");
  EXPECT_NE(errors[0].message.find("random_state"), std::string::npos);
  EXPECT_EQ(errors[1].path, "spec.algorithm.algorithmSettings[1].name");
  EXPECT_NE(errors[1].message.find("unknown setting \"scramble\""), std::string::npos);
}

}  // namespace
}  // namespace tuneup
