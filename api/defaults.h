// Katib's defaulting webhook (experiment_defaults.go), applied before validation and before an
// experiment is stored, so a manifest that omits a field behaves as it would in Katib.
#pragma once

#include "api/experiment.h"

namespace tuneup {

inline constexpr int32_t kDefaultParallelTrialCount = 3;

// Fills in what Katib fills in:
//  - spec.parallelTrialCount: 3;  spec.resumePolicy: Never;
//  - objective.metricStrategies: one per metric (objective and additional) not already listed,
//    min for minimize, max for maximize, latest when the type is unknown;
//  - trialTemplate success/failure conditions for batch/v1 Job and Kubeflow training jobs
//    (TFJob, PyTorchJob, XGBoostJob, MPIJob, TrainJob) and their primaryPodLabels;
//  - metricsCollectorSpec: collector StdOut; for File, TensorFlowEvent and PrometheusMetric the
//    source defaults (paths, format TEXT, kind, port 8080, path /metrics);
//  - every parameter's feasibleSpace.distribution: uniform.
// Idempotent.
void ApplyKatibDefaults(Experiment& experiment);

}  // namespace tuneup
