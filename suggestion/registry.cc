#include "suggestion/registry.h"

#include "suggestion/asha.h"
#include "suggestion/bayesian_optimization.h"
#include "suggestion/grid_search.h"
#include "suggestion/hyperband.h"
#include "suggestion/random_search.h"
#include "suggestion/settings.h"
#include "suggestion/sobol_search.h"

namespace tuneup {

namespace {

std::optional<uint64_t> RandomStateOf(const Experiment& experiment) {
  FieldErrors ignored;
  SettingsReader reader = SettingsReader::ForAlgorithm(experiment, ignored);
  return ReadRandomState(reader);
}

AlgorithmRegistry MakeDefault() {
  AlgorithmRegistry registry;
  registry.Register({"random", RandomSearch::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<RandomSearch>(space, RandomStateOf(experiment));
                     }});
  registry.Register({"grid", GridSearch::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<GridSearch>(space, RandomStateOf(experiment));
                     }});
  registry.Register({"sobol", SobolSearch::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<SobolSearch>(space, RandomStateOf(experiment));
                     }});
  registry.Register({"hyperband", HyperbandSearch::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<HyperbandSearch>(experiment, space);
                     },
                     HyperbandSearch::Warnings});
  registry.Register({"asha", AshaSearch::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<AshaSearch>(experiment, space);
                     },
                     AshaSearch::Warnings});
  registry.Register({"bayesianoptimization", BayesianOptimization::ValidateSettings,
                     [](const Experiment& experiment, const SearchSpace& space) {
                       return std::make_unique<BayesianOptimization>(experiment, space);
                     }});
  return registry;
}

}  // namespace

const AlgorithmRegistry& AlgorithmRegistry::Default() {
  static const AlgorithmRegistry registry = MakeDefault();
  return registry;
}

void AlgorithmRegistry::Register(AlgorithmInfo info) {
  std::string name = info.name;
  algorithms_[name] = std::move(info);
}

const AlgorithmInfo* AlgorithmRegistry::Find(std::string_view name) const {
  auto it = algorithms_.find(name);
  return it == algorithms_.end() ? nullptr : &it->second;
}

std::vector<std::string> AlgorithmRegistry::Names() const {
  std::vector<std::string> names;
  for (const auto& [name, info] : algorithms_)
    names.push_back(name);
  return names;
}

FieldErrors AlgorithmRegistry::ValidateSettings(const Experiment& experiment) const {
  if (!experiment.spec.algorithm) return {};
  const AlgorithmInfo* info = Find(experiment.spec.algorithm->algorithm_name);
  if (info == nullptr) return {};
  return info->validate_settings(experiment);
}

FieldErrors AlgorithmRegistry::Warnings(const Experiment& experiment) const {
  if (!experiment.spec.algorithm) return {};
  const AlgorithmInfo* info = Find(experiment.spec.algorithm->algorithm_name);
  if (info == nullptr || !info->warnings) return {};
  return info->warnings(experiment);
}

std::unique_ptr<Algorithm> AlgorithmRegistry::Create(const Experiment& experiment) const {
  if (!experiment.spec.algorithm) {
    throw Error(ErrorCode::kInvalidArgument, "spec.algorithm: must be specified");
  }
  const std::string& name = experiment.spec.algorithm->algorithm_name;
  const AlgorithmInfo* info = Find(name);
  if (info == nullptr) {
    std::string runnable;
    for (const auto& known : Names())
      runnable += (runnable.empty() ? "" : ", ") + known;
    throw Error(ErrorCode::kUnsupported, "spec.algorithm.algorithmName: tuneup cannot run \"" +
                                             name + "\" yet (it runs: " + runnable + ")");
  }
  FieldErrors errors = info->validate_settings(experiment);
  SearchSpace space = SearchSpace::FromSpec(experiment.spec, errors);
  if (!errors.empty()) {
    std::string message = "algorithm " + name + ":";
    for (const auto& error : errors)
      message += "\n  " + error.ToString();
    throw Error(ErrorCode::kInvalidArgument, message);
  }
  return info->create(experiment, space);
}

}  // namespace tuneup
