#include "suggestion/space_transform.h"

#include <algorithm>
#include <cmath>

#include "common/text.h"

namespace tuneup {

namespace {

constexpr int64_t kMaxFiniteSize = int64_t{1} << 62;

}  // namespace

SpaceTransform::SpaceTransform(const SearchSpace& space) {
  int64_t size = 1;
  bool finite = true;
  for (const auto& parameter : space.parameters()) {
    Block block;
    block.parameter = parameter;
    block.offset = dimensions_;
    int64_t count = 0;
    if (parameter.type == ParameterType::kCategorical) {
      for (const auto& value : parameter.list) {
        if (std::find(block.values.begin(), block.values.end(), value) == block.values.end()) {
          block.values.push_back(value);
        }
      }
      block.width = static_cast<int>(block.values.size());
      count = block.width;
      all_continuous_ = false;
    } else if (parameter.type == ParameterType::kDiscrete) {
      block.values = parameter.list;
      block.numbers = parameter.numeric_list;
      block.lo = *std::min_element(block.numbers.begin(), block.numbers.end());
      block.hi = *std::max_element(block.numbers.begin(), block.numbers.end());
      count = static_cast<int64_t>(block.values.size());
      all_continuous_ = false;
    } else {
      bool log = parameter.is_log_scale();
      block.lo = log ? std::log(parameter.min) : parameter.min;
      block.hi = log ? std::log(parameter.max) : parameter.max;
      if (parameter.step) {
        count = parameter.StepCount();
        all_continuous_ = false;
      } else {
        finite = false;
        block.continuous = parameter.type == ParameterType::kDouble && block.hi > block.lo;
      }
    }
    if (finite)
      size = (count > 0 && size <= kMaxFiniteSize / count) ? size * count : kMaxFiniteSize;
    dimensions_ += block.width;
    blocks_.push_back(std::move(block));
  }
  if (finite && size < kMaxFiniteSize) finite_size_ = size;
}

double SpaceTransform::Forward(const Block& block, double value) const {
  if (block.hi <= block.lo) return 0.5;
  bool log = block.parameter.is_numeric_range() && block.parameter.is_log_scale();
  double v = log ? std::log(value) : value;
  return (v - block.lo) / (block.hi - block.lo);
}

double SpaceTransform::Inverse(const Block& block, double t) const {
  t = std::clamp(t, 0.0, 1.0);
  double v = block.lo + t * (block.hi - block.lo);
  bool log = block.parameter.is_numeric_range() && block.parameter.is_log_scale();
  return log ? std::exp(v) : v;
}

bool SpaceTransform::EncodeValue(const Block& block, const std::string& value, double* x) const {
  const Parameter& p = block.parameter;
  if (p.type == ParameterType::kCategorical) {
    auto it = std::find(block.values.begin(), block.values.end(), value);
    if (it == block.values.end()) return false;
    for (int i = 0; i < block.width; ++i)
      x[i] = 0;
    x[it - block.values.begin()] = 1;
    return true;
  }
  auto number = ParseDouble(value);
  if (!number || !std::isfinite(*number)) return false;
  if (p.type == ParameterType::kDiscrete) {
    if (std::find(block.numbers.begin(), block.numbers.end(), *number) == block.numbers.end()) {
      return false;
    }
  } else if (*number < p.min || *number > p.max) {
    return false;
  }
  x[0] = Forward(block, *number);
  return true;
}

std::string SpaceTransform::DecodeValue(const Block& block, const double* x) const {
  const Parameter& p = block.parameter;
  if (p.type == ParameterType::kCategorical) {
    int best = 0;
    for (int i = 1; i < block.width; ++i) {
      if (x[i] > x[best]) best = i;
    }
    return block.values[best];
  }
  double value = Inverse(block, x[0]);
  if (p.type == ParameterType::kDiscrete) {
    size_t nearest = 0;
    for (size_t i = 1; i < block.numbers.size(); ++i) {
      if (std::abs(block.numbers[i] - value) < std::abs(block.numbers[nearest] - value)) {
        nearest = i;
      }
    }
    return block.values[nearest];
  }
  return p.FormatValue(std::clamp(value, p.min, p.max));
}

std::optional<Eigen::VectorXd> SpaceTransform::Encode(const Assignment& assignment) const {
  Eigen::VectorXd x(dimensions_);
  for (const auto& block : blocks_) {
    auto value = FindValue(assignment, block.parameter.name);
    if (!value || !EncodeValue(block, *value, x.data() + block.offset)) return std::nullopt;
  }
  return x;
}

Assignment SpaceTransform::Decode(const Eigen::VectorXd& x) const {
  Assignment assignment;
  assignment.reserve(blocks_.size());
  for (const auto& block : blocks_) {
    assignment.push_back({block.parameter.name, DecodeValue(block, x.data() + block.offset)});
  }
  return assignment;
}

Eigen::VectorXd SpaceTransform::Snap(const Eigen::VectorXd& x) const {
  Eigen::VectorXd snapped(dimensions_);
  for (const auto& block : blocks_) {
    if (block.continuous) {
      // Every value is feasible: only clamping changes the point. (Through the text a trial
      // would see, the coordinate could move by an ulp; the acquisition optimiser snaps
      // thousands of candidates per suggestion, and formatting them cost more than scoring.)
      snapped[block.offset] = std::clamp(x[block.offset], 0.0, 1.0);
      continue;
    }
    std::string value = DecodeValue(block, x.data() + block.offset);
    EncodeValue(block, value, snapped.data() + block.offset);
  }
  return snapped;
}

}  // namespace tuneup
