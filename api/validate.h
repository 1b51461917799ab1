// Katib's admission rules for Experiments, plus the checks Katib defers to run time.
//
// ValidateExperiment implements every rule of Katib's validating webhook
// (pkg/webhook/v1beta1/experiment/validator) and adds the ones Katib only discovers when a trial
// or a suggestion fails (unparseable min/max, min > max, a parameter no trial uses, a filter
// that is not a valid regular expression...), so such a manifest is rejected up front with the
// field named. Every problem is reported, not only the first.
//
// Algorithm settings are not checked here (they belong to each algorithm: see
// suggestion/registry.h); whether tuneup can *run* a valid experiment is a separate question
// (controller/manifest_check.h).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

// Every algorithm name Katib knows, in Katib's spelling, and tuneup's own additions (asha).
const std::vector<std::string>& KnownAlgorithmNames();
// The neural architecture search algorithms among them (tuneup never runs these).
bool IsNasAlgorithm(std::string_view name);
// Every early-stopping algorithm Katib knows (medianstop) and tuneup's own (successivehalving).
const std::vector<std::string>& KnownEarlyStoppingNames();

// Checks `experiment` (after ApplyKatibDefaults) against Katib's rules. Empty when valid.
FieldErrors ValidateExperiment(const Experiment& experiment);

// The parts, for callers and tests that need one rule set.
void ValidateParameters(const ExperimentSpec& spec, FieldErrors& errors);
void ValidateTrialTemplate(const Experiment& experiment, FieldErrors& errors);
void ValidateMetricsCollector(const ExperimentSpec& spec, FieldErrors& errors);

}  // namespace tuneup
