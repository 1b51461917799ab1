// A trial's own port for the PrometheusMetric collector (controller/collector_port.h).
#include "controller/collector_port.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tuneup {
namespace {

TEST(CollectorPortTest, WholeOccurrencesOfTheDeclaredPortAreRewritten) {
  TrialJob job;
  job.argv = {"serve", "8080",         "--port=8080", "0.0.0.0:8080", "http://h:8080/metrics",
              "18080", "--port=80800", "8080.5",      "a8080",        "--epochs=8080x"};
  job.env = {{"TUNEUP_TRIAL_DIR", "/t/8080"}, {"PORT", "8080"}, {"ADDR", "localhost:8080"}};
  UseLocalPort(job, 8080, 41234);
  EXPECT_EQ(job.argv, (std::vector<std::string>{"serve", "41234", "--port=41234", "0.0.0.0:41234",
                                                "http://h:41234/metrics", "18080", "--port=80800",
                                                "8080.5", "a8080", "--epochs=8080x"}));
  std::map<std::string, std::string> env(job.env.begin(), job.env.end());
  EXPECT_EQ(env.at("TUNEUP_TRIAL_DIR"), "/t/8080");  // tuneup's own variables stay
  EXPECT_EQ(env.at("PORT"), "41234");
  EXPECT_EQ(env.at("ADDR"), "localhost:41234");
  EXPECT_EQ(env.at("TUNEUP_METRICS_PORT"), "41234");
}

TEST(CollectorPortTest, FreePortsAreUsablePorts) {
  const uint16_t a = PickFreeLocalPort();
  const uint16_t b = PickFreeLocalPort();
  EXPECT_GT(a, 0);
  EXPECT_GT(b, 0);
}

}  // namespace
}  // namespace tuneup
