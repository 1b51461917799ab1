#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <optional>

#include "controller/collector_kinds.h"
#include "controller/collector_path.h"
#include "metrics-collector/event_directory_follower.h"

namespace tuneup {

namespace {

// Katib's TensorFlowEvent collector: the trial's own copy of the event directory, followed while
// it runs (every event file below it, each with its own parser).
class TfEventCollector : public TrialCollector {
 public:
  explicit TfEventCollector(const CollectorContext& context) : TrialCollector(context, {}) {}

  void Prepare(TrialJob& job) override {
    path_ = LocalCollectorPath(*context_.experiment, context_.request.trial_dir);
    if (path_) UseLocalCollectorPath(job, *path_);
  }

  void Start() override {
    if (!path_) return;
    EventDirectoryFollowerOptions options;
    options.path = path_->local;
    options.declared_path = path_->declared;
    options.metric_names = MetricNames(*context_.experiment->spec.objective);
    options.poll_interval = context_.options.poll_interval;
    // The follower belongs to this collector and calls nothing once destroyed.
    follower_ = std::make_unique<EventDirectoryFollower>(
        *context_.io, options, *context_.clock,
        [this](std::vector<Observation> observations) {
          Add(std::move(observations), /*already_stored=*/false);
        },
        context_.warn);
  }

  void Finish(const JobResult& result, const std::function<void()>& done) override {
    if (follower_) follower_->Finish();  // the last records the trial wrote
    TrialCollector::Finish(result, done);
  }

  std::string MissingObjectiveMessage() const override {
    if (follower_ && !follower_->appeared()) {
      return "exited 0, but the event directory " + path_->Describe() + " never appeared";
    }
    if (follower_ && follower_->files().empty()) {
      return "exited 0, but no TensorFlow event file (a name with \"tfevents\") appeared in " +
             path_->Describe();
    }
    return TrialCollector::MissingObjectiveMessage() + " in the tags of its event files";
  }

 private:
  std::optional<CollectorPath> path_;
  std::unique_ptr<EventDirectoryFollower> follower_;
};

}  // namespace

std::unique_ptr<TrialCollector> MakeTfEventCollector(const CollectorContext& context) {
  return std::make_unique<TfEventCollector>(context);
}

}  // namespace tuneup
