// Assignments as points of the unit cube (suggestion/space_transform.h): every parameter type
// round-trips, decoding always gives a feasible assignment, Snap is a projection.
#include "suggestion/space_transform.h"

#include <cmath>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "api/experiment.h"
#include "api/search_space.h"
#include "common/text.h"
#include "suggestion/rng.h"
#include "suggestion/sampling.h"
#include "tests/support/parameter_specs.h"
#include "tests/support/printers.h"

namespace tuneup {
namespace {

using testing::ListSpec;
using testing::RangeSpec;

SearchSpace Space(std::vector<ParameterSpec> parameters) {
  ExperimentSpec spec;
  spec.parameters = std::move(parameters);
  return SearchSpace::FromSpecOrThrow(spec);
}

// One parameter of every kind, with steps, log scales and a repeated categorical value.
SearchSpace EveryKind() {
  return Space({RangeSpec("x", "double", "-2.5", "4"),
                RangeSpec("lr", "double", "1e-5", "0.1", "", "logUniform"),
                RangeSpec("stepped", "double", "0", "1", "0.25"), RangeSpec("n", "int", "1", "20"),
                RangeSpec("width", "int", "16", "512", "16"),
                RangeSpec("logn", "int", "1", "1000", "", "logUniform"),
                ListSpec("batch", "discrete", {"8", "32", "16", "0.5"}),
                ListSpec("opt", "categorical", {"sgd", "adam", "rmsprop", "adam"})});
}

bool Feasible(const SearchSpace& space, const Assignment& assignment) {
  if (assignment.size() != space.parameters().size()) return false;
  for (const auto& parameter : space.parameters()) {
    auto value = FindValue(assignment, parameter.name);
    if (!value) return false;
    if (parameter.type == ParameterType::kCategorical ||
        parameter.type == ParameterType::kDiscrete) {
      if (std::find(parameter.list.begin(), parameter.list.end(), *value) == parameter.list.end()) {
        return false;
      }
      continue;
    }
    auto number = ParseDouble(*value);
    if (!number || *number < parameter.min || *number > parameter.max) return false;
    if (parameter.type == ParameterType::kInt && *number != std::round(*number)) return false;
    if (parameter.step) {
      double k = (*number - parameter.min) / *parameter.step;
      if (std::abs(k - std::round(k)) > 1e-9) return false;
    }
  }
  return true;
}

TEST(SpaceTransformTest, CoordinatesPerParameter) {
  SpaceTransform transform(EveryKind());
  // Seven one-coordinate parameters and a categorical with three distinct values.
  EXPECT_EQ(transform.dimensions(), 7 + 3);
  EXPECT_FALSE(transform.all_continuous());
  EXPECT_FALSE(transform.finite_size().has_value());
}

TEST(SpaceTransformTest, FeasibleAssignmentsRoundTripExactly) {
  SearchSpace space = EveryKind();
  SpaceTransform transform(space);
  Rng rng(11);
  for (int i = 0; i < 2000; ++i) {
    Assignment assignment = SampleAssignment(space, rng);
    auto x = transform.Encode(assignment);
    ASSERT_TRUE(x.has_value()) << AssignmentKey(assignment);
    for (Eigen::Index j = 0; j < x->size(); ++j) {
      EXPECT_GE((*x)[j], 0.0);
      EXPECT_LE((*x)[j], 1.0);
    }
    EXPECT_EQ(transform.Decode(*x), assignment);
  }
}

TEST(SpaceTransformTest, EveryPointOfTheCubeDecodesToAFeasibleAssignment) {
  SearchSpace space = EveryKind();
  SpaceTransform transform(space);
  Rng rng(12);
  for (int i = 0; i < 2000; ++i) {
    Eigen::VectorXd x(transform.dimensions());
    // Also a little outside the cube: decoding clamps.
    for (Eigen::Index j = 0; j < x.size(); ++j)
      x[j] = -0.1 + 1.2 * rng.Uniform01();
    Assignment assignment = transform.Decode(x);
    EXPECT_TRUE(Feasible(space, assignment)) << AssignmentKey(assignment);
  }
}

TEST(SpaceTransformTest, SnapIsAProjectionOntoFeasiblePoints) {
  SpaceTransform transform(EveryKind());
  Rng rng(13);
  for (int i = 0; i < 500; ++i) {
    Eigen::VectorXd x(transform.dimensions());
    for (Eigen::Index j = 0; j < x.size(); ++j)
      x[j] = rng.Uniform01();
    Eigen::VectorXd snapped = transform.Snap(x);
    EXPECT_EQ(transform.Snap(snapped), snapped);
    EXPECT_EQ(transform.Decode(snapped), transform.Decode(x));
  }
}

TEST(SpaceTransformTest, LogScaledParametersAreLinearInTheLogarithm) {
  SpaceTransform transform(Space({RangeSpec("lr", "double", "1e-4", "1", "", "logUniform")}));
  auto x = transform.Encode({{"lr", "0.01"}});
  ASSERT_TRUE(x);
  EXPECT_NEAR((*x)[0], 0.5, 1e-12);
  Assignment decoded = transform.Decode(Eigen::VectorXd::Constant(1, 0.75));
  EXPECT_NEAR(ParseDouble(*FindValue(decoded, "lr")).value(), 0.1, 1e-15);
}

TEST(SpaceTransformTest, DecodingRoundsToTheNearestFeasibleValue) {
  SpaceTransform transform(
      Space({RangeSpec("n", "int", "0", "10"), RangeSpec("s", "double", "0", "1", "0.25"),
             ListSpec("d", "discrete", {"1", "2", "10"})}));
  Eigen::VectorXd x(3);
  x << 0.26, 0.40, 0.62;  // n = 2.6, s = 0.40, d = 6.58
  EXPECT_EQ(transform.Decode(x), (Assignment{{"n", "3"}, {"s", "0.5"}, {"d", "10"}}));
  x << 0.24, 0.37, 0.45;  // n = 2.4, s = 0.37, d = 5.05
  EXPECT_EQ(transform.Decode(x), (Assignment{{"n", "2"}, {"s", "0.25"}, {"d", "2"}}));
}

TEST(SpaceTransformTest, CategoricalsAreOneHotAndDecodeToTheLargestCoordinate) {
  SpaceTransform transform(Space({ListSpec("c", "categorical", {"a", "b", "c"})}));
  auto x = transform.Encode({{"c", "b"}});
  ASSERT_TRUE(x);
  EXPECT_EQ(*x, Eigen::Vector3d(0, 1, 0));
  EXPECT_EQ(transform.Decode(Eigen::Vector3d(0.2, 0.1, 0.3)), (Assignment{{"c", "c"}}));
  EXPECT_EQ(transform.Snap(Eigen::Vector3d(0.9, 0.1, 0.3)), Eigen::Vector3d(1, 0, 0));
}

TEST(SpaceTransformTest, ValuesOutsideTheSpaceCannotBeEncoded) {
  SpaceTransform transform(
      Space({RangeSpec("x", "double", "0", "1"), ListSpec("c", "categorical", {"a", "b"}),
             ListSpec("d", "discrete", {"1", "2"})}));
  EXPECT_TRUE(transform.Encode({{"x", "0.5"}, {"c", "a"}, {"d", "2"}}));
  EXPECT_FALSE(transform.Encode({{"x", "1.5"}, {"c", "a"}, {"d", "2"}}));
  EXPECT_FALSE(transform.Encode({{"x", "nan"}, {"c", "a"}, {"d", "2"}}));
  EXPECT_FALSE(transform.Encode({{"x", "abc"}, {"c", "a"}, {"d", "2"}}));
  EXPECT_FALSE(transform.Encode({{"x", "0.5"}, {"c", "z"}, {"d", "2"}}));
  EXPECT_FALSE(transform.Encode({{"x", "0.5"}, {"c", "a"}, {"d", "3"}}));
  EXPECT_FALSE(transform.Encode({{"x", "0.5"}, {"c", "a"}}));
}

TEST(SpaceTransformTest, FiniteSizeCountsFeasiblePoints) {
  EXPECT_EQ(SpaceTransform(
                Space({RangeSpec("n", "int", "1", "20"), RangeSpec("s", "double", "0", "1", "0.25"),
                       ListSpec("c", "categorical", {"a", "b", "a"})}))
                .finite_size(),
            20 * 5 * 2);
  EXPECT_FALSE(
      SpaceTransform(Space({RangeSpec("n", "int", "1", "20"), RangeSpec("x", "double", "0", "1")}))
          .finite_size());
  EXPECT_TRUE(SpaceTransform(Space({RangeSpec("x", "double", "0", "1")})).all_continuous());
}

TEST(SpaceTransformTest, ADegenerateRangeSitsInTheMiddle) {
  SpaceTransform transform(Space({RangeSpec("x", "double", "3", "3")}));
  auto x = transform.Encode({{"x", "3"}});
  ASSERT_TRUE(x);
  EXPECT_EQ((*x)[0], 0.5);
  EXPECT_EQ(transform.Decode(Eigen::VectorXd::Constant(1, 0.9)), (Assignment{{"x", "3"}}));
}

}  // namespace
}  // namespace tuneup
