// The test problems of the Bayesian-optimisation quality benchmark, as Katib search spaces and
// objective functions. bench/bo/peers.py defines the same five for scikit-optimize and Optuna;
// keep them identical.
#pragma once

#include <cmath>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/trial.h"
#include "common/text.h"
#include "tests/support/parameter_specs.h"

namespace tuneup::bench {

struct Problem {
  std::string name;
  std::vector<ParameterSpec> parameters;
  double optimum;  // the known minimum
  std::function<double(const Assignment&)> objective;
};

inline double Value(const Assignment& assignment, const std::string& name) {
  return ParseDouble(FindValue(assignment, name).value()).value();
}

inline double Branin(double x1, double x2) {
  const double a = 1, b = 5.1 / (4 * M_PI * M_PI), c = 5 / M_PI, r = 6, s = 10,
               t = 1 / (8 * M_PI);
  return a * std::pow(x2 - b * x1 * x1 + c * x1 - r, 2) + s * (1 - t) * std::cos(x1) + s;
}

inline double Hartmann6(const std::vector<double>& x) {
  static const double alpha[4] = {1.0, 1.2, 3.0, 3.2};
  static const double A[4][6] = {{10, 3, 17, 3.5, 1.7, 8},
                                 {0.05, 10, 17, 0.1, 8, 14},
                                 {3, 3.5, 1.7, 10, 17, 8},
                                 {17, 8, 0.05, 10, 0.1, 14}};
  static const double P[4][6] = {{0.1312, 0.1696, 0.5569, 0.0124, 0.8283, 0.5886},
                                 {0.2329, 0.4135, 0.8307, 0.3736, 0.1004, 0.9991},
                                 {0.2348, 0.1451, 0.3522, 0.2883, 0.3047, 0.6650},
                                 {0.4047, 0.8828, 0.8732, 0.5743, 0.1091, 0.0381}};
  double sum = 0;
  for (int i = 0; i < 4; ++i) {
    double inner = 0;
    for (int j = 0; j < 6; ++j) inner += A[i][j] * (x[j] - P[i][j]) * (x[j] - P[i][j]);
    sum += alpha[i] * std::exp(-inner);
  }
  return -sum;
}

inline std::vector<Problem> Problems() {
  using testing::ListSpec;
  using testing::RangeSpec;
  std::vector<Problem> problems;
  problems.push_back({"branin",
                      {RangeSpec("x1", "double", "-5", "10"), RangeSpec("x2", "double", "0", "15")},
                      0.39788735772973816,
                      [](const Assignment& a) { return Branin(Value(a, "x1"), Value(a, "x2")); }});
  {
    Problem p{"hartmann6", {}, -3.322368011391339, nullptr};
    for (int i = 0; i < 6; ++i) p.parameters.push_back(RangeSpec("x" + std::to_string(i), "double", "0", "1"));
    p.objective = [](const Assignment& a) {
      std::vector<double> x(6);
      for (int i = 0; i < 6; ++i) x[i] = Value(a, "x" + std::to_string(i));
      return Hartmann6(x);
    };
    problems.push_back(std::move(p));
  }
  {
    Problem p{"rosenbrock4_log1p", {}, 0.0, nullptr};
    for (int i = 0; i < 4; ++i) {
      p.parameters.push_back(RangeSpec("x" + std::to_string(i), "double", "-2.048", "2.048"));
    }
    p.objective = [](const Assignment& a) {
      double f = 0;
      for (int i = 0; i < 3; ++i) {
        double xi = Value(a, "x" + std::to_string(i)), xn = Value(a, "x" + std::to_string(i + 1));
        f += 100 * (xn - xi * xi) * (xn - xi * xi) + (1 - xi) * (1 - xi);
      }
      return std::log1p(f);
    };
    problems.push_back(std::move(p));
  }
  {
    Problem p{"ackley5", {}, 0.0, nullptr};
    for (int i = 0; i < 5; ++i) {
      p.parameters.push_back(RangeSpec("x" + std::to_string(i), "double", "-32.768", "32.768"));
    }
    p.objective = [](const Assignment& a) {
      double squares = 0, cosines = 0;
      for (int i = 0; i < 5; ++i) {
        double x = Value(a, "x" + std::to_string(i));
        squares += x * x;
        cosines += std::cos(2 * M_PI * x);
      }
      return -20 * std::exp(-0.2 * std::sqrt(squares / 5)) - std::exp(cosines / 5) + 20 + M_E;
    };
    problems.push_back(std::move(p));
  }
  // A space like real tuning: a log-scaled learning rate, two continuous knobs, an integer and
  // a categorical choice. Minimum branin_min / 50 at lr = 10^-2.5, n = 13, colour green and
  // (x1, x2) at one of Branin's minima mapped into [0, 1]^2.
  problems.push_back(
      {"mixed",
       {RangeSpec("lr", "double", "0.0001", "0.1", "", "logUniform"),
        RangeSpec("x1", "double", "0", "1"), RangeSpec("x2", "double", "0", "1"),
        RangeSpec("n", "int", "1", "20"),
        ListSpec("colour", "categorical", {"red", "green", "blue", "black"})},
       0.39788735772973816 / 50,
       [](const Assignment& a) {
         static const std::map<std::string, double> offset{
             {"red", 0.6}, {"green", 0.0}, {"blue", 0.3}, {"black", 1.0}};
         double lr = std::log10(Value(a, "lr")) + 2.5;
         double n = Value(a, "n") - 13;
         return lr * lr + Branin(15 * Value(a, "x1") - 5, 15 * Value(a, "x2")) / 50 +
                0.02 * n * n + offset.at(FindValue(a, "colour").value());
       }});
  return problems;
}

}  // namespace tuneup::bench
