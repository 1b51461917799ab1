// Turning an experiment's trialTemplate and one assignment into the job of a trial.
#pragma once

#include <string>

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
// set in the request, TUNEUP_CHECKPOINT_DIR and TUNEUP_RESUME_FROM.
// Throws Error(kInvalidArgument) when the template cannot be rendered (a reference with no
// value, no primary container, no command).
TrialJob RenderTrialJob(const RenderRequest& request);

}  // namespace tuneup
