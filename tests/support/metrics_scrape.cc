#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "tests/support/metrics_scrape.h"

#include <algorithm>
#include <chrono>

#include <boost/asio/io_context.hpp>

#include "metrics-collector/http_get.h"

namespace tuneup::testing {

std::optional<double> MetricsScrape::Value(const std::string& name, PrometheusLabels labels) const {
  std::sort(labels.begin(), labels.end());
  for (const auto& sample : samples) {
    if (sample.name == name && sample.labels == labels) return sample.value;
  }
  return std::nullopt;
}

bool MetricsScrape::Has(const std::string& name) const {
  return std::any_of(samples.begin(), samples.end(),
                     [&](const PrometheusSample& sample) { return sample.name == name; });
}

MetricsScrape ScrapeMetrics(int port, const std::string& path) {
  boost::asio::io_context io;
  HttpGetRequest request;
  request.port = static_cast<uint16_t>(port);
  request.target = path;
  request.accept = "text/plain;version=0.0.4";
  request.timeout = std::chrono::seconds(10);
  HttpGetResult result;
  HttpGet get(io, request, [&](HttpGetResult done) { result = std::move(done); });
  io.run();
  MetricsScrape scrape;
  if (result.outcome != HttpGetResult::Outcome::kOk) {
    scrape.error =
        "no response: " + (result.error.empty()
                               ? "outcome " + std::to_string(static_cast<int>(result.outcome))
                               : result.error);
    return scrape;
  }
  if (result.status != 200) {
    scrape.error = "HTTP " + std::to_string(result.status) + " " + result.reason;
    return scrape;
  }
  scrape.body = std::move(result.body);
  WarningLimiter warnings([&](std::string_view message) { scrape.warnings.emplace_back(message); });
  scrape.samples = ParsePrometheusText(scrape.body, PrometheusTextOptions{}, warnings);
  return scrape;
}

}  // namespace tuneup::testing
