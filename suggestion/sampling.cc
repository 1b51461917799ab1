#include "suggestion/sampling.h"

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "suggestion/normal.h"

namespace tuneup {

namespace {

constexpr int kMaxTruncationTries = 1000;

// A normal draw truncated to [lo, hi] by rejection (the interval holds ±3 sigma, so about 1 in
// 370 draws is rejected).
double TruncatedNormal(double mean, double sigma, double lo, double hi, Rng& rng) {
  for (int i = 0; i < kMaxTruncationTries; ++i) {
    double x = mean + sigma * rng.Normal();
    if (x >= lo && x <= hi) return x;
  }
  return std::clamp(mean, lo, hi);
}

double SampleContinuous(const Parameter& p, Rng& rng) {
  const bool is_int = p.type == ParameterType::kInt;
  // Integers are drawn on [min - 0.5, max + 0.5] and rounded, so every integer gets its share.
  double lo = is_int ? p.min - 0.5 : p.min;
  double hi = is_int ? p.max + 0.5 : p.max;
  if (p.is_log_scale()) {
    lo = std::max(lo, p.min * 0.5);  // keep the log of the widened bound finite
  }
  double value = p.min;
  switch (p.distribution) {
    case Distribution::kUniform:
      // In halves, so that a range as wide as [-1e308, 1e308] does not overflow; scaling by 2 is
      // exact, so this is bit for bit lo + u * (hi - lo) whenever that is finite.
      value = 2 * (lo / 2 + rng.Uniform01() * (hi / 2 - lo / 2));
      break;
    case Distribution::kLogUniform: {
      double log_lo = std::log(lo);
      double log_hi = std::log(hi);
      value = std::exp(log_lo + rng.Uniform01() * (log_hi - log_lo));
      break;
    }
    case Distribution::kNormal:
      // Halves again: (min + max) / 2 and (max - min) / 6 overflow near the ends of the doubles.
      value = TruncatedNormal(p.min / 2 + p.max / 2, (p.max / 2 - p.min / 2) / 3, lo, hi, rng);
      break;
    case Distribution::kLogNormal: {
      double log_min = std::log(p.min);
      double log_max = std::log(p.max);
      value = std::exp(TruncatedNormal((log_min + log_max) / 2, (log_max - log_min) / 6,
                                       std::log(lo), std::log(hi), rng));
      break;
    }
  }
  return std::clamp(value, p.min, p.max);
}

}  // namespace

std::string SampleValue(const Parameter& p, Rng& rng) {
  if (!p.is_numeric_range()) {
    return p.list[static_cast<size_t>(rng.UniformInt(0, static_cast<int64_t>(p.list.size()) - 1))];
  }
  if (p.min == p.max) return p.FormatValue(p.min);
  // A uniform stepped range is a uniform choice among its values.
  if (p.step && p.distribution == Distribution::kUniform) {
    int64_t count = p.StepCount();
    // Beyond INT64_MAX steps the count saturates and an index would miss part of the range; the
    // continuous draw below is uniform over all of it.
    if (count < INT64_MAX) return p.SteppedValue(rng.UniformInt(0, count - 1));
  }
  return p.FormatValue(SampleContinuous(p, rng));
}

std::string QuantileValue(const Parameter& p, double u) {
  u = std::clamp(u, 0.0, std::nextafter(1.0, 0.0));
  if (!p.is_numeric_range()) {
    auto k = static_cast<size_t>(u * static_cast<double>(p.list.size()));
    return p.list[std::min(k, p.list.size() - 1)];
  }
  if (p.min == p.max) return p.FormatValue(p.min);
  if (p.step && p.distribution == Distribution::kUniform) {
    int64_t count = p.StepCount();
    if (count < INT64_MAX) {
      auto k = static_cast<int64_t>(u * static_cast<double>(count));
      return p.SteppedValue(std::min(k, count - 1));
    }
  }
  const bool is_int = p.type == ParameterType::kInt;
  double lo = is_int ? p.min - 0.5 : p.min;
  double hi = is_int ? p.max + 0.5 : p.max;
  if (p.is_log_scale()) lo = std::max(lo, p.min * 0.5);
  double value = p.min;
  switch (p.distribution) {
    case Distribution::kUniform:
      value = 2 * (lo / 2 + u * (hi / 2 - lo / 2));
      break;
    case Distribution::kLogUniform:
      value = std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo)));
      break;
    case Distribution::kNormal:
    case Distribution::kLogNormal: {
      bool log = p.distribution == Distribution::kLogNormal;
      double mean = log ? (std::log(p.min) + std::log(p.max)) / 2 : p.min / 2 + p.max / 2;
      double sigma = log ? (std::log(p.max) - std::log(p.min)) / 6 : (p.max / 2 - p.min / 2) / 3;
      double a = ((log ? std::log(lo) : lo) - mean) / sigma;
      double b = ((log ? std::log(hi) : hi) - mean) / sigma;
      double z = NormalQuantile(NormalCdf(a) + u * (NormalCdf(b) - NormalCdf(a)));
      value = log ? std::exp(mean + sigma * z) : mean + sigma * z;
      break;
    }
  }
  return p.FormatValue(std::clamp(value, p.min, p.max));
}

Assignment SampleAssignment(const SearchSpace& space, Rng& rng) {
  Assignment assignment;
  assignment.reserve(space.parameters().size());
  for (const auto& parameter : space.parameters()) {
    assignment.push_back({parameter.name, SampleValue(parameter, rng)});
  }
  return assignment;
}

}  // namespace tuneup
