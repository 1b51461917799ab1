// A MetricParser under test: fed and finished at one fixed time, with what it found and every
// warning it gave kept for the test to look at. Each parser's test derives a Harness that makes
// the parser from its own options, passing CaptureWarnings() as their warning sink.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "metrics-collector/metric_parser.h"

namespace tuneup::testing {

class ParserHarness {
 public:
  using Values = std::vector<std::pair<std::string, double>>;

  explicit ParserHarness(Timestamp now) : now_(now) {}

  ParserHarness& Feed(std::string_view bytes) {
    parser->Feed(bytes, now_, observations);
    return *this;
  }
  ParserHarness& Finish() {
    parser->Finish(now_, observations);
    return *this;
  }
  // (metric, value) of every observation, in order.
  Values values() const {
    Values result;
    for (const auto& o : observations)
      result.emplace_back(o.metric, o.value);
    return result;
  }
  WarningSink CaptureWarnings() {
    return [this](std::string_view message) { warnings.emplace_back(message); };
  }

  std::unique_ptr<MetricParser> parser;
  std::vector<Observation> observations;
  std::vector<std::string> warnings;

 private:
  Timestamp now_;
};

}  // namespace tuneup::testing
