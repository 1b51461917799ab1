// Katib's observation-log messages and the Store's observations: what a DBManager request may
// hold and how it maps onto a trial's observations, as Katib's DBManager
// (pkg/db/v1beta1/{mysql,postgres}) reads and writes them. No gRPC and no SQL here.
//
// Every check throws Error(kInvalidArgument) with the request field it is about:
// "observation_log.metric_logs[3].metric.value: ...", "start_time: ...".
#pragma once

#include <string_view>
#include <vector>

#include "api/trial.h"
#include "db/store.h"
#include "rpc/dbmanager_limits.h"
#include "rpc/katib_api.pb.h"

namespace tuneup {

namespace katib_pb = ::api::v1::beta1;

// Checks a request's trial_name: not empty, not longer than limits.max_name_bytes.
void CheckTrialName(std::string_view name, const DbManagerLimits& limits);

// The observations `log` reports, in its order. As in Katib, an entry with an empty time_stamp
// is skipped. Refused: more entries than limits.max_metric_logs, an entry without a metric, a
// metric name that is empty or too long, a value that is not a finite number (Katib's values
// are text; tuneup stores numbers), a time_stamp that ParseKatibTime does not take.
std::vector<Observation> ObservationsFromLog(const katib_pb::ObservationLog& log,
                                             const DbManagerLimits& limits);

// The store query for a GetObservationLogRequest: the trial's current attempt, metric_name
// (empty: all), and start_time / end_time as inclusive bounds (empty: unbounded), as in Katib.
// Refused: a metric name that is too long, a bound that ParseKatibTime does not take, a
// start_time after the end_time.
ObservationFilter FilterFromRequest(const katib_pb::GetObservationLogRequest& request,
                                    const DbManagerLimits& limits);

// Writes `observations` into `log` as Katib returns them: ordered by time (Katib's ORDER BY
// time; equal times stay in report order), values as the shortest text that reads back exactly
// ("0.5", not "0.50"), times as FormatKatibTime.
void FillLog(std::vector<Observation> observations, katib_pb::ObservationLog* log);

}  // namespace tuneup
