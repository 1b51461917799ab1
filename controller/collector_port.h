// A trial's own port for the PrometheusMetric collector, on the local executor.
//
// In Katib each trial is a pod with its own network namespace, so the manifest's
// `metricsCollectorSpec.source.httpGet.port` (Katib's default 8080) is private to the trial.
// Local trials share this machine's ports, so tuneup gives each trial a free port of its own
// (TUNEUP_METRICS_PORT) and rewrites every whole occurrence of the declared port in the job's argv
// and container env values to it: a value that is the port ("8080"), or holds it after '=' or ':'
// and before the end or a '/' ("--port=8080", "0.0.0.0:8080", "http://localhost:8080/metrics").
// Other numbers are left alone ("18080", "8080.5", "--epochs=80800"). The free port is found by
// binding 127.0.0.1:0 and released before the trial starts, so another process could take it in
// between; then the trial cannot listen and its scrapes fail, naming the URL.
#pragma once

#include <cstdint>

#include "controller/executor.h"

namespace tuneup {

// A TCP port nothing listens on now. Throws Error(kIo) when none can be found.
uint16_t PickFreeLocalPort();

// Rewrites `declared` to `local` in `job`'s argv and in the env values of the container (not
// tuneup's own TUNEUP_* variables), and adds TUNEUP_METRICS_PORT=`local`.
void UseLocalPort(TrialJob& job, uint16_t declared, uint16_t local);

}  // namespace tuneup
