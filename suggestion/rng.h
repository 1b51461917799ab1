// Seeded randomness that reproduces bit for bit.
//
// std::mt19937_64 is fully specified by the standard, but the std::*_distribution classes are
// not (libstdc++ and libc++ differ), so the transformations to uniform and normal variates are
// written here. Every random choice in tuneup takes an Rng, so `random_state` reproduces a run.
#pragma once

#include <cstdint>
#include <random>

namespace tuneup {

class Rng {
 public:
  explicit Rng(uint64_t seed) : engine_(seed) {}

  uint64_t NextU64() { return engine_(); }
  // Uniform in [0, 1), 53 random bits.
  double Uniform01() { return static_cast<double>(engine_() >> 11) * 0x1.0p-53; }
  // Uniform integer in [lo, hi] (inclusive), without modulo bias.
  int64_t UniformInt(int64_t lo, int64_t hi);
  // Standard normal (Box-Muller).
  double Normal();

 private:
  std::mt19937_64 engine_;
};

// A well-mixed seed for stream `stream` of a run seeded with `seed` (SplitMix64 finaliser), so
// trial k's random choices depend only on (seed, k), not on how trials were batched.
uint64_t MixSeed(uint64_t seed, uint64_t stream);

// A seed from the operating system, for runs without random_state.
uint64_t FreshSeed();

}  // namespace tuneup
