// What one DBManager request may hold. A request beyond these is refused as INVALID_ARGUMENT
// naming the field, before anything is stored.
#pragma once

#include <cstddef>

namespace tuneup {

struct DbManagerLimits {
  // Trial and metric names, in bytes: the size of Katib's VARCHAR(255) name columns.
  size_t max_name_bytes = 255;
  // Metric logs in one ReportObservationLog. Katib's collectors send a trial's whole log at once
  // when it ends: 1,000,000 values is ten times tuneup's default per-attempt limit.
  size_t max_metric_logs = 1'000'000;
};

}  // namespace tuneup
