// Katib's api.v1.beta1 messages (rpc/katib_api.proto) as tuneup's types, for the services that
// take an experiment and its trials in the request (Suggestion, EarlyStopping). Katib's
// controller sends what its webhook accepted, but a request is input from outside: every value
// is checked, and a bad one throws Error(kInvalidArgument) naming the field as the request spells
// it ("experiment.spec.parameter_specs.parameters[1].parameter_type: ...").
#pragma once

#include <vector>

#include "api/experiment.h"
#include "api/trial.h"
#include "rpc/katib_api.pb.h"

namespace tuneup {

// The experiment's name and spec (parameters, objective, algorithm, early stopping, counts),
// Katib's defaults applied. The search space itself is checked when an algorithm is made from it.
Experiment ExperimentFromProto(const ::api::v1::beta1::Experiment& proto);

// The trials, in the order given: name, assignment, labels, status (Katib's condition) and the
// objective, which Katib's controller sends as the observation's value of the objective metric.
std::vector<Trial> TrialsFromProto(
    const google::protobuf::RepeatedPtrField<::api::v1::beta1::Trial>& trials,
    const Experiment& experiment);

}  // namespace tuneup
