#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "common/error.h"
#include "controller/collector_kinds.h"
#include "controller/collector_port.h"
#include "metrics-collector/prometheus_scraper.h"

namespace tuneup {

namespace {

// Katib's httpGet.port: an integer, or a string holding one (validation has checked it).
uint16_t DeclaredPort(const HttpGetAction& http) {
  if (http.port.is_number_integer()) return static_cast<uint16_t>(http.port.get<int64_t>());
  if (http.port.is_string()) return static_cast<uint16_t>(std::stoi(http.port.get<std::string>()));
  return 8080;
}

// Katib's PrometheusMetric collector: the trial's metrics endpoint, on the trial's own port
// (controller/collector_port.h), scraped while it runs.
class PrometheusCollector : public TrialCollector {
 public:
  explicit PrometheusCollector(const CollectorContext& context)
      : TrialCollector(context, {}), options_(ScraperOptions(context)) {
    if (auto problem = CheckPrometheusScraperOptions(options_)) {
      throw Error(ErrorCode::kInvalidArgument,
                  "spec.metricsCollectorSpec.source.httpGet: " + *problem);
    }
  }

  void Prepare(TrialJob& job) override {
    const uint16_t declared = options_.port;
    options_.port = PickFreeLocalPort();
    UseLocalPort(job, declared, options_.port);
  }

  void Start() override {
    scraper_ = std::make_unique<PrometheusScraper>(
        *context_.io, options_, *context_.clock,
        // The scraper belongs to this collector and calls nothing once destroyed.
        [this](std::vector<Observation> observations) {
          Add(std::move(observations), /*already_stored=*/false);
        },
        context_.warn);
  }

  void Finish(const JobResult& result, const std::function<void()>& done) override {
    if (scraper_) scraper_->Finish();  // the trial's server has ended with it
    TrialCollector::Finish(result, done);
  }

  std::string MissingObjectiveMessage() const override {
    if (scraper_ && scraper_->stats().successes == 0)
      return "exited 0, but " + scraper_->NeverSucceededReason();
    return TrialCollector::MissingObjectiveMessage() + " at " +
           (scraper_ ? scraper_->url() : std::string("its metrics endpoint"));
  }

 private:
  static PrometheusScraperOptions ScraperOptions(const CollectorContext& context) {
    PrometheusScraperOptions options = PrometheusOptionsFor(*context.experiment);
    options.interval = context.options.poll_interval;
    options.max_line_bytes = context.options.max_line_bytes;
    return options;
  }

  PrometheusScraperOptions options_;
  std::unique_ptr<PrometheusScraper> scraper_;
};

}  // namespace

PrometheusScraperOptions PrometheusOptionsFor(const Experiment& experiment) {
  const ExperimentSpec& spec = experiment.spec;
  const HttpGetAction& http = *spec.metrics_collector_spec->source->http_get;
  PrometheusScraperOptions options;
  if (!http.scheme.empty()) options.scheme = http.scheme;
  options.port = DeclaredPort(http);
  options.path = http.path;
  if (http.http_headers.is_array()) {
    for (const auto& header : http.http_headers) {
      if (header.is_object())
        options.headers.emplace_back(header.value("name", ""), header.value("value", ""));
    }
  }
  options.metric_names = MetricNames(*spec.objective);
  return options;
}

std::unique_ptr<TrialCollector> MakePrometheusCollector(const CollectorContext& context) {
  return std::make_unique<PrometheusCollector>(context);
}

}  // namespace tuneup
