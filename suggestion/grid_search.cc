#include "suggestion/grid_search.h"

#include <cmath>
#include <numeric>

#include "common/text.h"
#include "suggestion/rng.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

// Largest grid we index: positions and the affine permutation stay far from int64 overflow.
constexpr int64_t kMaxGridSize = int64_t{1} << 62;

// Product of the axis sizes, or INT64_MAX beyond kMaxGridSize.
int64_t GridSize(const std::vector<GridAxis>& axes) {
  int64_t size = 1;
  for (const auto& axis : axes) {
    if (axis.count() == 0) return 0;
    if (size > kMaxGridSize / axis.count()) return INT64_MAX;
    size *= axis.count();
  }
  return size;
}

// Axes for every parameter that can form one; an error for each that cannot.
std::vector<GridAxis> MakeAxes(const SearchSpace& space, FieldErrors* errors) {
  std::vector<GridAxis> axes;
  const auto& parameters = space.parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Parameter& p = parameters[i];
    if (p.is_numeric_range() && !p.step) {
      if (errors) {
        errors->push_back({IndexPath("spec.parameters", i) + ".feasibleSpace.step",
                           "grid needs a step for double parameter \"" + p.name + "\""});
      }
      continue;
    }
    axes.emplace_back(p);
  }
  return axes;
}

}  // namespace

GridAxis::GridAxis(const Parameter& parameter) : parameter_(parameter) {
  if (parameter.is_numeric_range()) {
    count_ = parameter.StepCount();
    return;
  }
  for (const auto& value : parameter.list) {
    if (list_index_.emplace(value, static_cast<int64_t>(list_.size())).second) {
      list_.push_back(value);
    }
  }
  count_ = static_cast<int64_t>(list_.size());
}

std::string GridAxis::ValueAt(int64_t k) const {
  if (!parameter_.is_numeric_range()) return list_[static_cast<size_t>(k)];
  return parameter_.SteppedValue(k);
}

std::optional<int64_t> GridAxis::IndexOf(const std::string& value) const {
  if (!parameter_.is_numeric_range()) {
    auto it = list_index_.find(value);
    if (it == list_index_.end()) return std::nullopt;
    return it->second;
  }
  auto number = ParseDouble(value);
  if (!number || !std::isfinite(*number)) return std::nullopt;
  double k = std::round((*number - parameter_.min) / *parameter_.step);
  if (k < 0 || k >= static_cast<double>(count_)) return std::nullopt;
  auto index = static_cast<int64_t>(k);
  if (ValueAt(index) != value) return std::nullopt;
  return index;
}

std::vector<std::vector<std::string>> GridAxes(const SearchSpace& space, FieldErrors* errors) {
  std::vector<std::vector<std::string>> result;
  for (const auto& axis : MakeAxes(space, errors)) {
    std::vector<std::string> values;
    for (int64_t k = 0; k < axis.count(); ++k)
      values.push_back(axis.ValueAt(k));
    result.push_back(std::move(values));
  }
  return result;
}

FieldErrors GridSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors = RandomStateOnlyErrors(experiment, "grid");
  FieldErrors space_errors;
  SearchSpace space = SearchSpace::FromSpec(experiment.spec, space_errors);
  if (!space_errors.empty()) return errors;  // reported by ValidateExperiment already
  size_t before = errors.size();
  std::vector<GridAxis> axes = MakeAxes(space, &errors);
  if (errors.size() != before) return errors;
  int64_t size = GridSize(axes);
  if (size == INT64_MAX) {
    errors.push_back({"spec.parameters",
                      "the grid has more than 2^62 points; give the "
                      "parameters fewer values"});
  } else if (experiment.spec.max_trial_count && *experiment.spec.max_trial_count > size) {
    errors.push_back({"spec.maxTrialCount", "(" + std::to_string(*experiment.spec.max_trial_count) +
                                                ") is more than the " + std::to_string(size) +
                                                " points of the grid"});
  }
  return errors;
}

GridSearch::GridSearch(const SearchSpace& space, std::optional<uint64_t> random_state) {
  FieldErrors errors;
  axes_ = MakeAxes(space, &errors);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  for (const auto& parameter : space.parameters())
    names_.push_back(parameter.name);
  size_ = GridSize(axes_);
  if (size_ == INT64_MAX) throw Error(ErrorCode::kInvalidArgument, "grid: more than 2^62 points");
  if (random_state && size_ > 1) {
    // An affine map with a multiplier coprime to the size is a permutation of [0, size).
    uint64_t n = static_cast<uint64_t>(size_);
    uint64_t seed = MixSeed(*random_state, 0x6772696400ULL);
    multiplier_ = (seed % n) | 1;
    while (std::gcd(multiplier_, n) != 1)
      multiplier_ = (multiplier_ + 2) % n;
    offset_ = MixSeed(seed, 1) % n;
  }
}

int64_t GridSearch::IndexAt(int64_t position) const {
  if (size_ <= 1) return position;
  unsigned __int128 mapped =
      static_cast<unsigned __int128>(multiplier_) * static_cast<uint64_t>(position) + offset_;
  return static_cast<int64_t>(mapped % static_cast<uint64_t>(size_));
}

Assignment GridSearch::PointAt(int64_t position) const {
  int64_t index = IndexAt(position);
  Assignment point(names_.size());
  // Mixed radix with the last parameter fastest: itertools.product order.
  for (size_t i = names_.size(); i-- > 0;) {
    int64_t radix = axes_[i].count();
    point[i] = {names_[i], axes_[i].ValueAt(index % radix)};
    index /= radix;
  }
  return point;
}

std::optional<int64_t> GridSearch::IndexOf(const Assignment& assignment) const {
  int64_t index = 0;
  for (size_t i = 0; i < names_.size(); ++i) {
    auto value = FindValue(assignment, names_[i]);
    if (!value) return std::nullopt;
    auto k = axes_[i].IndexOf(*value);
    if (!k) return std::nullopt;
    index = index * axes_[i].count() + *k;
  }
  return index;
}

void GridSearch::Observe(std::span<const Trial> trials) {
  bool extends = seen_trials_ <= trials.size() &&
                 (seen_trials_ == 0 || trials[seen_trials_ - 1].name == last_seen_trial_);
  if (!extends) {
    tried_.clear();
    seen_trials_ = 0;
    cursor_ = 0;
  }
  for (size_t i = seen_trials_; i < trials.size(); ++i) {
    if (auto index = IndexOf(trials[i].assignment)) tried_.insert(*index);
  }
  seen_trials_ = trials.size();
  last_seen_trial_ = trials.empty() ? "" : trials.back().name;
  while (cursor_ < size_ && tried_.count(IndexAt(cursor_)))
    ++cursor_;
}

SuggestReply GridSearch::Suggest(std::span<const Trial> trials, int count) {
  Observe(trials);
  SuggestReply reply;
  for (int64_t position = cursor_;
       position < size_ && static_cast<int>(reply.proposals.size()) < count; ++position) {
    if (!tried_.count(IndexAt(position))) reply.proposals.push_back({PointAt(position), {}});
  }
  int64_t untried = size_ - static_cast<int64_t>(tried_.size());
  reply.exhausted = untried - static_cast<int64_t>(reply.proposals.size()) <= 0;
  return reply;
}

}  // namespace tuneup
