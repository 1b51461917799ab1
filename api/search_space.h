// The search space: spec.parameters, typed and checked, ready for sampling.
//
// Katib writes every bound as a string; SearchSpace parses them once, with the errors a user can
// act on, so algorithms work with numbers and never re-parse. Values go back out as strings
// (FormatValue) the way a trial will see them on its command line.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

enum class ParameterType { kDouble, kInt, kDiscrete, kCategorical };
enum class Distribution { kUniform, kLogUniform, kNormal, kLogNormal };

struct Parameter {
  std::string name;
  ParameterType type = ParameterType::kDouble;
  Distribution distribution = Distribution::kUniform;

  // double and int: the closed range [min, max] and an optional step (feasible values are
  // min, min + step, min + 2*step, ... <= max). int without a step has step 1.
  double min = 0;
  double max = 0;
  std::optional<double> step;
  // Decimal places of min and step as written, so stepped doubles print without binary noise.
  int decimals = 0;

  // discrete and categorical: the feasible values as written; for discrete also as numbers.
  std::vector<std::string> list;
  std::vector<double> numeric_list;

  bool is_numeric_range() const {
    return type == ParameterType::kDouble || type == ParameterType::kInt;
  }
  bool is_log_scale() const {
    return distribution == Distribution::kLogUniform || distribution == Distribution::kLogNormal;
  }
  // How many values a range with a step holds: min + k * step for every k whose value, as
  // printed, is at most max (so binary rounding neither adds nor drops a value); 0 when there is
  // no step; INT64_MAX when there are more than an int64 can count.
  int64_t StepCount() const;
  // The k-th stepped value, min + k * step, as text.
  std::string SteppedValue(int64_t k) const;
  // `value` (in [min, max]) as the trial will see it: an integer for int, the nearest stepped
  // value when there is a step, otherwise the shortest round-trip decimal.
  std::string FormatValue(double value) const;
};

class SearchSpace {
 public:
  SearchSpace() = default;
  explicit SearchSpace(std::vector<Parameter> parameters) : parameters_(std::move(parameters)) {}

  // Parses spec.parameters. Every problem is appended to `errors` with its field path
  // (spec.parameters[2].feasibleSpace.min); parameters with problems are left out of the result.
  static SearchSpace FromSpec(const ExperimentSpec& spec, FieldErrors& errors);
  // The same, throwing Error(kInvalidArgument) with every problem when there is any.
  static SearchSpace FromSpecOrThrow(const ExperimentSpec& spec);

  const std::vector<Parameter>& parameters() const { return parameters_; }
  const Parameter* Find(const std::string& name) const;

 private:
  std::vector<Parameter> parameters_;
};

std::string_view ParameterTypeName(ParameterType type);
std::string_view DistributionName(Distribution distribution);

}  // namespace tuneup
