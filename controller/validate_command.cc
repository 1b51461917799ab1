#include <ostream>

#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/manifest_check.h"

namespace tuneup {

namespace {

std::string Summary(const Experiment& experiment) {
  const ExperimentSpec& spec = experiment.spec;
  std::string text = "experiment \"" + experiment.metadata.name + "\" (";
  if (spec.algorithm) text += "algorithm " + spec.algorithm->algorithm_name + ", ";
  text += std::to_string(spec.parameters.size()) + " parameter" +
          (spec.parameters.size() == 1 ? "" : "s");
  if (spec.objective) {
    text += ", " + spec.objective->type + " " + spec.objective->objective_metric_name;
  }
  text += ", maxTrialCount " +
          (spec.max_trial_count ? std::to_string(*spec.max_trial_count) : std::string("unset"));
  text += ", parallelTrialCount " + std::to_string(spec.parallel_trial_count.value_or(0)) + ")";
  return text;
}

}  // namespace

int ValidateCommand(const std::vector<std::string>& files, std::ostream& out, std::ostream& err) {
  const AlgorithmRegistry& registry = AlgorithmRegistry::Default();
  bool all_valid = true;
  for (const auto& file : files) {
    std::vector<ManifestCheck> checks;
    try {
      checks = CheckManifestFile(file, registry);
    } catch (const Error& e) {
      err << e.what() << "\n";
      all_valid = false;
      continue;
    }
    if (checks.empty()) {
      err << file << ": no Experiment in this file\n";
      all_valid = false;
    }
    for (const auto& check : checks) {
      if (!check.valid()) {
        all_valid = false;
        err << check.source << ": invalid (" << check.errors.size() << " problem"
            << (check.errors.size() == 1 ? "" : "s") << ")\n";
        for (const auto& error : check.errors)
          err << "  " << error.ToString() << "\n";
        continue;
      }
      out << check.source << ": valid: " << Summary(check.experiment) << "\n";
      for (const auto& warning : check.warnings)
        out << "  warning: " << warning.ToString() << "\n";
      if (!check.unsupported.empty()) {
        out << "  but `tuneup run` cannot run it here:\n";
        for (const auto& problem : check.unsupported)
          out << "    " << problem.ToString() << "\n";
      }
    }
  }
  return all_valid ? kExitOk : kExitFailed;
}

}  // namespace tuneup
