#include "tests/support/e2e_run.h"

namespace tuneup::testing {

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// A YAML double-quoted scalar holding exactly `value`.
std::string YamlQuote(const std::string& value) {
  std::string quoted = "\"";
  for (char c : value) {
    switch (c) {
      case '"':
        quoted += "\\\"";
        break;
      case '\\':
        quoted += "\\\\";
        break;
      case '\n':
        quoted += "\\n";
        break;
      default:
        quoted += c;
    }
  }
  return quoted + "\"";
}

std::string Yaml(const Manifest& m) {
  std::string yaml =
      "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata:\n  name: " + m.name +
      "\nspec:\n  objective:\n    type: " + m.type + "\n";
  if (m.goal) yaml += "    goal: " + *m.goal + "\n";
  yaml += "    objectiveMetricName: loss\n  algorithm:\n    algorithmName: " + m.algorithm + "\n";
  if (m.algorithm == "random") {
    yaml += "    algorithmSettings:\n      - {name: random_state, value: \"7\"}\n";
  }
  yaml += "  parallelTrialCount: " + std::to_string(m.parallel) + "\n";
  if (m.max_trials) yaml += "  maxTrialCount: " + std::to_string(*m.max_trials) + "\n";
  if (m.max_failed) yaml += "  maxFailedTrialCount: " + std::to_string(*m.max_failed) + "\n";
  if (m.resume_policy) yaml += "  resumePolicy: " + *m.resume_policy + "\n";
  yaml += m.collector;
  yaml += "  parameters:\n" + m.parameters;
  yaml += R"(  trialTemplate:
    primaryContainerName: main
    trialParameters:
)" + m.trial_parameters;
  yaml += R"(    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: docker.io/library/busybox
                workingDir: .
                command: [)";
  for (size_t i = 0; i < m.command.size(); ++i) {
    yaml += (i ? ", " : "") + YamlQuote(m.command[i]);
  }
  yaml += "]\n            restartPolicy: Never\n";
  return yaml;
}

}  // namespace tuneup::testing
