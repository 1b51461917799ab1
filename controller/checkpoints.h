// Checkpoint directories: how a promoted trial continues where an earlier trial stopped.
//
// Katib's Hyperband retrains a promoted configuration from scratch. tuneup gives every trial a
// checkpoint directory of its own, `<trial dir>/checkpoint`, named by the environment variable
// TUNEUP_CHECKPOINT_DIR. A trial labelled kResumeFromLabel (Hyperband and ASHA promotions) starts
// with a copy of that earlier trial's checkpoint directory, and TUNEUP_RESUME_FROM names the
// earlier trial. A trainer that saves its state there and loads it when present trains only the
// extra budget; one that ignores the variable trains from scratch, as under Katib.
//
// The copy is the trial's own: the trainer may overwrite it in place without touching the earlier
// trial's files (so one checkpoint can seed several trials). A re-run of a trial starts again
// from the earlier trial's checkpoint, never from a half-written one of the interrupted attempt.
#pragma once

#include <filesystem>
#include <string>

#include "api/trial.h"

namespace tuneup {

// `trial_dir`/checkpoint.
std::filesystem::path CheckpointDir(const std::filesystem::path& trial_dir);

// Creates the checkpoint directory of `trial` under `trials_root`/<trial name>: empty, or, when
// the trial is labelled kResumeFromLabel, a copy of that trial's checkpoint directory (empty if
// the earlier trial saved nothing). The copy is made beside the target and renamed into place, so
// the directory is either complete or absent. Throws Error(kIo) naming the path and the system
// error when the directory cannot be made or copied, and Error(kInvalidArgument) when the label is
// not a plain trial name (a label is data: it may not point outside `trials_root`).
// With `job_subdir` (a cross-validated trial's fold job, "fold-3"), the directory is
// `trials_root`/<trial name>/`job_subdir`/checkpoint and the copy comes from the same job of the
// earlier trial.
void PrepareCheckpointDir(const std::filesystem::path& trials_root, const Trial& trial,
                          const std::string& job_subdir = "");

}  // namespace tuneup
