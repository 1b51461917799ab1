// Katib's PrometheusMetric collector, the scraping half: while a trial runs, its metrics endpoint
// (metricsCollectorSpec.source.httpGet; Katib's defaults are port 8080 and path /metrics) is
// fetched every `interval` and read as metrics-collector/prometheus_parser.h describes.
//
// Scrapes run on the event loop, one at a time: the first at once, each next one `interval` after
// the previous one started (or as soon as it ends, when it took longer). Each is a fresh HTTP/1.1
// GET asking for the text format (no compression, no TLS: only scheme HTTP is supported) that
// must finish within `timeout` and whose body may not exceed max_body_bytes.
//
// What a scrape can end in:
//  - Connection refused: nothing listens yet (the trial's server starts some time after its
//    process) or any more. Not a warning; retried at the next interval, and counted.
//  - A timeout, another connection error, a status other than 200, a compressed body or one over
//    max_body_bytes: a warning naming the URL; the scrape's data, if any, is dropped.
//  - 200 with a readable body: a success. Every matched metric whose value, or explicit
//    timestamp, differs from what the last scrape that had it said is passed on (the first scrape
//    that has a metric always passes it on): a series that stays put is stored once, not once per
//    interval. Garbage lines, ambiguity and non-finite values are warned about and skipped.
// Warnings are limited (WarningLimiter), and a warning that the previous scrape also gave (the
// same 404, the same garbage line) is not repeated.
//
// After the trial, stats() tells whether any scrape succeeded; NeverSucceededReason() says why
// not, for the trial's message.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/trial.h"
#include "common/clock.h"
#include "metrics-collector/metric_parser.h"

namespace tuneup {

struct PrometheusScraperOptions {
  // Katib's httpGet.scheme: HTTP (or empty) only.
  std::string scheme = "HTTP";
  std::string host = "127.0.0.1";
  uint16_t port = 8080;
  std::string path = "/metrics";
  // Katib's httpGet.httpHeaders, sent with every scrape.
  std::vector<std::pair<std::string, std::string>> headers;
  // The metric names to collect: the objective first, then the additional metrics. A name may be
  // a series selector such as loss{phase="val"} (see prometheus_parser.h).
  std::vector<std::string> metric_names;
  std::chrono::milliseconds interval{1000};
  std::chrono::milliseconds timeout{5000};
  size_t max_body_bytes = size_t{4} << 20;
  size_t max_line_bytes = size_t{64} << 10;
};

// Why `options` cannot be scraped ("scheme HTTPS is not supported: ..."), or nullopt when they
// can: a scheme other than HTTP, an empty host, port 0, a path that does not start with '/' or
// holds blanks or control characters, a header that is not a valid name/value pair, a metric name
// that is not a series name or selector, a zero interval or timeout.
std::optional<std::string> CheckPrometheusScraperOptions(const PrometheusScraperOptions& options);

// How the scrapes went so far.
struct PrometheusScrapeStats {
  int64_t attempts = 0;   // scrapes started
  int64_t successes = 0;  // 200 responses read whole (whatever metrics they held)
  int64_t refused = 0;    // connections refused: nothing listened
  // Why the latest scrape that failed otherwise than by a refusal failed: HTTP 404 "Not Found",
  // no complete response within 5000 ms, ... Empty when none has.
  std::string last_failure;
};

class PrometheusScraper {
 public:
  using ObservationsSink = std::function<void(std::vector<Observation> observations)>;

  // Starts scraping on `io` (the first scrape at its next turn). `on_observations` gets each
  // scrape's new observations (never an empty list), `warn` each warning; both run on `io`.
  // Observations without a timestamp of their own are dated by `clock` when the response arrives.
  // Throws Error(kUnsupported) for scheme HTTPS and Error(kInvalidArgument) for the other
  // problems CheckPrometheusScraperOptions names.
  PrometheusScraper(boost::asio::io_context& io, PrometheusScraperOptions options,
                    const Clock& clock, ObservationsSink on_observations, WarningSink warn);
  // Stops at once; no callback runs after destruction.
  ~PrometheusScraper();
  PrometheusScraper(const PrometheusScraper&) = delete;
  PrometheusScraper& operator=(const PrometheusScraper&) = delete;

  // Stops at once: no more scrapes, the one in flight (if any) is abandoned, no more callbacks.
  void Finish();

  // Stops after one last scrape (or, when one is in flight, after that one), then calls `done` on
  // `io`, at most options.timeout from now (at its next turn when already finished). The trial's
  // server has usually exited with it by then, so this last attempt is usually refused and the last
  // values are the last ones scraped while the trial ran; it helps when the server outlives the
  // trial's process (a sidecar, another host).
  void FinishAfterLastScrape(std::function<void()> done);

  // "http://127.0.0.1:8080/metrics".
  const std::string& url() const;
  const PrometheusScrapeStats& stats() const;

  // Why no scrape succeeded, for a trial's message: "no scrape of http://127.0.0.1:8080/metrics
  // succeeded (12 attempts, all refused: nothing listened there)" or "... (12 attempts; last
  // failure: HTTP 404 "Not Found")". Meant for when stats().successes is 0.
  std::string NeverSucceededReason() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tuneup
