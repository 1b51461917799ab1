// Katib's trial template language: `${trialParameters.NAME}` placeholders and
// `${trialSpec.Name}`-style references to trial metadata.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"

namespace tuneup {

// Every `${trialParameters.NAME}` occurrence in `text`, in order (NAME as written, may repeat).
std::vector<std::string> FindParameterPlaceholders(std::string_view text);

// "${trialParameters.lr}" for "lr".
std::string ParameterPlaceholder(std::string_view name);

// A trialParameters[].reference to trial metadata: `${trialSpec.Name}`, `${trialSpec.Namespace}`,
// `${trialSpec.Kind}`, `${trialSpec.APIVersion}`, `${trialSpec.Labels[key]}`,
// `${trialSpec.Annotations[key]}`. `key` is the metadata key, `index` the label/annotation name.
struct MetadataReference {
  std::string key;
  std::string index;
};

// The metadata reference in `reference`, or nullopt when it refers to a search parameter.
std::optional<MetadataReference> ParseMetadataReference(std::string_view reference);

// The containers list of a batch/v1 Job trialSpec (spec.template.spec.containers), or nullptr.
const Json* JobContainers(const Json& trial_spec);

// The container named `name` in a batch/v1 Job trialSpec, or nullptr.
const Json* FindJobContainer(const Json& trial_spec, const std::string& name);

// True when `trial_spec` is a batch/v1 Job.
bool IsBatchJob(const Json& trial_spec);

// `kind` and `apiVersion` of a trialSpec ("" when absent).
std::string TrialSpecKind(const Json& trial_spec);
std::string TrialSpecApiVersion(const Json& trial_spec);

}  // namespace tuneup
