#include "api/validate.h"

#include <algorithm>
#include <cmath>
#include <regex>

#include "api/search_space.h"
#include "api/tuneup_annotations.h"

namespace tuneup {

namespace {

std::string JoinNames(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

void ValidateName(const Experiment& experiment, FieldErrors& errors) {
  // A Kubernetes DNS-1123 label of at most 40 characters (Katib appends trial suffixes to it).
  static const std::regex kName("^[a-z]([-a-z0-9]*[a-z0-9])?$");
  const std::string& name = experiment.metadata.name;
  if (name.empty()) {
    errors.push_back({"metadata.name", "must be specified"});
  } else if (name.size() > 40 || !std::regex_match(name, kName)) {
    errors.push_back(
        {"metadata.name", "\"" + name +
                              "\" is invalid: a name must consist of lower case alphanumeric "
                              "characters or '-', start with a letter, end with a letter or digit "
                              "(e.g. 'my-name' or 'abc-123') and be at most 40 characters long"});
  }
}

// `jobs_per_trial`: a cross-validated trial runs that many fold jobs, and parallelTrialCount
// counts jobs (api/tuneup_annotations.h), so it may exceed maxTrialCount up to that factor.
void ValidateCounts(const ExperimentSpec& spec, int jobs_per_trial, FieldErrors& errors) {
  const auto& max_failed = spec.max_failed_trial_count;
  const auto& max_trials = spec.max_trial_count;
  const auto& parallel = spec.parallel_trial_count;
  if (max_failed && *max_failed < 0) {
    errors.push_back({"spec.maxFailedTrialCount",
                      "is " + std::to_string(*max_failed) + "; must not be less than 0"});
  }
  if (max_trials && *max_trials <= 0) {
    errors.push_back(
        {"spec.maxTrialCount", "is " + std::to_string(*max_trials) + "; must be greater than 0"});
  }
  if (parallel && *parallel <= 0) {
    errors.push_back({"spec.parallelTrialCount",
                      "is " + std::to_string(*parallel) + "; must be greater than 0"});
  }
  if (max_failed && max_trials && *max_failed > *max_trials) {
    errors.push_back(
        {"spec.maxFailedTrialCount", "is " + std::to_string(*max_failed) +
                                         "; must be less than or equal to spec.maxTrialCount (" +
                                         std::to_string(*max_trials) + ")"});
  }
  if (parallel && max_trials && jobs_per_trial == 1 && *parallel > *max_trials) {
    errors.push_back(
        {"spec.parallelTrialCount", "is " + std::to_string(*parallel) +
                                        "; must be less than or equal to spec.maxTrialCount (" +
                                        std::to_string(*max_trials) + ")"});
  } else if (parallel && max_trials &&
             static_cast<int64_t>(*parallel) > static_cast<int64_t>(*max_trials) * jobs_per_trial) {
    errors.push_back({"spec.parallelTrialCount",
                      "is " + std::to_string(*parallel) +
                          "; must be less than or equal to spec.maxTrialCount (" +
                          std::to_string(*max_trials) + ") times the fold jobs of a trial (" +
                          std::to_string(jobs_per_trial) + ")"});
  }
}

void ValidateObjective(const ExperimentSpec& spec, FieldErrors& errors) {
  if (!spec.objective) {
    errors.push_back({"spec.objective", "must be specified"});
    return;
  }
  const ObjectiveSpec& objective = *spec.objective;
  if (objective.type != katib::kMinimize && objective.type != katib::kMaximize) {
    errors.push_back(
        {"spec.objective.type", (objective.type.empty() ? std::string("must be specified")
                                                        : "\"" + objective.type + "\" is invalid") +
                                    ": must be minimize or maximize"});
  }
  if (objective.objective_metric_name.empty()) {
    errors.push_back({"spec.objective.objectiveMetricName", "must be specified"});
  }
  const auto& additional = objective.additional_metric_names;
  if (!objective.objective_metric_name.empty() &&
      std::find(additional.begin(), additional.end(), objective.objective_metric_name) !=
          additional.end()) {
    errors.push_back(
        {"spec.objective.additionalMetricNames",
         "must not contain the objective metric \"" + objective.objective_metric_name + "\""});
  }
  for (size_t i = 0; i < additional.size(); ++i) {
    if (additional[i].empty()) {
      errors.push_back({IndexPath("spec.objective.additionalMetricNames", i), "must not be empty"});
    }
  }
  if (objective.goal && !std::isfinite(*objective.goal)) {
    errors.push_back({"spec.objective.goal", "must be a finite number"});
  }
  for (size_t i = 0; i < objective.metric_strategies.size(); ++i) {
    const MetricStrategy& strategy = objective.metric_strategies[i];
    std::string path = IndexPath("spec.objective.metricStrategies", i);
    if (strategy.name.empty()) errors.push_back({ChildPath(path, "name"), "must be specified"});
    if (strategy.value != katib::kStrategyMin && strategy.value != katib::kStrategyMax &&
        strategy.value != katib::kStrategyLatest) {
      errors.push_back({ChildPath(path, "value"),
                        (strategy.value.empty() ? std::string("must be specified")
                                                : "\"" + strategy.value + "\" is invalid") +
                            ": must be min, max or latest"});
    }
  }
}

void ValidateAlgorithm(const ExperimentSpec& spec, FieldErrors& errors) {
  if (!spec.algorithm) {
    errors.push_back({"spec.algorithm", "must be specified"});
    return;
  }
  const std::string& name = spec.algorithm->algorithm_name;
  const auto& known = KnownAlgorithmNames();
  if (name.empty()) {
    errors.push_back(
        {"spec.algorithm.algorithmName", "must be specified (one of " + JoinNames(known) + ")"});
  } else if (IsNasAlgorithm(name)) {
    errors.push_back({"spec.algorithm.algorithmName",
                      "\"" + name +
                          "\" is a neural architecture search algorithm; tuneup does not run "
                          "NAS experiments"});
  } else if (std::find(known.begin(), known.end(), name) == known.end()) {
    errors.push_back({"spec.algorithm.algorithmName",
                      "unknown algorithm \"" + name + "\": must be one of " + JoinNames(known)});
  }
  const auto& settings = spec.algorithm->algorithm_settings;
  for (size_t i = 0; i < settings.size(); ++i) {
    if (settings[i].name.empty()) {
      errors.push_back(
          {IndexPath("spec.algorithm.algorithmSettings", i) + ".name", "must be specified"});
    }
  }
}

void ValidateEarlyStopping(const ExperimentSpec& spec, FieldErrors& errors) {
  if (!spec.early_stopping) return;
  const std::string& name = spec.early_stopping->algorithm_name;
  const auto& known = KnownEarlyStoppingNames();
  if (name.empty()) {
    errors.push_back({"spec.earlyStopping.algorithmName",
                      "must be specified (one of " + JoinNames(known) + ")"});
  } else if (std::find(known.begin(), known.end(), name) == known.end()) {
    errors.push_back(
        {"spec.earlyStopping.algorithmName",
         "unknown early stopping algorithm \"" + name + "\": must be one of " + JoinNames(known)});
  }
  const auto& settings = spec.early_stopping->algorithm_settings;
  for (size_t i = 0; i < settings.size(); ++i) {
    if (settings[i].name.empty()) {
      errors.push_back(
          {IndexPath("spec.earlyStopping.algorithmSettings", i) + ".name", "must be specified"});
    }
  }
}

void ValidateResumePolicy(const ExperimentSpec& spec, FieldErrors& errors) {
  const std::string& policy = spec.resume_policy;
  if (policy.empty() || policy == katib::kResumeNever || policy == katib::kResumeLongRunning ||
      policy == katib::kResumeFromVolume) {
    return;
  }
  errors.push_back({"spec.resumePolicy",
                    "\"" + policy + "\" is invalid: must be Never, LongRunning or FromVolume"});
}

void ValidateSearchSpaceKind(const ExperimentSpec& spec, FieldErrors& errors) {
  if (spec.nas_config) {
    errors.push_back({"spec.nasConfig",
                      "neural architecture search is not supported by tuneup; tune "
                      "spec.parameters instead"});
    if (!spec.parameters.empty()) {
      errors.push_back({"spec", "only one of spec.parameters and spec.nasConfig can be specified"});
    }
  } else if (spec.parameters.empty()) {
    errors.push_back({"spec.parameters", "must be specified: at least one parameter to tune"});
  }
}

}  // namespace

const std::vector<std::string>& KnownAlgorithmNames() {
  static const std::vector<std::string> names{"random",    "grid",  "bayesianoptimization",
                                              "hyperband", "tpe",   "multivariate-tpe",
                                              "cmaes",     "sobol", "pbt",
                                              "enas",      "darts", "asha"};
  return names;
}

bool IsNasAlgorithm(std::string_view name) {
  return name == "enas" || name == "darts";
}

const std::vector<std::string>& KnownEarlyStoppingNames() {
  static const std::vector<std::string> names{"medianstop", "successivehalving"};
  return names;
}

FieldErrors ValidateExperiment(const Experiment& experiment) {
  FieldErrors errors;
  ValidateName(experiment, errors);
  {
    FieldErrors reported_below;  // the annotations are validated on their own
    const CvSettings cv = ReadTuneupSettings(experiment, reported_below).cv;
    ValidateCounts(experiment.spec, cv.folds > 0 ? cv.folds * cv.repeats : 1, errors);
  }
  ValidateObjective(experiment.spec, errors);
  ValidateAlgorithm(experiment.spec, errors);
  ValidateEarlyStopping(experiment.spec, errors);
  ValidateResumePolicy(experiment.spec, errors);
  ValidateTrialTemplate(experiment, errors);
  ValidateSearchSpaceKind(experiment.spec, errors);
  ValidateParameters(experiment.spec, errors);
  ValidateMetricsCollector(experiment.spec, errors);
  ReadTuneupSettings(experiment, errors);
  return errors;
}

}  // namespace tuneup

namespace tuneup {

void ValidateParameters(const ExperimentSpec& spec, FieldErrors& errors) {
  // Parsing the search space is the validation: it names every bound that cannot be used.
  SearchSpace::FromSpec(spec, errors);
}

}  // namespace tuneup
