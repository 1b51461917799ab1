#include "bench/metrics_inputs.h"

#include <cmath>
#include <cstdio>
#include <ctime>

#include "common/text.h"

namespace tuneup::bench {

std::string TrainingLog(size_t bytes) {
  std::string log;
  for (int i = 0; log.size() < bytes; ++i) {
    std::string line;
    if (i % 10 == 9) {
      line = "2026-11-23T08:32:00Z epoch=" + std::to_string(i / 10) + " step=" + std::to_string(i) +
             " loss=0." + std::to_string(1000 + i % 8999) + " accuracy=0." +
             std::to_string(5000 + i % 4999);
    } else {
      line = "INFO:root:batch " + std::to_string(i) +
             "/100000 processed, data loader queue depth 12, lr warmup phase";
    }
    line.resize(79, ' ');
    log += line;
    log += '\n';
  }
  return log;
}

std::string MetricsJsonLines(size_t bytes) {
  // 2026-11-23T08:32:00Z; line i is i seconds (and i microseconds, so that the fraction varies)
  // later.
  constexpr long kStart = 1'795'422'720;
  std::string out;
  for (long i = 0; out.size() < bytes; ++i) {
    const double loss = 2.0 * std::exp(-static_cast<double>(i % 5000) / 700.0) + 0.05;
    const double accuracy = 1.0 - 0.9 * std::exp(-static_cast<double>(i % 5000) / 900.0);
    const std::time_t seconds = kStart + i;
    std::tm utc{};
    gmtime_r(&seconds, &utc);
    char time[96];
    std::snprintf(time, sizeof time, "%04d-%02d-%02dT%02d:%02d:%02d.%06ld+00:00",
                  utc.tm_year + 1900, utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min,
                  utc.tm_sec, i % 1'000'000);
    char accuracy_text[32];
    std::snprintf(accuracy_text, sizeof accuracy_text, "%.6f", accuracy);
    out += "{\"epoch\": " + std::to_string(i) + ", \"loss\": " + FormatDouble(loss) +
           ", \"accuracy\": \"" + accuracy_text + "\", \"timestamp\": \"" + time + "\"}\n";
  }
  return out;
}

}  // namespace tuneup::bench
