#include "tests/support/e2e_run.h"

#include <sstream>

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
      "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata:\n  name: " + m.name + "\n" +
      (m.annotations.empty() ? "" : "  annotations:\n" + m.annotations) +
      "spec:\n  objective:\n    type: " + m.type + "\n";
  if (m.goal) yaml += "    goal: " + *m.goal + "\n";
  yaml += "    objectiveMetricName: loss\n";
  if (!m.additional_metrics.empty()) {
    yaml += "    additionalMetricNames:\n";
    for (const auto& name : m.additional_metrics)
      yaml += "      - " + name + "\n";
  }
  yaml += "  algorithm:\n    algorithmName: " + m.algorithm + "\n";
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

std::string LoggingTrialScript(int lines) {
  return R"(job="$KATIB_TRIAL_NAME${TUNEUP_FOLD:+-fold-$TUNEUP_FOLD}"
echo "start $job $$" >> trials.log
i=0
while [ $i -lt )" +
         std::to_string(lines) +
         R"( ]; do
  sleep 0.$(( ($$ + i) % 3 + 1 ))
  echo "loss=$1"
  i=$((i + 1))
done
echo "end $job" >> trials.log
)";
}

std::map<std::string, TrialRuns> ReadTrialRuns(const std::string& log) {
  std::map<std::string, TrialRuns> runs;
  std::istringstream lines(log);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::string word, trial;
    words >> word >> trial;
    if (word == "start") ++runs[trial].starts;
    if (word == "end") ++runs[trial].ends;
  }
  return runs;
}

}  // namespace tuneup::testing
