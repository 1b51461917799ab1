// Katib's TensorFlowEvent collector, for one event file: the TFRecord file of serialized Events
// that TensorBoard writers (tf.summary, tensorboardX, PyTorch's SummaryWriter) append to while a
// trial trains.
//
// Each summary value whose tag matches one of the experiment's metrics (KatibTagMatches) becomes
// an observation of that metric, one per matching metric, in the order of the file's records:
//  - a `simple_value` (old-style scalars, what tensorboardX's add_scalar writes), or
//  - a tensor holding one number (what TensorFlow 2's tf.summary.scalar writes; see
//    tfevent_scalar.h for the dtypes and shapes read).
// Histograms, images and audio are not metric values and are passed over, as Katib does. The
// time is the event's wall_time (seconds since the epoch, to the microsecond); an event
// without one (0) takes the time its bytes arrived. Observation has no step: the event's step
// appears in warnings only, and observations keep the file's order, whatever their steps.
//
// Untrusted input, as for the other collectors: damaged framing is handled by TfRecordReader
// (tfrecord_reader.h); a record that is not an Event, a summary that is not a Summary, and a
// matching value that is not a finite number (a text summary, a histogram tensor, NaN, ...) are
// skipped with a warning naming the record's offset, its step and the tag. Memory stays
// proportional to one record (max_record_bytes): a summary's values are read one at a time,
// and a tensor is decoded only when it is small enough to be a scalar's.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "metrics-collector/metric_parser.h"

namespace tuneup {

// Whether the value tagged `tag`, in an event file in `directory`, is a value of `metric`, by
// Katib's rule: the tag starts with the metric name's last '/'-separated part, and when the
// metric name has more than one part, `directory` ends with everything before its last '/'
// (compared as text, not as path components). So the metric `train/accuracy` takes the tags
// `accuracy` and `accuracy_top1` of files in `/logs/train` (and `/logs/pretrain`), but not of
// files in `/logs/validation`, nor the tag `train/accuracy`; the metric `accuracy` takes them
// in any directory. `directory` is the file's directory as the trial names it, without a
// trailing '/': "/var/log/katib/tfevent/train".
bool KatibTagMatches(std::string_view metric, std::string_view tag, std::string_view directory);

struct TfEventParserOptions {
  // The metric names to collect: the objective first, then the additional metrics.
  std::vector<std::string> metric_names;
  // The event file's directory, as KatibTagMatches takes it.
  std::string directory;
  // Longest record read; longer ones are skipped unread.
  size_t max_record_bytes = size_t{16} << 20;
  // Largest tensor decoded; larger ones cannot be scalars and are skipped with a warning.
  size_t max_tensor_bytes = size_t{64} << 10;
  WarningSink warn;
};

std::unique_ptr<MetricParser> MakeTfEventMetricParser(TfEventParserOptions options);

}  // namespace tuneup
