// How one attempt of a trial gets its metrics to tuneup: Katib's metrics collectors
// (spec.metricsCollectorSpec.collector.kind), run on this machine beside the trial's job.
//
//   StdOut      the job's stdout and stderr, with the TEXT parser (Katib's filters).
//   File        the file at source.fileSystemPath.path (the trial's own copy of it,
//               controller/collector_path.h), followed while the trial runs; TEXT or JSON.
//   TensorFlowEvent   every TensorFlow event file below source.fileSystemPath (kind Directory;
//               the trial's own copy), followed while the trial runs; Katib's tag matching.
//   PrometheusMetric  the trial's metrics endpoint (source.httpGet: port, path, headers) on the
//               trial's own port (controller/collector_port.h), scraped every poll_interval.
//   Custom      collector.customCollector's command, started beside the trial (before it, so it
//               sees everything); its stdout is read as StdOut. When the trial's job ends it may
//               run on for `custom_grace` to report what it read last, then it is stopped
//               (SIGTERM, then SIGKILL after the executor's grace period).
//   Push, None  nothing is read: the trial stores its own observations (`tuneup report`, which
//               finds the trial and the store through KATIB_TRIAL_NAME and TUNEUP_DB). They are
//               read back from the store while the trial runs, so progress and early stopping
//               see them live.
//
// Every collector keeps at most max_observations per attempt (later ones are dropped with one
// warning) and reports what it skipped through the context's warn sink.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/experiment.h"
#include "common/clock.h"
#include "controller/executor.h"
#include "controller/trial_job.h"
#include "db/store.h"
#include "metrics-collector/metric_parser.h"
#include "metrics-collector/trial_metrics.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct CollectorOptions {
  size_t max_line_bytes = 1 << 20;
  // How often files are read, endpoints scraped, and the store asked for pushed observations.
  std::chrono::milliseconds poll_interval{200};
  int64_t max_observations = 100'000;
  // How long a Custom collector may run on after its trial's job has ended.
  std::chrono::milliseconds custom_grace{5000};
};

// What a collector works with; everything outlives the collector.
struct CollectorContext {
  boost::asio::io_context* io = nullptr;
  Executor* executor = nullptr;  // runs Custom collectors
  Store* store = nullptr;        // where Push trials write
  const Clock* clock = nullptr;
  const Experiment* experiment = nullptr;
  // The trial's job as rendered (before Prepare), for the trial's name, attempt and directory.
  RenderRequest request;
  int attempt = 0;
  CollectorOptions options;
  WarningSink warn;
  // Called (on the loop) when new observations wait in metrics().
  std::function<void()> on_observations;
};

// Whether the experiment's collector reads sources that keep everything a trial reported (its
// output, its metrics files, its event files): a new collector for a trial adopted after a
// controller restart then finds every observation again, in the same order, from the first.
// (Prometheus scrapes and pushed values are gone once taken.)
bool CollectorRereadsFromStart(const Experiment& experiment);

class TrialCollector {
 public:
  // The collector of the experiment's kind. Throws Error(kInvalidArgument) for one that cannot
  // run here (an unknown kind, a Custom collector without a command).
  static std::unique_ptr<TrialCollector> Make(const CollectorContext& context);

  virtual ~TrialCollector() = default;
  TrialCollector(const TrialCollector&) = delete;
  TrialCollector& operator=(const TrialCollector&) = delete;

  // Adjusts the trial's job before it is launched (the trial's own collector path). Throws
  // Error naming the path when it cannot be prepared.
  virtual void Prepare(TrialJob& job);
  // Starts collecting; called just before the trial's job is launched.
  virtual void Start() {}
  // Output of the trial's job.
  virtual void OnOutput(OutputStream stream, std::string_view bytes);
  // The trial's job has ended (`result`): collects what is left, then calls `done` exactly once,
  // at once or later (a Custom collector still running). Nothing is collected after `done`.
  virtual void Finish(const JobResult& result, const std::function<void()>& done);

  // What the trial reported so far.
  TrialMetrics& metrics() { return *metrics_; }

  // Why a trial that exited 0 has no objective value, for its MetricsUnavailable message.
  virtual std::string MissingObjectiveMessage() const;

 protected:
  TrialCollector(CollectorContext context, std::vector<std::unique_ptr<MetricParser>> parsers);

  // A TEXT parser, with the manifest's filters, of the experiment's metrics (StdOut, Custom).
  static std::unique_ptr<MetricParser> MakeTextParser(const CollectorContext& context);
  // Parses `bytes` of source `source`, and says so when they held observations.
  void Feed(size_t source, std::string_view bytes);
  // Observations parsed elsewhere (metrics().Add), and says so when any was kept.
  void Add(std::vector<Observation> observations, bool already_stored);
  Timestamp Now() const { return context_.clock->Now(); }

  CollectorContext context_;
  std::unique_ptr<TrialMetrics> metrics_;
};

}  // namespace tuneup
