#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <filesystem>
#include <optional>

#include <boost/asio/steady_timer.hpp>

#include "common/error.h"
#include "controller/collector_kinds.h"
#include "controller/collector_path.h"

namespace tuneup {

namespace {

// Katib's Custom collector: the user's own collector process beside the trial, whose stdout is
// parsed like a StdOut collector's.
class CustomCollector : public TrialCollector {
 public:
  explicit CustomCollector(const CollectorContext& context)
      : TrialCollector(context, Parsers(context)), grace_timer_(*context.io) {}

  ~CustomCollector() override {
    if (running_) context_.executor->Kill(job_.trial);  // its end is no longer awaited
  }

  void Prepare(TrialJob& job) override {
    const Json& container =
        *context_.experiment->spec.metrics_collector_spec->collector->custom_collector;
    job_ = RenderCustomCollectorJob(context_.request, container);
    if (auto path = LocalCollectorPath(*context_.experiment, context_.request.trial_dir)) {
      UseLocalCollectorPath(job, *path);
      UseLocalCollectorPath(job_, *path);
    }
    std::error_code ec;
    std::filesystem::create_directories(job_.trial_dir, ec);
    if (ec) {
      throw Error(ErrorCode::kIo, "cannot create " + job_.trial_dir + ": " + ec.message());
    }
  }

  void Start() override {
    running_ = true;
    std::weak_ptr<bool> alive = alive_;
    context_.executor->Launch(
        job_, JobCallbacks{[this, alive](OutputStream stream, std::string_view bytes) {
                             if (alive.lock() && stream == OutputStream::kStdout) Feed(0, bytes);
                           },
                           [this, alive](const JobResult& result) {
                             if (alive.lock()) OnCollectorExit(result);
                           }});
  }

  void Finish(const JobResult& result, const std::function<void()>& done) override {
    if (!running_) {
      TrialCollector::Finish(result, done);
      return;
    }
    done_ = done;
    if (result.kind == JobResult::Kind::kLaunchFailed) {
      context_.executor->Kill(job_.trial);  // there is nothing for it to collect
      return;
    }
    grace_timer_.expires_after(context_.options.custom_grace);
    grace_timer_.async_wait([this](const boost::system::error_code& error) {
      if (!error && running_) context_.executor->Kill(job_.trial);
    });
  }

  std::string MissingObjectiveMessage() const override {
    const std::string& metric = context_.experiment->spec.objective->objective_metric_name;
    if (!launch_error_.empty()) {
      return "exited 0, but its Custom metrics collector could not start: " + launch_error_;
    }
    return "exited 0, but its Custom metrics collector (" + job_.argv.front() +
           ") printed no value of the objective metric \"" + metric + "\"";
  }

 private:
  static std::vector<std::unique_ptr<MetricParser>> Parsers(const CollectorContext& context) {
    std::vector<std::unique_ptr<MetricParser>> parsers;
    parsers.push_back(MakeTextParser(context));
    return parsers;
  }

  void OnCollectorExit(const JobResult& result) {
    running_ = false;
    grace_timer_.cancel();
    if (result.kind == JobResult::Kind::kLaunchFailed) {
      launch_error_ = result.message;
      Warn("the Custom metrics collector could not start: " + result.message);
    } else if (!result.succeeded() && result.kind != JobResult::Kind::kKilled) {
      Warn("the Custom metrics collector ended badly: " + result.message +
           " (its output: " + job_.trial_dir + "/stderr.log)");
    }
    if (done_) {
      metrics_->Finish(Now());
      std::exchange(done_, nullptr)();
    }
  }

  void Warn(const std::string& message) {
    if (context_.warn) context_.warn(message);
  }

  TrialJob job_;
  boost::asio::steady_timer grace_timer_;
  bool running_ = false;
  std::string launch_error_;
  std::function<void()> done_;  // set while the trial has ended and the collector runs on
  // Executor callbacks may come after this collector is gone; they check this first.
  std::shared_ptr<bool> alive_ = std::make_shared<bool>(true);
};

}  // namespace

std::unique_ptr<TrialCollector> MakeCustomCollector(const CollectorContext& context) {
  return std::make_unique<CustomCollector>(context);
}

}  // namespace tuneup
