// A trial's own copy of the metrics collector's path, on the local executor.
//
// In Katib each trial is a pod with its own filesystem, so a manifest's absolute
// `metricsCollectorSpec.source.fileSystemPath.path` (e.g. /var/log/katib/metrics.log) is private
// to the trial. Local trials run side by side on one filesystem, so tuneup gives each trial its
// own copy of that path inside the trial's directory, `<trial dir>/collector/<path without its
// leading '/'>`, and rewrites every occurrence of the declared path in the job's argv and env
// values to it (an occurrence is the whole path: not preceded by a file name character or '/',
// and followed by the end, '/' or a character that cannot continue a file name, so /tmp/tb never
// rewrites /tmp/tb2 or a/tmp/tb, but does rewrite --logdir=/tmp/tb/run1). A trainer called with
// `--log=/var/log/katib/metrics.log` then writes to its own file, and parallel trials never share
// one.
#pragma once

#include <filesystem>
#include <optional>
#include <string>

#include "api/experiment.h"
#include "controller/executor.h"

namespace tuneup {

struct CollectorPath {
  std::string declared;  // as in the manifest
  std::string local;     // the trial's own copy
  bool directory = false;

  // "/var/log/katib/metrics.log (this trial's copy: <trial dir>/collector/var/...)", for messages.
  std::string Describe() const { return declared + " (this trial's copy: " + local + ")"; }
};

// The collector path of `experiment` for the trial in `trial_dir`; nullopt when its collector
// reads no file (StdOut, Push, ...).
std::optional<CollectorPath> LocalCollectorPath(const Experiment& experiment,
                                                const std::filesystem::path& trial_dir);

// Rewrites the declared path to the local one in `job`'s argv and in the env values of the
// container (not tuneup's own TUNEUP_* variables), and creates the
// local path's parent directory (the directory itself for kind Directory), so a trainer that
// opens the file without creating directories works as in its pod. Throws Error(kIo) naming the
// path when the directory cannot be made, Error(kInvalidArgument) when the declared path is "/".
void UseLocalCollectorPath(TrialJob& job, const CollectorPath& path);

}  // namespace tuneup
