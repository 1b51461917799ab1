// Building spec.parameters entries and search experiments in code, for tests and benchmarks
// (header-only, so benchmarks can use it without linking the test support library).
#pragma once

#include <string>
#include <vector>

#include "api/experiment.h"

namespace tuneup::testing {

// An int or double parameter on [min, max], with an optional step and distribution.
inline ParameterSpec RangeSpec(const std::string& name, const std::string& type,
                               const std::string& min, const std::string& max,
                               const std::string& step = "", const std::string& distribution = "") {
  ParameterSpec spec;
  spec.name = name;
  spec.parameter_type = type;
  spec.feasible_space.min = min;
  spec.feasible_space.max = max;
  spec.feasible_space.step = step;
  spec.feasible_space.distribution = distribution;
  return spec;
}

// A discrete or categorical parameter with the values `list`.
inline ParameterSpec ListSpec(const std::string& name, const std::string& type,
                              std::vector<std::string> list) {
  ParameterSpec spec;
  spec.name = name;
  spec.parameter_type = type;
  spec.feasible_space.list = std::move(list);
  return spec;
}

// An experiment named after `algorithm` that searches `parameters` with it, for the objective
// "loss" in `direction` ("minimize" or "maximize"): what a search algorithm reads of an experiment.
inline Experiment SearchExperiment(const std::string& algorithm,
                                   std::vector<ParameterSpec> parameters,
                                   std::vector<NamedSetting> settings = {},
                                   const std::string& direction = "minimize") {
  Experiment experiment;
  experiment.metadata.name = algorithm;
  experiment.spec.objective = ObjectiveSpec{};
  experiment.spec.objective->type = direction;
  experiment.spec.objective->objective_metric_name = "loss";
  experiment.spec.algorithm = AlgorithmSpec{algorithm, std::move(settings)};
  experiment.spec.parameters = std::move(parameters);
  return experiment;
}

}  // namespace tuneup::testing
