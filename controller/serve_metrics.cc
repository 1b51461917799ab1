#include "controller/serve_metrics.h"

#include <functional>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include <prometheus/collectable.h>
#include <prometheus/counter.h>
#include <prometheus/exposer.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/metric_family.h>
#include <prometheus/registry.h>

#include "common/error.h"
#include "controller/state_census.h"

namespace tuneup {

namespace prom = prometheus;

namespace {

constexpr TrialStatus kFinalStatuses[] = {TrialStatus::kSucceeded, TrialStatus::kFailed,
                                          TrialStatus::kKilled, TrialStatus::kEarlyStopped,
                                          TrialStatus::kMetricsUnavailable};

// From a random draw (tens of microseconds) to a Bayesian optimisation over a long history
// (seconds).
const prom::Histogram::BucketBoundaries& SuggestionBuckets() {
  static const prom::Histogram::BucketBoundaries buckets = {
      0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
      0.1,    0.25,    0.5,    1,     2.5,    5,     10,   30,    60};
  return buckets;
}

// HOST:PORT with a port number and a host of letters, digits, dots and dashes. Anything else
// civetweb would read its own way (a list of ports, a TLS "s" suffix, an IPv6 address this
// build cannot serve), so it is refused here.
void CheckAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  const std::string_view host = std::string_view(address).substr(0, colon);
  const std::string_view port =
      colon == std::string::npos ? "" : std::string_view(address).substr(colon + 1);
  bool valid = colon != std::string::npos && !host.empty() && !port.empty() && port.size() <= 5 &&
               port.find_first_not_of("0123456789") == std::string::npos &&
               host.find_first_not_of(
                   "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                   "0123456789.-") == std::string::npos;
  if (valid && std::stoi(std::string(port)) > 65535) valid = false;
  if (!valid) {
    throw Error(ErrorCode::kInvalidArgument,
                "--metrics-listen \"" + address +
                    "\": not HOST:PORT with an IPv4 address or host name and a port from 0 to "
                    "65535 (e.g. 127.0.0.1:9090)");
  }
}

// The algorithms' times from one source, each algorithm's histogram looked up once.
class SuggestionTimes final : public SuggestionObserver {
 public:
  SuggestionTimes(prom::Family<prom::Histogram>& family, std::string source)
      : family_(family), source_(std::move(source)) {}

  void OnSuggested(std::string_view algorithm, std::chrono::nanoseconds took) override {
    prom::Histogram* histogram = nullptr;
    {
      std::lock_guard lock(mutex_);
      auto it = by_algorithm_.find(algorithm);
      if (it == by_algorithm_.end()) {
        prom::Histogram& added = family_.Add(
            {{"algorithm", std::string(algorithm)}, {"source", source_}}, SuggestionBuckets());
        it = by_algorithm_.emplace(std::string(algorithm), &added).first;
      }
      histogram = it->second;
    }
    histogram->Observe(std::chrono::duration<double>(took).count());
  }

 private:
  prom::Family<prom::Histogram>& family_;
  const std::string source_;
  std::mutex mutex_;
  std::map<std::string, prom::Histogram*, std::less<>> by_algorithm_;
};

// Trials started and finished, counted as the runners report them.
class TrialCounter final : public RunObserver {
 public:
  explicit TrialCounter(prom::Registry& registry)
      : started_(prom::BuildCounter()
                     .Name("tuneup_trials_started_total")
                     .Help("Trial jobs started, or adopted after a restart, by this server")
                     .Register(registry)
                     .Add({})) {
    auto& finished = prom::BuildCounter()
                         .Name("tuneup_trials_finished_total")
                         .Help("Trials that ended in this server, by final status")
                         .Register(registry);
    // Every status from the start, so that rate() sees the first one.
    for (TrialStatus status : kFinalStatuses)
      finished_[status] = &finished.Add({{"status", std::string(TrialStatusName(status))}});
  }

  void OnTrialStarted(const Trial& /*trial*/) override { started_.Increment(); }
  void OnTrialFinished(const Trial& trial) override {
    // An interrupted or preempted trial is back to Pending: it has not finished.
    auto it = finished_.find(trial.status);
    if (it != finished_.end()) it->second->Increment();
  }

 private:
  prom::Counter& started_;
  std::map<TrialStatus, prom::Counter*> finished_;  // fixed after construction: read-only
};

prom::MetricFamily Gauges(std::string name, std::string help) {
  prom::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = prom::MetricType::Gauge;
  return family;
}

void AddGauge(prom::MetricFamily& family, double value,
              std::vector<prom::ClientMetric::Label> labels = {}) {
  prom::ClientMetric metric;
  metric.label = std::move(labels);
  metric.gauge.value = value;
  family.metric.push_back(std::move(metric));
}

// One gauge per key of `counts`, labelled state=name_of(key).
template <typename Key>
prom::MetricFamily GaugesByState(std::string name, std::string help,
                                 const std::map<Key, int64_t>& counts,
                                 std::string_view (*name_of)(Key)) {
  prom::MetricFamily family = Gauges(std::move(name), std::move(help));
  for (const auto& [key, count] : counts)
    AddGauge(family, static_cast<double>(count), {{"state", std::string(name_of(key))}});
  return family;
}

// The gauges computed at each scrape, one scrape at a time (the census and its store are not
// thread-safe, and concurrent scrapes would only read the same twice).
class ScrapeGauges final : public prom::Collectable {
 public:
  explicit ScrapeGauges(ServeMetricsSources sources)
      : sources_(std::move(sources)), census_(*sources_.store) {}

  std::vector<prom::MetricFamily> Collect() const override {
    std::lock_guard lock(mutex_);
    std::vector<prom::MetricFamily> families;
    CollectCensus(families);
    if (sources_.executor_load) {
      if (std::optional<ExecutorLoad> load = sources_.executor_load()) last_load_ = *load;
      prom::MetricFamily waiting = Gauges(
          "tuneup_executor_queue_depth",
          "Jobs handed to the executor that have not started to run yet (not released yet, or "
          "queued by the cluster)");
      AddGauge(waiting, static_cast<double>(last_load_.waiting));
      families.push_back(std::move(waiting));
      prom::MetricFamily running = Gauges("tuneup_executor_running_jobs",
                                          "Jobs the executor has started that have not ended");
      AddGauge(running, static_cast<double>(last_load_.running));
      families.push_back(std::move(running));
    }
    return families;
  }

 private:
  void CollectCensus(std::vector<prom::MetricFamily>& families) const {
    Census census;
    try {
      census = census_.Count();
    } catch (const std::exception&) {
      return;  // the store cannot be read now: no value rather than a wrong one
    }
    families.push_back(GaugesByState("tuneup_experiments", "Experiments in the store, by state",
                                     census.experiments, ExperimentStateName));
    families.push_back(GaugesByState("tuneup_trials",
                                     "Trials of the experiments in the store, by state",
                                     census.trials, TrialStatusName));
  }

  mutable std::mutex mutex_;
  ServeMetricsSources sources_;
  mutable StateCensus census_;
  mutable ExecutorLoad last_load_;
};

}  // namespace

struct ServeMetrics::Impl {
  explicit Impl(ServeMetricsSources sources)
      : registry(std::make_shared<prom::Registry>()),
        gauges(std::make_shared<ScrapeGauges>(std::move(sources))),
        suggestion_seconds(
            prom::BuildHistogram()
                .Name("tuneup_suggestion_seconds")
                .Help("Time an algorithm took to produce suggestions, by algorithm and caller "
                      "(controller: the experiments this server runs; grpc: Katib's Suggestion "
                      "service)")
                .Register(*registry)),
        controller(suggestion_seconds, "controller"),
        grpc(suggestion_seconds, "grpc"),
        trials(*registry) {}

  std::shared_ptr<prom::Registry> registry;
  std::shared_ptr<ScrapeGauges> gauges;
  prom::Family<prom::Histogram>& suggestion_seconds;
  SuggestionTimes controller;
  SuggestionTimes grpc;
  TrialCounter trials;
  // Last: destroyed first, so that no scrape runs while the rest goes.
  std::unique_ptr<prom::Exposer> exposer;
};

std::unique_ptr<ServeMetrics> ServeMetrics::Start(const std::string& address,
                                                  ServeMetricsSources sources) {
  CheckAddress(address);
  if (!sources.store) throw Error(ErrorCode::kInternal, "ServeMetrics: no store to read");
  auto impl = std::make_unique<Impl>(std::move(sources));
  try {
    impl->exposer = std::make_unique<prom::Exposer>(address);
  } catch (const std::exception&) {
    // civetweb says only "null context when constructing CivetServer": binding failed.
    throw Error(ErrorCode::kInvalidArgument,
                "--metrics-listen \"" + address +
                    "\": cannot listen there (the port is taken or the host is not an address "
                    "of this machine)");
  }
  impl->exposer->RegisterCollectable(impl->registry);
  impl->exposer->RegisterCollectable(impl->gauges);
  return std::unique_ptr<ServeMetrics>(new ServeMetrics(std::move(impl)));
}

ServeMetrics::ServeMetrics(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

ServeMetrics::~ServeMetrics() = default;

int ServeMetrics::port() const {
  const std::vector<int> ports = impl_->exposer->GetListeningPorts();
  return ports.empty() ? 0 : ports.front();
}

SuggestionObserver& ServeMetrics::controller_suggestions() {
  return impl_->controller;
}

SuggestionObserver& ServeMetrics::grpc_suggestions() {
  return impl_->grpc;
}

RunObserver& ServeMetrics::trial_counter() {
  return impl_->trials;
}

}  // namespace tuneup
