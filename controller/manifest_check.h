// From a manifest file to an experiment tuneup will run, or the reasons it will not.
#pragma once

#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/manifest.h"
#include "common/error.h"
#include "suggestion/registry.h"

namespace tuneup {

struct ManifestCheck {
  Experiment experiment;  // with Katib's defaults applied
  std::string source;     // file name, with the document number when there are several
  std::string directory;  // the manifest's directory
  // Why the manifest is invalid: Katib would reject it, or it asks for something tuneup never
  // does (neural architecture search). Empty when valid.
  FieldErrors errors;
  // Why a valid manifest cannot run on this machine (yet): an algorithm tuneup does not run yet,
  // a trial kind that needs Kubernetes, a ConfigMap template... Each names its field.
  FieldErrors unsupported;
  // Valid, but probably not what was meant (e.g. Hyperband budgets outside the resource
  // parameter's feasibleSpace). Shown, never fatal.
  FieldErrors warnings;

  bool valid() const { return errors.empty(); }
  bool runnable() const { return errors.empty() && unsupported.empty(); }
};

// Reads, defaults and checks every Experiment in `path`. Throws Error(kIo) when the file cannot
// be read and Error(kInvalidArgument) on a YAML/JSON syntax error (with line and column).
std::vector<ManifestCheck> CheckManifestFile(const std::string& path,
                                             const AlgorithmRegistry& registry);

// Defaults and checks one loaded document.
ManifestCheck CheckExperiment(LoadedExperiment loaded, const AlgorithmRegistry& registry);

// What keeps a valid experiment from running with the local executor.
FieldErrors FindLocallyUnsupported(const Experiment& experiment, const AlgorithmRegistry& registry);

}  // namespace tuneup
