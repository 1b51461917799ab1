// Reading Experiment manifests from files.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

// One Experiment document read from a manifest, with the structural problems found while reading
// it (fields of the wrong type, unknown fields). Semantic rules are checked by ValidateExperiment.
struct LoadedExperiment {
  Experiment experiment;
  FieldErrors errors;
  std::string source;     // "examples/x/experiment.yaml", with " (document N)" when there are several
  std::string directory;  // absolute directory of the manifest; relative workingDirs resolve here
};

// Reads every document of a YAML or JSON manifest. Throws Error(kIo) when the file cannot be read
// and Error(kInvalidArgument) with file:line:column on a syntax error. A duplicated key and nesting
// deeper than 200 levels are errors too (named with file:line:column in YAML, with the file in
// JSON). A file with no document returns an empty list.
std::vector<LoadedExperiment> LoadManifestFile(const std::string& path);

// The same for text already in memory; `source_name` is used in messages, `directory` is copied
// into the results.
std::vector<LoadedExperiment> LoadManifestText(std::string_view text, std::string_view source_name,
                                               const std::string& directory = "");

}  // namespace tuneup
