#include "suggestion/hyperband_schedule.h"

#include <cmath>
#include <string>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace {

// A bracket's first rung may not hold more configurations than this.
constexpr int64_t kMaxConfigurations = 1'000'000;

int64_t Power(int64_t base, int exponent) {
  int64_t result = 1;
  for (int i = 0; i < exponent; ++i)
    result *= base;
  return result;
}

}  // namespace

int HyperbandSMax(double r_l, int eta) {
  // The relative tolerance keeps r_l = 81 from losing its last bracket to rounding when it
  // arrives as 80.99999999999999 through a settings string.
  int s = 0;
  double power = eta;
  while (power <= r_l * (1 + 1e-12)) {
    ++s;
    power *= eta;
  }
  return s;
}

std::vector<HyperbandBracket> HyperbandSchedule(double r_l, int eta) {
  if (eta < 2) {
    throw Error(ErrorCode::kInvalidArgument,
                "eta must be an integer >= 2, got " + std::to_string(eta));
  }
  if (!std::isfinite(r_l) || r_l < 1) {
    throw Error(ErrorCode::kInvalidArgument, "r_l must be a number >= 1, got " + FormatDouble(r_l));
  }
  const int s_max = HyperbandSMax(r_l, eta);
  if (std::pow(static_cast<double>(eta), s_max) > static_cast<double>(kMaxConfigurations)) {
    throw Error(ErrorCode::kInvalidArgument,
                "r_l " + FormatDouble(r_l) + " with eta " + std::to_string(eta) +
                    " would start a bracket with more than " + std::to_string(kMaxConfigurations) +
                    " configurations");
  }
  std::vector<HyperbandBracket> brackets;
  for (int s = s_max; s >= 0; --s) {
    HyperbandBracket bracket;
    bracket.s = s;
    // n = ceil((s_max + 1) eta^s / (s + 1)), in integers.
    const int64_t n = ((s_max + 1) * Power(eta, s) + s) / (s + 1);
    for (int i = 0; i <= s; ++i) {
      bracket.rungs.push_back({n / Power(eta, i), r_l / static_cast<double>(Power(eta, s - i))});
    }
    brackets.push_back(std::move(bracket));
  }
  return brackets;
}

}  // namespace tuneup
