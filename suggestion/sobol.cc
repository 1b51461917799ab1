#include "suggestion/sobol.h"

#include <bit>
#include <string>

#include "common/error.h"
#include "suggestion/rng.h"

namespace tuneup {

namespace {

constexpr int kBits = 32;

struct DirectionEntry {
  uint32_t polynomial;
  std::vector<uint32_t> initial;  // m_1 .. m_s
};

const std::vector<DirectionEntry>& DirectionTable() {
  static const std::vector<DirectionEntry> table = {
#include "suggestion/sobol_directions.inc"
  };
  return table;
}

// The 32 direction numbers of dimension `d`, as binary fractions with the first digit in the top
// bit.
void Directions(int d, uint32_t* v) {
  if (d == 0) {
    for (int j = 0; j < kBits; ++j)
      v[j] = uint32_t{1} << (kBits - 1 - j);
    return;
  }
  const DirectionEntry& entry = DirectionTable()[d];
  const int s = std::bit_width(entry.polynomial) - 1;  // the polynomial's degree
  for (int j = 0; j < s && j < kBits; ++j)
    v[j] = entry.initial[j] << (kBits - 1 - j);
  for (int j = s; j < kBits; ++j) {
    uint32_t value = v[j - s] ^ (v[j - s] >> s);
    for (int k = 1; k < s; ++k) {
      if ((entry.polynomial >> (s - k)) & 1) value ^= v[j - k];
    }
    v[j] = value;
  }
}

// Multiplies the bit column `v` (top bit first) by a random unit lower-triangular binary matrix:
// output digit r is the parity of `rows[r] & v`, where rows[r] covers digits 0..r.
uint32_t Scramble(uint32_t v, const uint32_t* rows) {
  uint32_t out = 0;
  for (int r = 0; r < kBits; ++r) {
    uint32_t bit = static_cast<uint32_t>(std::popcount(rows[r] & v) & 1);
    out |= bit << (kBits - 1 - r);
  }
  return out;
}

}  // namespace

SobolSequence::SobolSequence(int dimensions, std::optional<uint64_t> scramble_seed)
    : dimensions_(dimensions) {
  if (dimensions <= 0 || dimensions > kMaxDimensions) {
    throw Error(ErrorCode::kInvalidArgument, "Sobol points need between 1 and " +
                                                 std::to_string(kMaxDimensions) +
                                                 " dimensions, not " + std::to_string(dimensions));
  }
  directions_.resize(static_cast<size_t>(dimensions) * kBits);
  shift_.assign(dimensions, 0);
  for (int d = 0; d < dimensions; ++d)
    Directions(d, &directions_[static_cast<size_t>(d) * kBits]);
  if (!scramble_seed) return;
  Rng rng(MixSeed(*scramble_seed, 0x736f626f6cULL));
  uint32_t rows[kBits];
  for (int d = 0; d < dimensions; ++d) {
    for (int r = 0; r < kBits; ++r) {
      // Digits 0..r-1 random, digit r set (unit diagonal), digits after r clear.
      uint32_t below = r == 0 ? 0 : static_cast<uint32_t>(rng.NextU64()) & ~(~uint32_t{0} >> r);
      rows[r] = below | (uint32_t{1} << (kBits - 1 - r));
    }
    uint32_t* v = &directions_[static_cast<size_t>(d) * kBits];
    for (int j = 0; j < kBits; ++j)
      v[j] = Scramble(v[j], rows);
    shift_[d] = static_cast<uint32_t>(rng.NextU64());
  }
}

void SobolSequence::Point(uint64_t index, double* out) const {
  const uint64_t gray = index ^ (index >> 1);
  for (int d = 0; d < dimensions_; ++d) {
    const uint32_t* v = &directions_[static_cast<size_t>(d) * kBits];
    uint32_t x = shift_[d];
    uint64_t bits = gray;
    for (int j = 0; bits != 0 && j < kBits; ++j, bits >>= 1) {
      if (bits & 1) x ^= v[j];
    }
    out[d] = static_cast<double>(x) * 0x1.0p-32;
  }
}

std::vector<double> SobolSequence::Point(uint64_t index) const {
  std::vector<double> point(dimensions_);
  Point(index, point.data());
  return point;
}

}  // namespace tuneup
