#include "tests/support/stored_experiments.h"

#include <stdexcept>

#include "api/manifest.h"
#include "controller/manifest_check.h"
#include "suggestion/registry.h"
#include "tests/support/runner_fixture.h"

namespace tuneup::testing {

void StoreExperiment(Store& store, const std::string& name, ExperimentState state,
                     const std::vector<TrialStatus>& statuses, Timestamp at) {
  auto loaded = LoadManifestText(Yaml(Spec{}), "stored.yaml", "/tmp");
  ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
  if (!check.runnable()) throw std::runtime_error("the runner fixture's manifest is not runnable");
  ExperimentRecord record{check.experiment, ExperimentStatus{}, at};
  record.experiment.metadata.name = name;
  record.status.state = state;
  if (IsFinished(state)) record.status.completion_time = at;
  store.CreateExperiment(record);
  std::vector<Trial> trials;
  for (size_t i = 0; i < statuses.size(); ++i) {
    Trial trial;
    trial.name = name + "-" + std::to_string(i);
    trial.experiment = name;
    trial.sequence = static_cast<int64_t>(i);
    trial.assignment = {{"x", "0.5"}};
    trial.status = statuses[i];
    trial.created_at = at;
    trials.push_back(std::move(trial));
  }
  store.CreateTrials(trials);
}

}  // namespace tuneup::testing
