#include "metrics-collector/tfevent_parser.h"

#include <google/protobuf/io/coded_stream.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <optional>
#include <utility>

#include "common/text.h"
#include "metrics-collector/line_reader.h"
#include "metrics-collector/tensorflow_event.pb.h"
#include "metrics-collector/tfevent_scalar.h"
#include "metrics-collector/tfrecord_reader.h"

namespace tuneup {
namespace {

// Seconds since the epoch beyond which a number cannot be a time (year 2286 and later).
constexpr double kLatestUnixSeconds = 1e10;

// Calls on_value with the bytes of each Summary.value in the serialized Summary `summary`, in
// order, without parsing them. False when `summary` is not a valid protocol buffer (values
// before the damage have been passed on by then).
template <typename OnValue>
bool ForEachSummaryValue(std::string_view summary, OnValue&& on_value) {
  constexpr uint32_t kValueField = 1;
  google::protobuf::io::CodedInputStream input(reinterpret_cast<const uint8_t*>(summary.data()),
                                               static_cast<int>(summary.size()));
  while (true) {
    const uint32_t tag = input.ReadTag();
    if (tag == 0) return input.ConsumedEntireMessage();
    if ((tag >> 3) == 0) return false;
    uint64_t skipped = 0;
    uint32_t skipped32 = 0;
    switch (tag & 7) {
      case 0:
        if (!input.ReadVarint64(&skipped)) return false;
        break;
      case 1:
        if (!input.ReadLittleEndian64(&skipped)) return false;
        break;
      case 5:
        if (!input.ReadLittleEndian32(&skipped32)) return false;
        break;
      case 2: {
        uint32_t length = 0;
        if (!input.ReadVarint32(&length)) return false;
        const int start = input.CurrentPosition();
        if (!input.Skip(static_cast<int>(length))) return false;
        if ((tag >> 3) == kValueField) on_value(summary.substr(static_cast<size_t>(start), length));
        break;
      }
      default:  // groups: obsolete, and never in event files
        return false;
    }
  }
}

class TfEventMetricParser final : public MetricParser {
 public:
  explicit TfEventMetricParser(TfEventParserOptions options)
      : directory_(std::move(options.directory)),
        max_tensor_bytes_(options.max_tensor_bytes),
        warnings_(std::move(options.warn)),
        records_(TfRecordReaderOptions{options.max_record_bytes}, warnings_) {
    for (auto& name : options.metric_names) {
      if (!name.empty()) names_.push_back(std::move(name));
    }
  }

  void Feed(std::string_view bytes, Timestamp now, std::vector<Observation>& out) override {
    records_.Feed(
        bytes, [&](std::string_view data, uint64_t offset) { ReadEvent(data, offset, now, out); });
  }

  void Finish(Timestamp, std::vector<Observation>&) override { records_.Finish(); }

 private:
  // What the warnings about one event say first.
  struct Context {
    uint64_t offset;
    std::optional<int64_t> step;  // once the record has parsed as an Event
  };

  void ReadEvent(std::string_view record, uint64_t offset, Timestamp now,
                 std::vector<Observation>& out) {
    tfevent::EventHead event;
    if (!event.ParseFromArray(record.data(), static_cast<int>(record.size()))) {
      Warn({offset, std::nullopt}, "", "not an Event; skipped");
      return;
    }
    if (event.summary().empty()) return;  // file_version, graphs, session logs
    const Context context{offset, event.step()};
    std::optional<Timestamp> time;  // read once the event turns out to hold a metric value
    const bool valid = ForEachSummaryValue(event.summary(), [&](std::string_view bytes) {
      const std::optional<double> number = ReadValue(bytes, context);
      if (!number) return;
      if (!time) time = EventTime(event.wall_time(), context, now);
      for (const std::string* name : matched_)
        out.push_back(Observation{*name, *number, *time});
    });
    if (!valid) Warn(context, "", "the summary is not a valid Summary; the rest of it is skipped");
  }

  // The finite number of a value whose tag matches metrics (then listed in matched_), if any.
  std::optional<double> ReadValue(std::string_view bytes, const Context& context) {
    tfevent::SummaryValueHead value;
    if (!value.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
      Warn(context, "", "a summary value is not valid; skipped");
      return std::nullopt;
    }
    const bool tensor = value.value_case() == tfevent::SummaryValueHead::kTensor;
    if (!tensor && value.value_case() != tfevent::SummaryValueHead::kSimpleValue)
      return std::nullopt;  // a histogram, an image, audio: not metric values
    // Old writers named tensor summaries by node only; TensorBoard reads that name as the tag.
    const std::string& tag = tensor && value.tag().empty() ? value.node_name() : value.tag();
    matched_.clear();
    for (const auto& name : names_) {
      if (KatibTagMatches(name, tag, directory_)) matched_.push_back(&name);
    }
    if (matched_.empty()) return std::nullopt;

    const std::optional<double> number = tensor ? ReadTensor(value.tensor(), context, tag)
                                                : std::optional<double>(value.simple_value());
    if (number && !std::isfinite(*number)) {
      Warn(context, tag, "value " + FormatDouble(*number) + " is not a finite number; skipped");
      return std::nullopt;
    }
    return number;
  }

  std::optional<double> ReadTensor(const std::string& bytes, const Context& context,
                                   const std::string& tag) {
    if (bytes.size() > max_tensor_bytes_) {
      Warn(context, tag,
           "a tensor of " + std::to_string(bytes.size()) + " bytes, too large to be a scalar");
      return std::nullopt;
    }
    tfevent::TensorProto proto;
    if (!proto.ParseFromString(bytes)) {
      Warn(context, tag, "the tensor is not a valid TensorProto; skipped");
      return std::nullopt;
    }
    TensorScalar scalar = ReadTensorScalar(proto);
    if (!scalar.value) Warn(context, tag, scalar.problem + "; skipped");
    return scalar.value;
  }

  Timestamp EventTime(double wall_time, const Context& context, Timestamp now) {
    if (wall_time == 0) return now;  // not set
    if (!std::isfinite(wall_time) || wall_time < 0 || wall_time >= kLatestUnixSeconds) {
      Warn(context, "",
           "wall_time " + FormatDouble(wall_time) + " is not a time; using the arrival time");
      return now;
    }
    // Whole seconds and fraction apart: the fraction is exact, and a microsecond is as fine as
    // a double near 1.7e9 can tell (its steps are 0.24 microseconds).
    const double seconds = std::floor(wall_time);
    return Timestamp(std::chrono::seconds(static_cast<int64_t>(seconds))) +
           std::chrono::microseconds(std::llround((wall_time - seconds) * 1e6));
  }

  // "record at offset 120 (step 3), tag \"loss\": <message>"
  void Warn(const Context& context, std::string_view tag, const std::string& message) {
    if (!warnings_.Allowed()) return;
    std::string text = "record at offset " + std::to_string(context.offset);
    if (context.step) text += " (step " + std::to_string(*context.step) + ")";
    if (!tag.empty()) text += ", tag " + QuoteUntrusted(tag);
    warnings_.Emit(text + ": " + message);
  }

  std::vector<std::string> names_;
  const std::string directory_;
  const size_t max_tensor_bytes_;
  WarningLimiter warnings_;
  TfRecordReader records_;
  std::vector<const std::string*> matched_;  // reused from value to value
};

}  // namespace

bool KatibTagMatches(std::string_view metric, std::string_view tag, std::string_view directory) {
  const size_t slash = metric.rfind('/');
  if (slash == std::string_view::npos) return tag.starts_with(metric);
  if (!tag.starts_with(metric.substr(slash + 1))) return false;
  // Python's os.path.dirname: up to the last '/', without trailing '/'s unless that is all.
  std::string_view parent = metric.substr(0, slash + 1);
  if (const size_t end = parent.find_last_not_of('/'); end != std::string_view::npos)
    parent = parent.substr(0, end + 1);
  return directory.ends_with(parent);
}

std::unique_ptr<MetricParser> MakeTfEventMetricParser(TfEventParserOptions options) {
  return std::make_unique<TfEventMetricParser>(std::move(options));
}

}  // namespace tuneup
