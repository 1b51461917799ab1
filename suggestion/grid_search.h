// `grid`: every combination of the parameters' feasible values, each exactly once.
//
// Axes: int and double parameters take min, min + step, ... <= max (a double needs a step);
// discrete and categorical take their list. Combinations are visited in nested-loop order (the
// first parameter changes slowest) or, with random_state, in a seeded pseudo-random order that is
// still a permutation of the grid. A point already tried (in any state) is never proposed again;
// when none is left the reply says `exhausted` and the experiment ends with
// ExperimentSuggestionEndReached. As in Katib, maxTrialCount may not exceed the grid's size.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "suggestion/algorithm.h"

namespace tuneup {

class GridSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);

  GridSearch(const SearchSpace& space, std::optional<uint64_t> random_state);

  // The number of grid points (saturates at INT64_MAX).
  int64_t size() const { return size_; }
  // The grid point at position `position` of the visiting order.
  Assignment PointAt(int64_t position) const;

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

 private:
  std::vector<std::string> names_;
  std::vector<std::vector<std::string>> axes_;
  int64_t size_ = 0;
  // Visiting order position -> grid index: (multiplier * position + offset) mod size.
  uint64_t multiplier_ = 1;
  uint64_t offset_ = 0;
};

// The grid's axes for `space`, or an error for each parameter that cannot form one.
std::vector<std::vector<std::string>> GridAxes(const SearchSpace& space, FieldErrors* errors);

}  // namespace tuneup
