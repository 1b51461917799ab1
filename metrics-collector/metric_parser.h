// Turning a trial's output into observations.
//
// A MetricParser reads one source of a trial's output (its stdout, a metrics file, ...) as the
// bytes arrive, in pieces of any size, and emits an Observation for every metric value it finds.
// Parsers never trust their input: garbage, unparseable or non-finite values and over-long lines
// are skipped with a warning, never an exception, and memory stays bounded whatever the trial
// prints. One parser instance per source; not thread-safe.
#pragma once

#include <functional>
#include <string_view>
#include <vector>

#include "api/trial.h"
#include "common/clock.h"

namespace tuneup {

// Where parsers report what they skipped and why ("line 12: value \"nan\" of loss is not a
// finite number"). Must not throw.
using WarningSink = std::function<void(std::string_view message)>;

class MetricParser {
 public:
  virtual ~MetricParser() = default;

  // Consumes the next `bytes` of the source. `now` is when they arrived: the timestamp of every
  // observation that carries no timestamp of its own. Appends each complete observation to `out`.
  virtual void Feed(std::string_view bytes, Timestamp now, std::vector<Observation>& out) = 0;

  // The source has ended: parses what is still buffered (a last line without a newline).
  virtual void Finish(Timestamp now, std::vector<Observation>& out) = 0;
};

}  // namespace tuneup
