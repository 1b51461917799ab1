// Turning an experiment's trialTemplate and one assignment into the job of a trial.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "api/experiment.h"
#include "api/trial.h"
#include "controller/executor.h"

namespace tuneup {

struct RenderRequest {
  const Experiment* experiment = nullptr;
  std::string trial_name;
  const Assignment* assignment = nullptr;
  std::string trial_dir;     // absolute; becomes TUNEUP_TRIAL_DIR and the default working dir
  std::string manifest_dir;  // absolute; a relative workingDir is resolved against it
  // Optional (controller/checkpoints.h): absolute, becomes TUNEUP_CHECKPOINT_DIR; and the trial
  // whose checkpoint this one starts from, TUNEUP_RESUME_FROM.
  std::string checkpoint_dir = {};
  std::string resume_from = {};
  // Optional, for trials that report by themselves (`$TUNEUP_BINARY report loss=0.3`): the
  // store's location (TUNEUP_DB), the observation limit per trial (TUNEUP_MAX_OBSERVATIONS) and
  // the tuneup binary running the experiment (TUNEUP_BINARY).
  std::string store = {};
  int64_t max_observations = 0;
  std::string tuneup_binary = {};
  // Optional, for one job of a cross-validated trial (api/cross_validation.h): the job's name
  // (TrialJob::trial; default: trial_name), variables added after tuneup's own (TUNEUP_FOLD, ...),
  // and annotations added to the trialSpec's metadata, where ${trialSpec.Annotations[k]} finds
  // them (tuneup.dev/fold).
  std::string job_name = {};
  std::vector<std::pair<std::string, std::string>> extra_env = {};
  std::map<std::string, std::string> annotations = {};
};

// Renders the trial template of a batch/v1 Job for one trial, as Katib does:
//  - every `${trialParameters.NAME}` is replaced by the value its reference names: a search
//    parameter's value from the assignment, or trial metadata (${trialSpec.Name} = trial name,
//    Namespace, Kind, APIVersion, Labels[k] / Annotations[k] of the trialSpec);
//  - Kubernetes `$(VAR)` references in command, args and env values expand to the container's
//    env variables (`$$` is a literal `$`), exactly as the kubelet does;
// in one left-to-right pass over each string of the template, so a substituted value is never
// looked at again: a value such as `$(touch /x); rm -rf ~` reaches the trial as the literal text
// of one argv element. The job's argv is the primary container's command + args, its env the
// container's env after TUNEUP_TRIAL_DIR, TUNEUP_TRIAL_NAME, TUNEUP_EXPERIMENT_NAME,
// KATIB_TRIAL_NAME, PYTHONUNBUFFERED=1 (so Python trainers report metrics as they go) and, when
// set in the request, TUNEUP_CHECKPOINT_DIR, TUNEUP_RESUME_FROM, TUNEUP_DB,
// TUNEUP_MAX_OBSERVATIONS and TUNEUP_BINARY.
// Throws Error(kInvalidArgument) when the template cannot be rendered (a reference with no
// value, no primary container, no command).
TrialJob RenderTrialJob(const RenderRequest& request);

// The name of the job of a trial's Custom metrics collector: the trial's name and this suffix.
inline constexpr const char* kCustomCollectorSuffix = "/custom-collector";

// The job of the Custom metrics collector (metricsCollectorSpec.collector.customCollector, a
// Kubernetes container) that runs beside the trial of `request`: command + args with $(VAR)
// expanded from its own env (trial parameters are not substituted: in Katib the collector is
// not part of the trial template), tuneup's variables as for the trial followed by the
// container's env, the container's workingDir or else the trial's directory, and its own output
// directory <trial dir>/custom-collector. Throws Error(kInvalidArgument) when it has no command.
TrialJob RenderCustomCollectorJob(const RenderRequest& request, const Json& container);

}  // namespace tuneup
