// Algorithms by name.
//
// Every algorithm name Katib knows is valid in a manifest (api/validate.h); the registry says
// which of them tuneup can run, checks their settings, and creates them.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "suggestion/algorithm.h"

namespace tuneup {

struct AlgorithmInfo {
  std::string name;
  // Checks spec.algorithm.algorithmSettings, and whatever else the algorithm needs of the
  // experiment (grid: a step on every double). Errors name their fields.
  std::function<FieldErrors(const Experiment&)> validate_settings;
  // Creates the algorithm for a valid experiment.
  std::function<std::unique_ptr<Algorithm>(const Experiment&, const SearchSpace&)> create;
  // Optional: what is valid but probably not what the user meant (Katib accepts it too), for a
  // valid experiment.
  std::function<FieldErrors(const Experiment&)> warnings = {};
};

class AlgorithmRegistry {
 public:
  // The algorithms tuneup runs: random, grid, sobol, bayesianoptimization, hyperband, asha.
  static const AlgorithmRegistry& Default();

  void Register(AlgorithmInfo info);

  // The algorithm called `name`, or nullptr when tuneup does not run it.
  const AlgorithmInfo* Find(std::string_view name) const;
  std::vector<std::string> Names() const;

  // The settings errors of spec.algorithm, for an algorithm tuneup runs; empty otherwise (the
  // settings of an algorithm tuneup cannot run yet are checked once it can).
  FieldErrors ValidateSettings(const Experiment& experiment) const;

  // The warnings of spec.algorithm's settings, for a valid experiment.
  FieldErrors Warnings(const Experiment& experiment) const;

  // Creates the algorithm of `experiment`. Throws Error(kUnsupported) when tuneup does not run it
  // and Error(kInvalidArgument) listing every problem when its settings or parameters are wrong.
  std::unique_ptr<Algorithm> Create(const Experiment& experiment) const;

 private:
  std::map<std::string, AlgorithmInfo, std::less<>> algorithms_;
};

}  // namespace tuneup
