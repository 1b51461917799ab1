// Synthetic learning curves with known final losses, for the early-stopping benchmark
// (bench/README.md, "Hyperband, ASHA and early stopping"). bench/early_stopping/peers.py defines
// the same family for Optuna; keep the two identical (run.sh checks them against each other with
// `bench_early_stopping --dump`).
//
// A configuration x is four hyperparameters of an imaginary network:
//   lr          double, logUniform [1e-4, 1]            u = log10(lr)
//   width       int [16, 256], step 16                 w = log2(width / 16) / 4, in [0, 1]
//   activation  categorical relu, tanh, sigmoid        a = 0, 1, 2
//   dropout     double [0, 0.5]                        d
// Its validation loss after t = 1, 2, ... epochs is
//   loss(t) = L(x) + A(x) t^-b(x) + sd(x, t) z(x, t, seed)
// with
//   L     = 0.10 + 0.04 (u + 2.6)^2 + 0.12 (w - 0.85)^2 + off[a] + 0.6 (d - 0.25)^2
//           off = {0.03, 0, 0.08}                       (the limit: the loss after infinitely
//                                                        many epochs)
//   speed = sigmoid(2 (u + 2)) m[a],   m = {1, 0.8, 0.9}
//   b     = 0.3 + 0.9 speed                             (how fast the gap closes)
//   A     = 0.3 + (1 - speed) + 0.6 w + g[a] + d,   g = {0, 0.4, 0.6}   (the initial gap)
//   sd    = 0.01 + 0.05 A t^-b                          (noise shrinks with the gap)
//   z     = a standard normal drawn from (x, t, seed) by a hash (below), so training the same
//           configuration again, for more or fewer epochs, reproduces the same curve prefix.
// A high learning rate starts fast and plateaus higher; width and dropout lower the plateau but
// start slowly: what looks best after one epoch is often not what ends best (the Spearman
// correlation between the loss at epoch 1 and at epoch R is printed by --describe).
//
// The benchmark's regret is the noise-free loss at epoch R, L + A R^-b, of the chosen
// configuration minus the family's minimum of that function, which Minimum(R) computes: for each
// width and activation the best dropout is closed-form (d* = 0.25 - R^-b / 1.2, clamped), the
// best log learning rate is found on a grid of 20001 points and refined by golden-section search.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <string>

namespace tuneup::bench::curves {

inline constexpr const char* kActivations[3] = {"relu", "tanh", "sigmoid"};
inline constexpr double kLrMin = 1e-4, kLrMax = 1.0;
inline constexpr int kWidthMin = 16, kWidthMax = 256, kWidthStep = 16;
inline constexpr double kDropoutMin = 0.0, kDropoutMax = 0.5;

struct Config {
  double lr = 0;
  int width = 0;
  int activation = 0;  // index into kActivations
  double dropout = 0;
};

struct Shape {
  double limit = 0;  // L
  double gap = 0;    // A
  double rate = 0;   // b
};

inline Shape ShapeOf(const Config& x) {
  static constexpr double kOffset[3] = {0.03, 0.0, 0.08};
  static constexpr double kSpeed[3] = {1.0, 0.8, 0.9};
  static constexpr double kGap[3] = {0.0, 0.4, 0.6};
  const double u = std::log10(x.lr);
  const double w = std::log2(x.width / 16.0) / 4;
  const int a = x.activation;
  const double d = x.dropout;
  Shape s;
  s.limit = 0.10 + 0.04 * (u + 2.6) * (u + 2.6) + 0.12 * (w - 0.85) * (w - 0.85) + kOffset[a] +
            0.6 * (d - 0.25) * (d - 0.25);
  const double speed = 1 / (1 + std::exp(-2 * (u + 2))) * kSpeed[a];
  s.rate = 0.3 + 0.9 * speed;
  s.gap = 0.3 + (1 - speed) + 0.6 * w + kGap[a] + d;
  return s;
}

// The noise-free loss after t epochs.
inline double Clean(const Shape& s, int t) {
  return s.limit + s.gap * std::pow(t, -s.rate);
}
inline double Clean(const Config& x, int t) {
  return Clean(ShapeOf(x), t);
}

inline double NoiseSd(const Shape& s, int t) {
  return 0.01 + 0.05 * s.gap * std::pow(t, -s.rate);
}

// SplitMix64's output function for the state z (Steele, Lea, Flood 2014).
inline uint64_t Mix(uint64_t z) {
  z += 0x9E3779B97F4A7C15ull;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// The configuration as text: "lr=<%.17g>;width=<%d>;activation=<name>;dropout=<%.17g>".
inline std::string Key(const Config& x) {
  char buffer[160];
  std::snprintf(buffer, sizeof buffer, "lr=%.17g;width=%d;activation=%s;dropout=%.17g", x.lr,
                x.width, kActivations[x.activation], x.dropout);
  return buffer;
}

// FNV-1a, 64 bits, over the bytes of `text`.
inline uint64_t Fnv1a(const std::string& text) {
  uint64_t h = 0xCBF29CE484222325ull;
  for (unsigned char c : text) {
    h ^= c;
    h *= 0x100000001B3ull;
  }
  return h;
}

// The noise stream of one configuration in the run with `seed`.
inline uint64_t NoiseBase(const Config& x, uint64_t seed) {
  return Mix(Fnv1a(Key(x)) ^ Mix(seed));
}

// A standard normal for epoch t (Box-Muller on two 53-bit uniforms).
inline double Normal(uint64_t base, int t) {
  const double u1 = (static_cast<double>(Mix(base + 2 * static_cast<uint64_t>(t)) >> 11) + 1) *
                    0x1p-53;  // (0, 1]
  const double u2 =
      static_cast<double>(Mix(base + 2 * static_cast<uint64_t>(t) + 1) >> 11) * 0x1p-53;
  return std::sqrt(-2 * std::log(u1)) * std::cos(2 * M_PI * u2);
}

// One configuration's learning curve in one run: the value reported after epoch t.
class Curve {
 public:
  Curve(const Config& x, uint64_t seed) : shape_(ShapeOf(x)), base_(NoiseBase(x, seed)) {}
  double Observed(int t) const {
    return curves::Clean(shape_, t) + NoiseSd(shape_, t) * Normal(base_, t);
  }
  double Clean(int t) const { return curves::Clean(shape_, t); }
  const Shape& shape() const { return shape_; }

 private:
  Shape shape_;
  uint64_t base_;
};

struct Minimum {
  double value = 0;
  Config at;
};

// The minimum over the whole space of the noise-free loss at epoch R (see the top of the file).
inline Minimum MinimumAt(int R) {
  Minimum best{INFINITY, {}};
  auto with_dropout = [R](Config x) {  // x with the best dropout for its lr, width, activation
    const double b = ShapeOf(x).rate;
    x.dropout = std::clamp(0.25 - std::pow(R, -b) / 1.2, kDropoutMin, kDropoutMax);
    return x;
  };
  auto at_u = [&](Config x, double u) {
    x.lr = std::pow(10.0, u);
    x = with_dropout(x);
    return std::pair{Clean(x, R), x};
  };
  constexpr int kGrid = 20000;
  const double lo = std::log10(kLrMin), hi = std::log10(kLrMax), step = (hi - lo) / kGrid;
  for (int width = kWidthMin; width <= kWidthMax; width += kWidthStep) {
    for (int a = 0; a < 3; ++a) {
      Config x{0, width, a, 0};
      int best_i = 0;
      double best_v = INFINITY;
      for (int i = 0; i <= kGrid; ++i) {
        const double v = at_u(x, lo + step * i).first;
        if (v < best_v) best_v = v, best_i = i;
      }
      // Golden-section search on the grid cell either side of the best grid point.
      double left = lo + step * std::max(0, best_i - 1),
             right = lo + step * std::min(kGrid, best_i + 1);
      const double r = (std::sqrt(5.0) - 1) / 2;
      double c = right - r * (right - left), d = left + r * (right - left);
      double fc = at_u(x, c).first, fd = at_u(x, d).first;
      for (int k = 0; k < 200 && right - left > 1e-14; ++k) {
        if (fc < fd) {
          right = d, d = c, fd = fc;
          c = right - r * (right - left), fc = at_u(x, c).first;
        } else {
          left = c, c = d, fc = fd;
          d = left + r * (right - left), fd = at_u(x, d).first;
        }
      }
      for (double u : {lo + step * best_i, left, right, (left + right) / 2}) {
        auto [v, at] = at_u(x, u);
        if (v < best.value) best = {v, at};
      }
    }
  }
  return best;
}

// The values of MinimumAt for the budgets the benchmark runs (--describe recomputes and checks
// them; peers.py holds the same numbers).
inline double KnownMinimum(int R) {
  switch (R) {
    case 27:
      return 0.23263877001603014;
    case 81:
      return 0.1910917731557393;
    default:
      return NAN;
  }
}

}  // namespace tuneup::bench::curves
