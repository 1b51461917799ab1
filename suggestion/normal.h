// The standard normal distribution, for acquisition functions and inverse-CDF sampling.
#pragma once

namespace tuneup {

inline constexpr double kInvSqrt2Pi = 0.3989422804014327;

inline double NormalPdf(double z);
double NormalCdf(double z);
// Φ⁻¹(p) for p in (0, 1), to full double precision (Acklam's approximation refined by one
// Halley step); ±infinity at 0 and 1.
double NormalQuantile(double p);

}  // namespace tuneup

#include <cmath>

namespace tuneup {
inline double NormalPdf(double z) {
  return kInvSqrt2Pi * std::exp(-0.5 * z * z);
}
}  // namespace tuneup
