#include "suggestion/grid_search.h"

#include <numeric>
#include <unordered_set>

#include "suggestion/rng.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

// Largest grid we index. Beyond this nobody can walk the grid anyway.
constexpr int64_t kMaxGridSize = int64_t{1} << 62;

int64_t SaturatingProduct(const std::vector<std::vector<std::string>>& axes) {
  int64_t size = 1;
  for (const auto& axis : axes) {
    int64_t n = static_cast<int64_t>(axis.size());
    if (n == 0) return 0;
    if (size > kMaxGridSize / n) return INT64_MAX;
    size *= n;
  }
  return size;
}

}  // namespace

std::vector<std::vector<std::string>> GridAxes(const SearchSpace& space, FieldErrors* errors) {
  std::vector<std::vector<std::string>> axes;
  const auto& parameters = space.parameters();
  for (size_t i = 0; i < parameters.size(); ++i) {
    const Parameter& p = parameters[i];
    std::vector<std::string> axis;
    if (!p.is_numeric_range()) {
      axis = p.list;
    } else if (!p.step) {
      if (errors) {
        errors->push_back({IndexPath("spec.parameters", i) + ".feasibleSpace.step",
                           "grid needs a step for double parameter \"" + p.name + "\""});
      }
    } else {
      int64_t count = p.StepCount();
      if (count > 1'000'000) {
        if (errors) {
          errors->push_back({IndexPath("spec.parameters", i) + ".feasibleSpace.step",
                             "gives " + std::to_string(count) + " values for \"" + p.name +
                                 "\"; a grid axis may have at most 1000000"});
        }
      } else {
        for (int64_t k = 0; k < count; ++k) axis.push_back(p.SteppedValue(k));
      }
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

FieldErrors GridSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors;
  if (experiment.spec.algorithm) {
    SettingsReader reader(experiment.spec.algorithm->algorithm_settings,
                          "spec.algorithm.algorithmSettings", errors);
    ReadRandomState(reader);
    reader.RejectUnknown("grid");
  }
  FieldErrors space_errors;
  SearchSpace space = SearchSpace::FromSpec(experiment.spec, space_errors);
  if (!space_errors.empty()) return errors;  // reported by ValidateExperiment already
  size_t before = errors.size();
  auto axes = GridAxes(space, &errors);
  if (errors.size() != before) return errors;
  int64_t size = SaturatingProduct(axes);
  if (size == INT64_MAX) {
    errors.push_back({"spec.parameters", "the grid has more than 2^62 points; give the "
                                         "parameters fewer values"});
  } else if (experiment.spec.max_trial_count && *experiment.spec.max_trial_count > size) {
    errors.push_back({"spec.maxTrialCount", "(" + std::to_string(*experiment.spec.max_trial_count) +
                                                ") is more than the " + std::to_string(size) +
                                                " points of the grid"});
  }
  return errors;
}

GridSearch::GridSearch(const SearchSpace& space, std::optional<uint64_t> random_state) {
  for (const auto& parameter : space.parameters()) names_.push_back(parameter.name);
  axes_ = GridAxes(space, nullptr);
  size_ = SaturatingProduct(axes_);
  if (size_ == INT64_MAX) {
    throw Error(ErrorCode::kInvalidArgument, "grid: more than 2^62 points");
  }
  if (random_state && size_ > 1) {
    // An affine map with a multiplier coprime to the size is a permutation of [0, size).
    uint64_t n = static_cast<uint64_t>(size_);
    uint64_t seed = MixSeed(*random_state, 0x6772696400ULL);
    multiplier_ = (seed % n) | 1;
    while (std::gcd(multiplier_, n) != 1) multiplier_ = (multiplier_ + 2) % n;
    offset_ = MixSeed(seed, 1) % n;
  }
}

Assignment GridSearch::PointAt(int64_t position) const {
  uint64_t index = position;
  if (size_ > 1) {
    unsigned __int128 mapped =
        static_cast<unsigned __int128>(multiplier_) * static_cast<uint64_t>(position) + offset_;
    index = static_cast<uint64_t>(mapped % static_cast<uint64_t>(size_));
  }
  Assignment point(names_.size());
  // Mixed radix with the last parameter fastest: itertools.product order.
  for (size_t i = names_.size(); i-- > 0;) {
    uint64_t radix = axes_[i].size();
    point[i] = {names_[i], axes_[i][index % radix]};
    index /= radix;
  }
  return point;
}

SuggestReply GridSearch::Suggest(std::span<const Trial> trials, int count) {
  std::unordered_set<std::string> tried;
  tried.reserve(trials.size() * 2);
  for (const auto& trial : trials) tried.insert(AssignmentKey(trial.assignment));
  SuggestReply reply;
  int64_t position = 0;
  for (; position < size_ && static_cast<int>(reply.proposals.size()) < count; ++position) {
    Assignment point = PointAt(position);
    if (tried.insert(AssignmentKey(point)).second) reply.proposals.push_back({std::move(point), {}});
  }
  // Exhausted when no untried point remains after this batch.
  reply.exhausted = true;
  for (; position < size_; ++position) {
    if (!tried.count(AssignmentKey(PointAt(position)))) {
      reply.exhausted = false;
      break;
    }
  }
  return reply;
}

}  // namespace tuneup
