#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <optional>

#include "controller/collector_kinds.h"
#include "controller/collector_path.h"
#include "metrics-collector/file_follower.h"
#include "metrics-collector/json_parser.h"

namespace tuneup {

namespace {

bool IsJson(const Experiment& experiment) {
  const auto& mc = experiment.spec.metrics_collector_spec;
  return mc && mc->source && mc->source->file_system_path &&
         mc->source->file_system_path->format == katib::kFormatJson;
}

// Katib's File collector: the trial's own copy of the metrics file, followed while it runs.
class FileCollector : public TrialCollector {
 public:
  explicit FileCollector(const CollectorContext& context)
      : TrialCollector(context, Parsers(context)) {}

  void Prepare(TrialJob& job) override {
    path_ = LocalCollectorPath(*context_.experiment, context_.request.trial_dir);
    if (path_) UseLocalCollectorPath(job, *path_);
  }

  void Start() override {
    if (!path_) return;
    FileFollowerOptions options;
    options.path = path_->local;
    options.poll_interval = context_.options.poll_interval;
    // The follower belongs to this collector and calls nothing once destroyed.
    follower_ = std::make_unique<FileFollower>(
        *context_.io, options, [this](std::string_view bytes) { Feed(0, bytes); }, context_.warn);
  }

  void Finish(const JobResult& result, const std::function<void()>& done) override {
    if (follower_) follower_->Finish();  // what the trial wrote last
    TrialCollector::Finish(result, done);
  }

  std::string MissingObjectiveMessage() const override {
    if (follower_ && !follower_->appeared()) {
      return "exited 0, but the metrics file " + path_->Describe() + " never appeared";
    }
    return TrialCollector::MissingObjectiveMessage();
  }

 private:
  static std::vector<std::unique_ptr<MetricParser>> Parsers(const CollectorContext& context) {
    std::vector<std::unique_ptr<MetricParser>> parsers;
    if (IsJson(*context.experiment)) {
      JsonParserOptions options;
      options.metric_names = MetricNames(*context.experiment->spec.objective);
      options.max_line_bytes = context.options.max_line_bytes;
      options.warn = context.warn;
      parsers.push_back(MakeJsonMetricParser(std::move(options)));
    } else {
      parsers.push_back(MakeTextParser(context));
    }
    return parsers;
  }

  std::optional<CollectorPath> path_;
  std::unique_ptr<FileFollower> follower_;
};

}  // namespace

std::unique_ptr<TrialCollector> MakeFileCollector(const CollectorContext& context) {
  return std::make_unique<FileCollector>(context);
}

}  // namespace tuneup
