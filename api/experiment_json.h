// The JSON form of an Experiment, both ways.
#pragma once

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

// Reads an Experiment from a parsed manifest document. Structural problems (a field of the wrong
// type, an unknown field, a wrong apiVersion or kind) are appended to `errors`, each naming its
// field; the returned Experiment holds everything that could be read. A `status` section (as in
// `kubectl get -o yaml` output) is accepted and ignored: status is tuneup's to compute.
Experiment ExperimentFromJson(const Json& document, FieldErrors& errors);

// The manifest form of `experiment` (camelCase fields, empty fields omitted, keys sorted), so two
// experiments with the same content always serialise to the same text.
Json ExperimentToJson(const Experiment& experiment);

}  // namespace tuneup
