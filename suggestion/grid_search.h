// `grid`: every combination of the parameters' feasible values, each exactly once.
//
// Axes: int and double parameters take min, min + step, ... <= max (a double needs a step);
// discrete and categorical take their list (a value listed twice counts once). Combinations are
// visited in nested-loop order (the first parameter changes slowest) or, with random_state, in a
// seeded pseudo-random order that is still a permutation of the grid. A point already tried (in
// any state) is never proposed again; when none is left the reply says `exhausted` and the
// experiment ends with ExperimentSuggestionEndReached. As in Katib, maxTrialCount may not exceed
// the grid's size.
//
// Cost: axes are never materialised (a point is computed from its index), and the set of tried
// grid indices plus the first untried position are cached between calls, so a call costs
// O(new trials + proposals) when the history only grows, as it does in a run. A different history
// (a stateless gRPC request) rebuilds the cache from scratch: O(history).
#pragma once

#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "suggestion/algorithm.h"

namespace tuneup {

// One parameter's feasible values, indexed 0..count-1.
class GridAxis {
 public:
  explicit GridAxis(const Parameter& parameter);

  int64_t count() const { return count_; }
  std::string ValueAt(int64_t k) const;
  // The index of `value` on this axis, or nullopt when it is not one of the axis' values (as
  // printed: "0.30" is not the axis value "0.3").
  std::optional<int64_t> IndexOf(const std::string& value) const;

 private:
  Parameter parameter_;
  int64_t count_ = 0;
  std::vector<std::string> list_;  // discrete / categorical, duplicates removed
  std::unordered_map<std::string, int64_t> list_index_;
};

class GridSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);

  // Throws Error(kInvalidArgument) when a double has no step or the grid has more than 2^62 points.
  GridSearch(const SearchSpace& space, std::optional<uint64_t> random_state);

  // The number of grid points.
  int64_t size() const { return size_; }
  // The grid point at position `position` of the visiting order.
  Assignment PointAt(int64_t position) const;

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

 private:
  int64_t IndexAt(int64_t position) const;
  std::optional<int64_t> IndexOf(const Assignment& assignment) const;
  // Brings the cache up to date with `trials`; rebuilds it when they are not an extension of
  // the history seen last time.
  void Observe(std::span<const Trial> trials);

  std::vector<std::string> names_;
  std::vector<GridAxis> axes_;
  int64_t size_ = 0;
  // Visiting order position -> grid index: (multiplier * position + offset) mod size.
  uint64_t multiplier_ = 1;
  uint64_t offset_ = 0;

  // Cache (see header comment).
  std::unordered_set<int64_t> tried_;
  size_t seen_trials_ = 0;
  std::string last_seen_trial_;
  int64_t cursor_ = 0;  // every position before it is tried
};

// Every axis written out, or an error for each parameter that cannot form one (a double without a
// step). For tests and messages; the search itself never materialises axes.
std::vector<std::vector<std::string>> GridAxes(const SearchSpace& space, FieldErrors* errors);

}  // namespace tuneup
