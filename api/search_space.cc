#include "api/search_space.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <set>

#include "common/text.h"

namespace tuneup {

namespace {

// `value` rounded to the nearest int64, saturating: int bounds are held as doubles, and INT64_MAX
// becomes 2^63, which llround cannot convert (it wraps to INT64_MIN on x86).
int64_t RoundToInt64(double value) {
  if (!(value < 0x1p63)) return INT64_MAX;
  if (value < -0x1p63) return INT64_MIN;
  return std::llround(value);
}

std::optional<ParameterType> ParseParameterType(const std::string& text) {
  if (text == katib::kDouble) return ParameterType::kDouble;
  if (text == katib::kInt) return ParameterType::kInt;
  if (text == katib::kDiscrete) return ParameterType::kDiscrete;
  if (text == katib::kCategorical) return ParameterType::kCategorical;
  return std::nullopt;
}

std::optional<Distribution> ParseDistribution(const std::string& text) {
  if (text.empty() || text == katib::kUniform) return Distribution::kUniform;
  if (text == katib::kLogUniform) return Distribution::kLogUniform;
  if (text == katib::kNormal) return Distribution::kNormal;
  if (text == katib::kLogNormal) return Distribution::kLogNormal;
  return std::nullopt;
}

// Reads min, max and step of a double or int parameter. Returns false when something is wrong.
bool ReadRange(const ParameterSpec& spec, const std::string& path, Parameter& parameter,
               FieldErrors& errors) {
  const FeasibleSpace& fs = spec.feasible_space;
  const std::string space_path = ChildPath(path, "feasibleSpace");
  const bool is_int = parameter.type == ParameterType::kInt;
  const char* type_name = is_int ? "int" : "double";
  bool ok = true;
  if (!fs.list.empty()) {
    errors.push_back({ChildPath(space_path, "list"),
                      std::string("is not supported for parameterType ") + type_name +
                          "; use min and max"});
    ok = false;
  }
  auto read_bound = [&](const std::string& text, const char* field) -> std::optional<double> {
    std::string field_path = ChildPath(space_path, field);
    if (text.empty()) {
      errors.push_back({field_path, std::string("must be specified for parameterType ") +
                                        type_name});
      return std::nullopt;
    }
    if (is_int) {
      auto value = ParseInt64(text);
      if (!value) {
        errors.push_back({field_path, "\"" + text + "\" is not an integer"});
        return std::nullopt;
      }
      return static_cast<double>(*value);
    }
    auto value = ParseDouble(text);
    if (!value || !std::isfinite(*value)) {
      errors.push_back({field_path, "\"" + text + "\" is not a finite number"});
      return std::nullopt;
    }
    return *value;
  };
  auto min = read_bound(fs.min, "min");
  auto max = read_bound(fs.max, "max");
  if (!min || !max) return false;
  parameter.min = *min;
  parameter.max = *max;
  if (*min > *max) {
    errors.push_back({ChildPath(space_path, "max"), "(" + fs.max +
                                                        ") must be greater than or equal to min (" +
                                                        fs.min + ")"});
    ok = false;
  }
  if (parameter.is_log_scale() && *min <= 0) {
    errors.push_back({ChildPath(space_path, "min"),
                      "(" + fs.min + ") must be greater than 0 for distribution " +
                          fs.distribution});
    ok = false;
  }
  if (!fs.step.empty()) {
    std::string step_path = ChildPath(space_path, "step");
    std::optional<double> step;
    if (is_int) {
      if (auto value = ParseInt64(fs.step)) step = static_cast<double>(*value);
    } else {
      step = ParseDouble(fs.step);
    }
    if (!step || !std::isfinite(*step)) {
      errors.push_back({step_path, "\"" + fs.step + "\" is not " +
                                       (is_int ? "an integer" : "a finite number")});
      ok = false;
    } else if (*step <= 0) {
      errors.push_back({step_path, "(" + fs.step + ") must be greater than 0"});
      ok = false;
    } else {
      parameter.step = *step;
    }
  } else if (is_int) {
    parameter.step = 1;
  }
  parameter.decimals = is_int ? 0 : std::max(DecimalPlaces(fs.min), DecimalPlaces(fs.step));
  return ok;
}

bool ReadList(const ParameterSpec& spec, const std::string& path, Parameter& parameter,
              FieldErrors& errors) {
  const FeasibleSpace& fs = spec.feasible_space;
  const std::string space_path = ChildPath(path, "feasibleSpace");
  bool ok = true;
  if (!fs.min.empty() || !fs.max.empty() || !fs.step.empty()) {
    errors.push_back({space_path, "min, max and step are not supported for parameterType " +
                                      spec.parameter_type + "; list the values in list"});
    ok = false;
  }
  if (fs.list.empty()) {
    errors.push_back({ChildPath(space_path, "list"),
                      "must list at least one value for parameterType " + spec.parameter_type});
    return false;
  }
  parameter.list = fs.list;
  if (parameter.type == ParameterType::kDiscrete) {
    for (size_t i = 0; i < fs.list.size(); ++i) {
      auto value = ParseDouble(fs.list[i]);
      if (!value || !std::isfinite(*value)) {
        errors.push_back({IndexPath(ChildPath(space_path, "list"), i),
                          "\"" + fs.list[i] + "\" is not a number; discrete values are numbers "
                                              "(use categorical for text)"});
        ok = false;
      } else {
        parameter.numeric_list.push_back(*value);
      }
    }
  }
  return ok;
}

}  // namespace

std::string_view ParameterTypeName(ParameterType type) {
  switch (type) {
    case ParameterType::kDouble:
      return katib::kDouble;
    case ParameterType::kInt:
      return katib::kInt;
    case ParameterType::kDiscrete:
      return katib::kDiscrete;
    case ParameterType::kCategorical:
      return katib::kCategorical;
  }
  return "?";
}

std::string_view DistributionName(Distribution distribution) {
  switch (distribution) {
    case Distribution::kUniform:
      return katib::kUniform;
    case Distribution::kLogUniform:
      return katib::kLogUniform;
    case Distribution::kNormal:
      return katib::kNormal;
    case Distribution::kLogNormal:
      return katib::kLogNormal;
  }
  return "?";
}

int64_t Parameter::StepCount() const {
  if (!step || *step <= 0) return 0;
  // Round to the nearest count, then drop the last value while, as printed, it is above max. A
  // fixed tolerance cannot both keep what binary rounding hides ((0.3 - 0.1) / 0.1 is
  // 1.9999999999999998, yet 0.3 is feasible) and reject what the user wrote (max 0.29999999995
  // with step 0.1 excludes 0.3); comparing the text a trial would see does both.
  double count = std::floor((max - min) / *step + 0.5) + 1;
  if (count > 9.0e18) return INT64_MAX;
  auto n = static_cast<int64_t>(count);
  while (n > 1 && ParseDouble(SteppedValue(n - 1)).value_or(max) > max) {
    --n;
  }
  return n;
}

std::string Parameter::SteppedValue(int64_t k) const {
  double value = min + static_cast<double>(k) * step.value_or(1);
  if (type == ParameterType::kInt) return std::to_string(RoundToInt64(value));
  return FormatDoubleFixed(value, decimals);
}

std::string Parameter::FormatValue(double value) const {
  if (step) {
    int64_t count = StepCount();
    // With more steps than an int64 can count (an int range spanning most of int64), neighbouring
    // doubles are further apart than a step: the value itself is as near a step as text can be.
    if (count < INT64_MAX) {
      int64_t k = std::llround((value - min) / *step);
      return SteppedValue(std::clamp<int64_t>(k, 0, std::max<int64_t>(count - 1, 0)));
    }
  }
  if (type == ParameterType::kInt) return std::to_string(RoundToInt64(value));
  return FormatDouble(value);
}

SearchSpace SearchSpace::FromSpec(const ExperimentSpec& spec, FieldErrors& errors) {
  std::vector<Parameter> parameters;
  std::set<std::string> names;
  for (size_t i = 0; i < spec.parameters.size(); ++i) {
    const ParameterSpec& ps = spec.parameters[i];
    const std::string path = IndexPath("spec.parameters", i);
    bool ok = true;
    if (ps.name.empty()) {
      errors.push_back({ChildPath(path, "name"), "must be specified"});
      ok = false;
    } else if (!names.insert(ps.name).second) {
      errors.push_back({ChildPath(path, "name"), "\"" + ps.name + "\" is duplicated; parameter "
                                                                  "names must be unique"});
      ok = false;
    }
    Parameter parameter;
    parameter.name = ps.name;
    auto type = ParseParameterType(ps.parameter_type);
    if (!type) {
      errors.push_back({ChildPath(path, "parameterType"),
                        (ps.parameter_type.empty()
                             ? std::string("must be specified")
                             : "\"" + ps.parameter_type + "\" is not supported") +
                            ": must be double, int, discrete or categorical"});
      continue;
    }
    parameter.type = *type;
    auto distribution = ParseDistribution(ps.feasible_space.distribution);
    if (!distribution) {
      errors.push_back({ChildPath(ChildPath(path, "feasibleSpace"), "distribution"),
                        "\"" + ps.feasible_space.distribution +
                            "\" is not supported: must be uniform, logUniform, normal or "
                            "logNormal"});
      ok = false;
    } else {
      parameter.distribution = *distribution;
    }
    if (parameter.is_numeric_range()) {
      ok = ReadRange(ps, path, parameter, errors) && ok;
    } else {
      ok = ReadList(ps, path, parameter, errors) && ok;
    }
    if (ok) parameters.push_back(std::move(parameter));
  }
  return SearchSpace(std::move(parameters));
}

SearchSpace SearchSpace::FromSpecOrThrow(const ExperimentSpec& spec) {
  FieldErrors errors;
  SearchSpace space = FromSpec(spec, errors);
  if (!errors.empty()) {
    std::string message = "invalid search space:";
    for (const auto& error : errors) message += "\n  " + error.ToString();
    throw Error(ErrorCode::kInvalidArgument, message);
  }
  return space;
}

const Parameter* SearchSpace::Find(const std::string& name) const {
  for (const auto& parameter : parameters_) {
    if (parameter.name == name) return &parameter;
  }
  return nullptr;
}

}  // namespace tuneup
