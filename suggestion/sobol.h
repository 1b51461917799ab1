// Sobol low-discrepancy points in [0, 1)^d (Joe & Kuo direction numbers, up to 1024 dimensions).
//
// With a seed the sequence is randomised as scipy's default is: a random linear matrix scramble of
// each dimension's direction numbers plus a random digital shift. That keeps the net structure
// (every 2^k consecutive points stratify the cube as well as the plain sequence) while making
// the points, including the first (the origin in the plain sequence), uniformly random.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

namespace tuneup {

class SobolSequence {
 public:
  static constexpr int kMaxDimensions = 1024;

  // Throws Error(kInvalidArgument) for 0 or more than kMaxDimensions dimensions.
  SobolSequence(int dimensions, std::optional<uint64_t> scramble_seed);

  int dimensions() const { return dimensions_; }

  // The point at position `index` of the sequence (random access: O(dimensions * 32)).
  std::vector<double> Point(uint64_t index) const;
  void Point(uint64_t index, double* out) const;

 private:
  int dimensions_;
  std::vector<uint32_t> directions_;  // dimensions_ x 32, row-major
  std::vector<uint32_t> shift_;       // per dimension
};

}  // namespace tuneup
