// Property tests for `grid` (suggestion/grid_search.h): every combination exactly once, in
// nested-loop order or a seeded permutation, never a point already tried, and `exhausted` as soon
// as the last point is handed out.
#include "suggestion/grid_search.h"
#include "tests/support/parameter_specs.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"
#include "common/error.h"
#include "suggestion/registry.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

// ---------------------------------------------------------------------------------------------
// Helpers

// int with a step, double with a step (and binary noise: 0.1 + 0.2), discrete and categorical.
ExperimentSpec MixedSpec() {
  ExperimentSpec spec;
  spec.parameters = {
      RangeSpec("a", "int", "0", "7", "2"),           // 0 2 4 6
      RangeSpec("b", "double", "0.1", "0.3", "0.1"),  // 0.1 0.2 0.3
      ListSpec("c", "discrete", {"1", "10"}),         // as written
      ListSpec("d", "categorical", {"x", "y", "z"}),
  };
  return spec;
}

// The axes of MixedSpec, written out by hand: the reference the grid is checked against.
const std::vector<std::vector<std::string>>& MixedAxes() {
  static const std::vector<std::vector<std::string>> axes = {
      {"0", "2", "4", "6"}, {"0.1", "0.2", "0.3"}, {"1", "10"}, {"x", "y", "z"}};
  return axes;
}
const std::vector<std::string> kMixedNames = {"a", "b", "c", "d"};
constexpr int64_t kMixedSize = 4 * 3 * 2 * 3;

SearchSpace Space(const ExperimentSpec& spec) {
  return SearchSpace::FromSpecOrThrow(spec);
}

// Every combination in nested-loop order, first parameter slowest, built with plain loops.
std::vector<Assignment> NestedOrder(const std::vector<std::string>& names,
                                    const std::vector<std::vector<std::string>>& axes) {
  std::vector<Assignment> points = {{}};
  for (size_t i = 0; i < axes.size(); ++i) {
    std::vector<Assignment> next;
    for (const auto& prefix : points) {
      for (const auto& value : axes[i]) {
        Assignment point = prefix;
        point.push_back({names[i], value});
        next.push_back(std::move(point));
      }
    }
    points = std::move(next);
  }
  return points;
}

Trial TrialWith(Assignment assignment, int64_t sequence, TrialStatus status) {
  Trial trial;
  trial.name = "t-" + std::to_string(sequence);
  trial.sequence = sequence;
  trial.assignment = std::move(assignment);
  trial.status = status;
  return trial;
}

constexpr TrialStatus kStatuses[] = {
    TrialStatus::kSucceeded,
    TrialStatus::kFailed,
    TrialStatus::kRunning,
    TrialStatus::kPending,
    TrialStatus::kKilled,
    TrialStatus::kEarlyStopped,
    TrialStatus::kMetricsUnavailable,
};

struct Walk {
  std::vector<Assignment> proposed;  // in the order handed out
  int replies = 0;
  int exhausted_at = -1;  // index of the first reply saying exhausted
  bool proposals_after_exhausted = false;
  bool short_reply_before_exhausted = false;
};

// Asks `batch` at a time until the grid says exhausted, feeding every proposal back as a trial
// (cycling through all trial states, so a Failed or Killed point still counts as tried), then
// asks once more.
Walk WalkGrid(Algorithm& grid, int batch, std::vector<Trial> trials = {}) {
  Walk walk;
  for (int guard = 0; guard < 100000; ++guard) {
    SuggestReply reply = grid.Suggest(trials, batch);
    ++walk.replies;
    if (walk.exhausted_at >= 0) {
      walk.proposals_after_exhausted |= !reply.proposals.empty();
      EXPECT_TRUE(reply.exhausted) << "exhausted is forever";
      break;
    }
    if (!reply.exhausted && static_cast<int>(reply.proposals.size()) < batch) {
      walk.short_reply_before_exhausted = true;
    }
    for (auto& proposal : reply.proposals) {
      walk.proposed.push_back(proposal.assignment);
      int64_t sequence = static_cast<int64_t>(trials.size());
      trials.push_back(TrialWith(proposal.assignment, sequence,
                                 kStatuses[static_cast<size_t>(sequence) % std::size(kStatuses)]));
    }
    if (reply.exhausted) walk.exhausted_at = walk.replies - 1;
  }
  return walk;
}

std::set<std::string> Keys(const std::vector<Assignment>& points) {
  std::set<std::string> keys;
  for (const auto& point : points)
    keys.insert(AssignmentKey(point));
  return keys;
}

// ---------------------------------------------------------------------------------------------
// Axes and size

TEST(GridAxesTest, AxesAreTheSteppedValuesAndTheLists) {
  FieldErrors errors;
  auto axes = GridAxes(Space(MixedSpec()), &errors);
  EXPECT_TRUE(errors.empty());
  EXPECT_EQ(axes, MixedAxes());
}

TEST(GridAxesTest, AStepThatDoesNotDivideTheRangeStopsBelowMax) {
  ExperimentSpec spec;
  spec.parameters = {RangeSpec("x", "double", "0", "1", "0.3")};
  EXPECT_EQ(GridAxes(Space(spec), nullptr),
            (std::vector<std::vector<std::string>>{{"0", "0.3", "0.6", "0.9"}}));
}

TEST(GridAxesTest, BinaryNoiseNeitherAddsNorDropsAValue) {
  // (0.3 - 0.1) / 0.1 is 1.9999999999999998 and 0.1 + 0.2 is 0.30000000000000004 in binary; the
  // axis is still exactly the three decimals a user means.
  struct Case {
    std::string min, max, step;
    std::vector<std::string> axis;
  };
  for (const Case& c :
       {Case{"0.1", "0.3", "0.1", {"0.1", "0.2", "0.3"}},
        Case{"0", "0.7", "0.1", {"0", "0.1", "0.2", "0.3", "0.4", "0.5", "0.6", "0.7"}},
        Case{"0.01", "0.05", "0.01", {"0.01", "0.02", "0.03", "0.04", "0.05"}},
        Case{"1e-3", "3e-3", "1e-3", {"0.001", "0.002", "0.003"}},
        Case{"-0.3", "-0.1", "0.1", {"-0.3", "-0.2", "-0.1"}},
        Case{"0", "0.29999999995", "0.1", {"0", "0.1", "0.2"}}}) {
    SCOPED_TRACE(c.min + " .. " + c.max + " step " + c.step);
    ExperimentSpec spec;
    spec.parameters = {RangeSpec("x", "double", c.min, c.max, c.step)};
    EXPECT_EQ(GridAxes(Space(spec), nullptr), (std::vector<std::vector<std::string>>{c.axis}));
  }
}

TEST(GridAxesTest, IntAxesWithAndWithoutStep) {
  ExperimentSpec spec;
  spec.parameters = {RangeSpec("i", "int", "-3", "3"), RangeSpec("j", "int", "5", "5"),
                     RangeSpec("k", "int", "1", "10", "4")};
  EXPECT_EQ(GridAxes(Space(spec), nullptr),
            (std::vector<std::vector<std::string>>{
                {"-3", "-2", "-1", "0", "1", "2", "3"}, {"5"}, {"1", "5", "9"}}));
}

TEST(GridSearchTest, SizeIsTheProductOfTheAxes) {
  EXPECT_EQ(GridSearch(Space(MixedSpec()), std::nullopt).size(), kMixedSize);
  EXPECT_EQ(GridSearch(Space(MixedSpec()), 42).size(), kMixedSize);
  ExperimentSpec one;
  one.parameters = {RangeSpec("only", "int", "3", "3")};
  EXPECT_EQ(GridSearch(Space(one), std::nullopt).size(), 1);
}

// ---------------------------------------------------------------------------------------------
// Walking the grid

TEST(GridSearchTest, VisitsEveryCombinationExactlyOnceThenIsExhausted) {
  const std::set<std::string> all = Keys(NestedOrder(kMixedNames, MixedAxes()));
  ASSERT_EQ(all.size(), static_cast<size_t>(kMixedSize));
  for (std::optional<uint64_t> seed : {std::optional<uint64_t>(), std::optional<uint64_t>(42)}) {
    for (int batch : {1, 2, 5, 7, 71, 72, 73, 500}) {
      SCOPED_TRACE("batch " + std::to_string(batch) + (seed ? " seeded" : " unseeded"));
      GridSearch grid(Space(MixedSpec()), seed);
      Walk walk = WalkGrid(grid, batch);
      EXPECT_EQ(walk.proposed.size(), static_cast<size_t>(kMixedSize));
      EXPECT_EQ(Keys(walk.proposed), all);  // with the size: no point twice, none missing
      // Exhausted comes with the reply that hands out the last points, not one call later.
      const int full_replies = static_cast<int>((kMixedSize + batch - 1) / batch);
      EXPECT_EQ(walk.exhausted_at, full_replies - 1);
      EXPECT_EQ(walk.replies, full_replies + 1);
      EXPECT_FALSE(walk.proposals_after_exhausted);
      EXPECT_FALSE(walk.short_reply_before_exhausted);
    }
  }
}

TEST(GridSearchTest, ProposalsAreInParameterOrderAndOnTheAxes) {
  GridSearch grid(Space(MixedSpec()), 7);
  SuggestReply reply = grid.Suggest({}, 1000);
  ASSERT_EQ(reply.proposals.size(), static_cast<size_t>(kMixedSize));
  EXPECT_TRUE(reply.exhausted);
  for (const auto& proposal : reply.proposals) {
    ASSERT_EQ(proposal.assignment.size(), kMixedNames.size());
    for (size_t i = 0; i < kMixedNames.size(); ++i) {
      EXPECT_EQ(proposal.assignment[i].name, kMixedNames[i]);
      const auto& axis = MixedAxes()[i];
      EXPECT_NE(std::find(axis.begin(), axis.end(), proposal.assignment[i].value), axis.end())
          << proposal.assignment[i].value;
    }
    EXPECT_TRUE(proposal.labels.empty());
  }
}

TEST(GridSearchTest, WithoutRandomStateTheOrderIsNestedLoops) {
  GridSearch grid(Space(MixedSpec()), std::nullopt);
  Walk walk = WalkGrid(grid, 5);
  std::vector<Assignment> nested = NestedOrder(kMixedNames, MixedAxes());
  EXPECT_EQ(walk.proposed, nested);
  // Spelled out for the first points: d fastest, a slowest.
  ASSERT_GE(walk.proposed.size(), 4u);
  EXPECT_EQ(walk.proposed[0], (Assignment{{"a", "0"}, {"b", "0.1"}, {"c", "1"}, {"d", "x"}}));
  EXPECT_EQ(walk.proposed[1], (Assignment{{"a", "0"}, {"b", "0.1"}, {"c", "1"}, {"d", "y"}}));
  EXPECT_EQ(walk.proposed[3], (Assignment{{"a", "0"}, {"b", "0.1"}, {"c", "10"}, {"d", "x"}}));
  EXPECT_EQ(walk.proposed.back(), (Assignment{{"a", "6"}, {"b", "0.3"}, {"c", "10"}, {"d", "z"}}));
  for (int64_t i = 0; i < grid.size(); ++i)
    EXPECT_EQ(grid.PointAt(i), nested[i]);
}

TEST(GridSearchTest, WithRandomStateTheOrderIsAReproduciblePermutation) {
  const std::vector<Assignment> nested = NestedOrder(kMixedNames, MixedAxes());
  GridSearch a(Space(MixedSpec()), 42);
  GridSearch b(Space(MixedSpec()), 42);
  Walk walk_a = WalkGrid(a, 1);
  Walk walk_b = WalkGrid(b, 10);  // batching does not change the order
  ASSERT_EQ(walk_a.proposed.size(), nested.size());
  EXPECT_EQ(walk_a.proposed, walk_b.proposed);
  EXPECT_EQ(Keys(walk_a.proposed), Keys(nested));
  EXPECT_NE(walk_a.proposed, nested);
  // Not nested order started somewhere else either: the point after each one is not its
  // nested-order successor for most of the walk.
  std::map<std::string, std::string> nested_next;
  for (size_t i = 0; i + 1 < nested.size(); ++i) {
    nested_next[AssignmentKey(nested[i])] = AssignmentKey(nested[i + 1]);
  }
  int successors = 0;
  for (size_t i = 0; i + 1 < walk_a.proposed.size(); ++i) {
    successors +=
        nested_next[AssignmentKey(walk_a.proposed[i])] == AssignmentKey(walk_a.proposed[i + 1]);
  }
  EXPECT_LT(successors, 10);
}

TEST(GridSearchTest, DifferentRandomStatesGiveDifferentOrders) {
  std::set<std::vector<std::string>> orders;
  for (uint64_t seed = 0; seed < 8; ++seed) {
    GridSearch grid(Space(MixedSpec()), seed);
    std::vector<std::string> order;
    for (int64_t i = 0; i < grid.size(); ++i)
      order.push_back(AssignmentKey(grid.PointAt(i)));
    EXPECT_EQ(std::set<std::string>(order.begin(), order.end()).size(),
              static_cast<size_t>(kMixedSize));
    orders.insert(order);
  }
  EXPECT_GE(orders.size(), 6u);  // a few seeds may share an order; most must not
}

TEST(GridSearchTest, RandomStateOrderIsAPermutationForManySizes) {
  // The seeded order maps positions through an affine permutation of [0, size); check it on
  // sizes with many small factors, primes and squares.
  for (int64_t n : {2, 3, 4, 6, 9, 12, 16, 30, 49, 64, 97, 210, 243, 1024, 2310}) {
    for (uint64_t seed : {0, 1, 42, 1234567}) {
      ExperimentSpec spec;
      spec.parameters = {RangeSpec("i", "int", "0", std::to_string(n - 1))};
      GridSearch grid(Space(spec), seed);
      ASSERT_EQ(grid.size(), n);
      std::set<std::string> seen;
      for (int64_t p = 0; p < n; ++p)
        seen.insert(grid.PointAt(p).at(0).value);
      EXPECT_EQ(static_cast<int64_t>(seen.size()), n) << "size " << n << " seed " << seed;
    }
  }
}

TEST(GridSearchTest, PointsAlreadyTriedAreSkipped) {
  // Trials created by hand, in an order unrelated to the grid's and with their values listed in
  // another parameter order, are never proposed again; the rest of the grid still is.
  std::vector<Assignment> nested = NestedOrder(kMixedNames, MixedAxes());
  std::vector<Trial> history;
  std::set<std::string> by_hand;
  for (size_t i : {70u, 3u, 0u, 41u, 17u, 18u, 55u, 1u, 71u, 36u}) {
    Assignment reversed(nested[i].rbegin(), nested[i].rend());
    history.push_back(
        TrialWith(reversed, static_cast<int64_t>(history.size()),
                  history.size() % 2 ? TrialStatus::kFailed : TrialStatus::kSucceeded));
    by_hand.insert(AssignmentKey(nested[i]));
  }
  // And one trial from outside the grid (a value no axis has): it blocks nothing.
  history.push_back(TrialWith({{"a", "1"}, {"b", "0.1"}, {"c", "1"}, {"d", "x"}},
                              static_cast<int64_t>(history.size()), TrialStatus::kSucceeded));
  for (std::optional<uint64_t> seed : {std::optional<uint64_t>(), std::optional<uint64_t>(9)}) {
    GridSearch grid(Space(MixedSpec()), seed);
    Walk walk = WalkGrid(grid, 4, history);
    EXPECT_EQ(walk.proposed.size(), static_cast<size_t>(kMixedSize) - by_hand.size());
    std::set<std::string> proposed = Keys(walk.proposed);
    EXPECT_EQ(proposed.size(), walk.proposed.size());
    for (const auto& key : by_hand)
      EXPECT_FALSE(proposed.count(key));
    std::set<std::string> union_keys = proposed;
    union_keys.insert(by_hand.begin(), by_hand.end());
    EXPECT_EQ(union_keys, Keys(nested));
  }
}

TEST(GridSearchTest, AFullHistoryIsExhaustedAtOnce) {
  std::vector<Trial> history;
  for (const auto& point : NestedOrder(kMixedNames, MixedAxes())) {
    history.push_back(TrialWith(point, static_cast<int64_t>(history.size()), TrialStatus::kFailed));
  }
  std::reverse(history.begin(), history.end());
  GridSearch grid(Space(MixedSpec()), 3);
  SuggestReply reply = grid.Suggest(history, 5);
  EXPECT_TRUE(reply.proposals.empty());
  EXPECT_TRUE(reply.exhausted);
}

TEST(GridSearchTest, AskingForNothingIsNotExhausted) {
  GridSearch grid(Space(MixedSpec()), std::nullopt);
  SuggestReply reply = grid.Suggest({}, 0);
  EXPECT_TRUE(reply.proposals.empty());
  EXPECT_FALSE(reply.exhausted);
}

TEST(GridSearchTest, ASinglePointGridIsExhaustedWithItsOnlyProposal) {
  ExperimentSpec spec;
  spec.parameters = {RangeSpec("only", "double", "0.5", "0.5", "0.1")};
  GridSearch grid(Space(spec), std::nullopt);
  SuggestReply reply = grid.Suggest({}, 3);
  ASSERT_EQ(reply.proposals.size(), 1u);
  EXPECT_EQ(reply.proposals[0].assignment, (Assignment{{"only", "0.5"}}));
  EXPECT_TRUE(reply.exhausted);
}

TEST(GridSearchTest, ARepeatedListValueIsProposedOnce) {
  // Validation accepts a list that repeats a value; the grid counts it once, so its size is the
  // number of distinct points and it is exhausted exactly after the last of them.
  ExperimentSpec spec;
  spec.parameters = {ListSpec("opt", "categorical", {"sgd", "adam", "sgd"}),
                     RangeSpec("n", "int", "1", "2")};
  GridSearch grid(Space(spec), std::nullopt);
  EXPECT_EQ(grid.size(), 4);
  Walk walk = WalkGrid(grid, 1);
  EXPECT_EQ(walk.proposed.size(), 4u);
  EXPECT_EQ(Keys(walk.proposed).size(), 4u);
  EXPECT_EQ(walk.exhausted_at, 3) << "exhausted on the reply that hands out the last point";
}

TEST(GridSearchTest, ABigGridStartsQuickly) {
  // 10^12 points: nothing may be proportional to the grid's size, only to the history's.
  ExperimentSpec spec;
  for (const char* name : {"w", "x", "y", "z"})
    spec.parameters.push_back(RangeSpec(name, "int", "1", "1000"));
  for (std::optional<uint64_t> seed : {std::optional<uint64_t>(), std::optional<uint64_t>(5)}) {
    auto start = std::chrono::steady_clock::now();
    GridSearch grid(Space(spec), seed);
    EXPECT_EQ(grid.size(), 1'000'000'000'000);
    std::vector<Trial> history;
    for (int round = 0; round < 20; ++round) {
      SuggestReply reply = grid.Suggest(history, 50);
      ASSERT_EQ(reply.proposals.size(), 50u);
      EXPECT_FALSE(reply.exhausted);
      for (auto& proposal : reply.proposals) {
        history.push_back(TrialWith(proposal.assignment, static_cast<int64_t>(history.size()),
                                    TrialStatus::kSucceeded));
      }
    }
    EXPECT_EQ(Keys([&] {
                std::vector<Assignment> points;
                for (const auto& trial : history)
                  points.push_back(trial.assignment);
                return points;
              }())
                  .size(),
              1000u);
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    // Milliseconds in practice; a walk over 10^12 points would take hours.
    EXPECT_LT(seconds, 5.0);
  }
}

// ---------------------------------------------------------------------------------------------
// Settings and validation

Experiment GridExperiment(ExperimentSpec spec, std::vector<NamedSetting> settings = {}) {
  Experiment experiment;
  experiment.metadata.name = "g";
  experiment.spec = std::move(spec);
  experiment.spec.algorithm = AlgorithmSpec{"grid", std::move(settings)};
  return experiment;
}

bool HasErrorAt(const FieldErrors& errors, const std::string& path, const std::string& word = "") {
  for (const auto& error : errors) {
    if (error.path == path && error.message.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string Dump(const FieldErrors& errors) {
  std::string text;
  for (const auto& error : errors)
    text += error.ToString() + "\n";
  return text;
}

TEST(GridValidateTest, AValidGridHasNoErrors) {
  Experiment experiment = GridExperiment(MixedSpec(), {{"random_state", "3"}});
  experiment.spec.max_trial_count = kMixedSize;  // exactly the grid: allowed
  FieldErrors errors = GridSearch::ValidateSettings(experiment);
  EXPECT_TRUE(errors.empty()) << Dump(errors);
}

TEST(GridValidateTest, ADoubleWithoutAStepIsAnError) {
  ExperimentSpec spec = MixedSpec();
  spec.parameters.push_back(RangeSpec("lr", "double", "0.01", "0.1"));
  FieldErrors errors = GridSearch::ValidateSettings(GridExperiment(spec));
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_EQ(errors[0].path, "spec.parameters[4].feasibleSpace.step");
  EXPECT_NE(errors[0].message.find("lr"), std::string::npos) << errors[0].message;
}

TEST(GridValidateTest, MaxTrialCountAboveTheGridSizeIsAnError) {
  Experiment experiment = GridExperiment(MixedSpec());
  experiment.spec.max_trial_count = kMixedSize + 1;
  FieldErrors errors = GridSearch::ValidateSettings(experiment);
  ASSERT_EQ(errors.size(), 1u) << Dump(errors);
  EXPECT_TRUE(HasErrorAt(errors, "spec.maxTrialCount", "72")) << Dump(errors);
}

TEST(GridValidateTest, UnknownAndBadSettingsAreErrors) {
  FieldErrors errors =
      GridSearch::ValidateSettings(GridExperiment(MixedSpec(), {{"shuffle", "true"}}));
  EXPECT_TRUE(HasErrorAt(errors, "spec.algorithm.algorithmSettings[0].name", "\"shuffle\""))
      << Dump(errors);
  errors = GridSearch::ValidateSettings(
      GridExperiment(MixedSpec(), {{"random_state", "1"}, {"random_state", "x"}}));
  EXPECT_TRUE(HasErrorAt(errors, "spec.algorithm.algorithmSettings[1].value", "random_state"))
      << Dump(errors);
}

TEST(GridValidateTest, AGridTooBigToIndexIsAnError) {
  // 10 axes of 100 values: 10^20 points, more than the 2^62 positions the grid can index.
  ExperimentSpec spec;
  for (int i = 0; i < 10; ++i) {
    spec.parameters.push_back(RangeSpec("p" + std::to_string(i), "int", "1", "100"));
  }
  FieldErrors errors = GridSearch::ValidateSettings(GridExperiment(spec));
  EXPECT_TRUE(HasErrorAt(errors, "spec.parameters", "2^62")) << Dump(errors);
  EXPECT_THROW(GridSearch(Space(spec), std::nullopt), Error);
}

TEST(GridValidateTest, LongAxesAreNeverWrittenOut) {
  // Axes are computed, not stored: a grid with a 10^9-value axis validates and starts at once.
  ExperimentSpec spec = MixedSpec();
  spec.parameters.push_back(RangeSpec("big", "int", "0", "999999999"));
  auto start = std::chrono::steady_clock::now();
  FieldErrors errors = GridSearch::ValidateSettings(GridExperiment(spec));
  EXPECT_TRUE(errors.empty()) << Dump(errors);
  GridSearch grid(Space(spec), 3);
  EXPECT_EQ(grid.Suggest({}, 5).proposals.size(), 5u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(GridRegistryTest, CreatesAGridThatWalksLikeADirectOne) {
  Experiment experiment = GridExperiment(MixedSpec(), {{"random_state", "11"}});
  std::unique_ptr<Algorithm> created = AlgorithmRegistry::Default().Create(experiment);
  GridSearch direct(Space(MixedSpec()), 11);
  EXPECT_EQ(WalkGrid(*created, 6).proposed, WalkGrid(direct, 6).proposed);
}

TEST(GridRegistryTest, ADoubleWithoutAStepCannotBeCreated) {
  ExperimentSpec spec = MixedSpec();
  spec.parameters.push_back(RangeSpec("lr", "double", "0.01", "0.1"));
  try {
    AlgorithmRegistry::Default().Create(GridExperiment(spec));
    FAIL() << "Create did not throw";
  } catch (const Error& error) {
    EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(error.what()).find("spec.parameters[4].feasibleSpace.step"),
              std::string::npos)
        << error.what();
  }
}

}  // namespace
}  // namespace tuneup
