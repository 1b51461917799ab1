// The Hyperband bracket table (suggestion/hyperband_schedule.h) against tables computed by hand
// from Li et al. 2018's algorithm 1 (the (81, 3) one is the paper's own table 1).
#include "suggestion/hyperband_schedule.h"

#include <cmath>

#include <gtest/gtest.h>

#include "common/error.h"

namespace tuneup {
namespace {

using Rungs = std::vector<HyperbandRung>;

void ExpectSchedule(double r_l, int eta, const std::vector<Rungs>& expected) {
  std::vector<HyperbandBracket> brackets = HyperbandSchedule(r_l, eta);
  ASSERT_EQ(brackets.size(), expected.size()) << "r_l " << r_l << " eta " << eta;
  for (size_t b = 0; b < brackets.size(); ++b) {
    EXPECT_EQ(brackets[b].s, static_cast<int>(expected.size() - 1 - b));
    ASSERT_EQ(brackets[b].rungs.size(), expected[b].size()) << "bracket " << brackets[b].s;
    for (size_t i = 0; i < expected[b].size(); ++i) {
      EXPECT_EQ(brackets[b].rungs[i].configurations, expected[b][i].configurations)
          << "bracket " << brackets[b].s << " rung " << i;
      EXPECT_DOUBLE_EQ(brackets[b].rungs[i].budget, expected[b][i].budget)
          << "bracket " << brackets[b].s << " rung " << i;
    }
  }
}

TEST(HyperbandScheduleTest, R9Eta3) {
  // s_max 2, B = 27: n = 9, ceil(9/2) = 5, 3.
  ExpectSchedule(9, 3, {{{9, 1}, {3, 3}, {1, 9}}, {{5, 3}, {1, 9}}, {{3, 9}}});
}

TEST(HyperbandScheduleTest, R27Eta3) {
  // s_max 3, B = 108: n = 27, 12, 6, 4.
  ExpectSchedule(27, 3,
                 {{{27, 1}, {9, 3}, {3, 9}, {1, 27}},
                  {{12, 3}, {4, 9}, {1, 27}},
                  {{6, 9}, {2, 27}},
                  {{4, 27}}});
}

TEST(HyperbandScheduleTest, R16Eta2) {
  // s_max 4, B = 80: n = 16, 10, ceil(20/3) = 7, 5, 5.
  ExpectSchedule(16, 2,
                 {{{16, 1}, {8, 2}, {4, 4}, {2, 8}, {1, 16}},
                  {{10, 2}, {5, 4}, {2, 8}, {1, 16}},
                  {{7, 4}, {3, 8}, {1, 16}},
                  {{5, 8}, {2, 16}},
                  {{5, 16}}});
}

TEST(HyperbandScheduleTest, R81Eta3IsThePapersTable) {
  ExpectSchedule(81, 3,
                 {{{81, 1}, {27, 3}, {9, 9}, {3, 27}, {1, 81}},
                  {{34, 3}, {11, 9}, {3, 27}, {1, 81}},
                  {{15, 9}, {5, 27}, {1, 81}},
                  {{8, 27}, {2, 81}},
                  {{5, 81}}});
}

TEST(HyperbandScheduleTest, ABudgetThatIsNotAPowerOfEtaGivesFractionalBudgets) {
  // s_max = floor(log3 10) = 2; the smallest budget is 10/9.
  ExpectSchedule(10, 3,
                 {{{9, 10.0 / 9}, {3, 10.0 / 3}, {1, 10}}, {{5, 10.0 / 3}, {1, 10}}, {{3, 10}}});
}

TEST(HyperbandScheduleTest, SMaxIsExactAtPowersOfEta) {
  EXPECT_EQ(HyperbandSMax(1, 3), 0);
  EXPECT_EQ(HyperbandSMax(2.9, 3), 0);
  EXPECT_EQ(HyperbandSMax(3, 3), 1);
  EXPECT_EQ(HyperbandSMax(243, 3), 5);
  EXPECT_EQ(HyperbandSMax(242.99, 3), 4);
  EXPECT_EQ(HyperbandSMax(1024, 2), 10);
  EXPECT_EQ(HyperbandSMax(80.99999999999999, 3), 4);  // rounding noise in a settings string
}

TEST(HyperbandScheduleTest, OneBracketWhenRLIsBelowEta) {
  ExpectSchedule(2, 3, {{{1, 2}}});
}

TEST(HyperbandScheduleTest, BadSettingsAreRefused) {
  EXPECT_THROW(HyperbandSchedule(81, 1), Error);
  EXPECT_THROW(HyperbandSchedule(81, 0), Error);
  EXPECT_THROW(HyperbandSchedule(0.5, 3), Error);
  EXPECT_THROW(HyperbandSchedule(std::nan(""), 3), Error);
  EXPECT_THROW(HyperbandSchedule(1e300, 2), Error);  // a bracket of 2^996 configurations
}

}  // namespace
}  // namespace tuneup
