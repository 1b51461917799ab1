#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/trial_collector.h"

#include "common/error.h"
#include "controller/collector_kinds.h"
#include "metrics-collector/text_parser.h"

namespace tuneup {

namespace {

TrialMetricsOptions MetricsOptions(const CollectorContext& context) {
  TrialMetricsOptions options;
  options.max_observations = context.options.max_observations;
  options.warn = context.warn;
  return options;
}

std::string Kind(const Experiment& experiment) {
  const auto& mc = experiment.spec.metrics_collector_spec;
  return mc && mc->collector ? mc->collector->kind : katib::kCollectorStdOut;
}

// Katib's StdOut collector: stdout (source 0) and stderr (source 1), each with its own parser so
// that lines interleaved between them never merge.
class StdOutCollector : public TrialCollector {
 public:
  explicit StdOutCollector(const CollectorContext& context)
      : TrialCollector(context, Parsers(context)) {}

  void OnOutput(OutputStream stream, std::string_view bytes) override {
    Feed(stream == OutputStream::kStdout ? 0 : 1, bytes);
  }

 private:
  static std::vector<std::unique_ptr<MetricParser>> Parsers(const CollectorContext& context) {
    std::vector<std::unique_ptr<MetricParser>> parsers;
    parsers.push_back(MakeTextParser(context));
    parsers.push_back(MakeTextParser(context));
    return parsers;
  }
};

}  // namespace

std::unique_ptr<TrialCollector> MakeStdOutCollector(const CollectorContext& context) {
  return std::make_unique<StdOutCollector>(context);
}

bool CollectorRereadsFromStart(const Experiment& experiment) {
  const std::string kind = Kind(experiment);
  return kind == katib::kCollectorStdOut || kind == katib::kCollectorFile ||
         kind == katib::kCollectorTfEvent;
}

std::unique_ptr<TrialCollector> TrialCollector::Make(const CollectorContext& context) {
  const std::string kind = Kind(*context.experiment);
  if (kind == katib::kCollectorStdOut) return MakeStdOutCollector(context);
  if (kind == katib::kCollectorFile) return MakeFileCollector(context);
  if (kind == katib::kCollectorCustom) return MakeCustomCollector(context);
  if (kind == katib::kCollectorTfEvent) return MakeTfEventCollector(context);
  if (kind == katib::kCollectorPrometheus) return MakePrometheusCollector(context);
  if (kind == katib::kCollectorPush || kind == katib::kCollectorNone)
    return MakePushCollector(context);
  throw Error(ErrorCode::kInvalidArgument,
              "spec.metricsCollectorSpec.collector.kind: tuneup cannot run the " + kind +
                  " metrics collector yet");
}

TrialCollector::TrialCollector(CollectorContext context,
                               std::vector<std::unique_ptr<MetricParser>> parsers)
    : context_(std::move(context)),
      metrics_(std::make_unique<TrialMetrics>(std::move(parsers), MetricsOptions(context_))) {}

void TrialCollector::Prepare(TrialJob& job) {
  (void)job;
}

void TrialCollector::OnOutput(OutputStream stream, std::string_view bytes) {
  (void)stream;  // the trial's output is the collector's source only for StdOut
  (void)bytes;
}

void TrialCollector::Finish(const JobResult& result, const std::function<void()>& done) {
  (void)result;
  metrics_->Finish(Now());
  done();
}

std::string TrialCollector::MissingObjectiveMessage() const {
  return "exited 0 without reporting the objective metric \"" +
         context_.experiment->spec.objective->objective_metric_name + "\"";
}

std::unique_ptr<MetricParser> TrialCollector::MakeTextParser(const CollectorContext& context) {
  const auto& mc = context.experiment->spec.metrics_collector_spec;
  TextParserOptions options;
  options.metric_names = MetricNames(*context.experiment->spec.objective);
  if (mc && mc->source && mc->source->filter) options.filters = mc->source->filter->metrics_format;
  options.max_line_bytes = context.options.max_line_bytes;
  options.warn = context.warn;
  return MakeTextMetricParser(std::move(options));
}

void TrialCollector::Feed(size_t source, std::string_view bytes) {
  if (metrics_->Feed(source, bytes, Now()) && context_.on_observations) context_.on_observations();
}

void TrialCollector::Add(std::vector<Observation> observations, bool already_stored) {
  if (metrics_->Add(std::move(observations), already_stored) && context_.on_observations)
    context_.on_observations();
}

}  // namespace tuneup
