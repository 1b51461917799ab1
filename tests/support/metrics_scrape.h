// One scrape of a Prometheus endpoint, as a Prometheus server makes it: an HTTP GET over a real
// socket (metrics-collector/http_get.h), the body read as the text exposition format
// (metrics-collector/prometheus_parser.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "metrics-collector/prometheus_parser.h"

namespace tuneup::testing {

struct MetricsScrape {
  std::string error;  // why the scrape failed ("" when it got a 200)
  std::string body;
  std::vector<PrometheusSample> samples;
  std::vector<std::string> warnings;  // lines the parser could not read

  // The value of the series `name` with exactly `labels` (sorted by name); nullopt when absent.
  std::optional<double> Value(const std::string& name, PrometheusLabels labels = {}) const;
  // Whether any series is named `name`.
  bool Has(const std::string& name) const;
};

// GET http://127.0.0.1:`port``path`, with a 10 s deadline.
MetricsScrape ScrapeMetrics(int port, const std::string& path = "/metrics");

}  // namespace tuneup::testing
