// ServeMetrics (controller/serve_metrics.h): `tuneup serve`'s /metrics, scraped over a real
// socket on 127.0.0.1 and read as Prometheus reads it.
#include "controller/serve_metrics.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "db/sqlite_store.h"
#include "tests/support/flaky_store.h"
#include "tests/support/metrics_scrape.h"
#include "tests/support/stored_experiments.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;

class ServeMetricsTest : public ::testing::Test {
 protected:
  ServeMetricsTest() : real_(dir_.Join("tuneup.db")) {}

  void Add(const std::string& name, ExperimentState state,
           const std::vector<TrialStatus>& statuses) {
    StoreExperiment(real_, name, state, statuses);
  }

  // Started on a free port of 127.0.0.1, reading real_ through a FlakyStore (flaky_).
  std::unique_ptr<ServeMetrics> Start(
      std::function<std::optional<ExecutorLoad>()> executor_load = {}) {
    auto flaky = std::make_unique<FlakyStore>(real_);
    flaky_ = flaky.get();
    ServeMetricsSources sources;
    sources.store = std::move(flaky);
    sources.executor_load = std::move(executor_load);
    return ServeMetrics::Start("127.0.0.1:0", std::move(sources));
  }

  static MetricsScrape Scrape(const ServeMetrics& metrics) {
    MetricsScrape scrape = ScrapeMetrics(metrics.port());
    EXPECT_EQ(scrape.error, "");
    EXPECT_TRUE(scrape.warnings.empty()) << scrape.warnings.front() << "\n" << scrape.body;
    return scrape;
  }

  TempDir dir_;
  SqliteStore real_;
  FlakyStore* flaky_ = nullptr;
};

TEST_F(ServeMetricsTest, ExposesEveryMetricWithHelpAndType) {
  Add("done", ExperimentState::kSucceeded,
      {TrialStatus::kSucceeded, TrialStatus::kSucceeded, TrialStatus::kFailed});
  Add("busy", ExperimentState::kRunning, {TrialStatus::kRunning, TrialStatus::kPending});
  auto metrics = Start([] { return ExecutorLoad{2, 3}; });
  ASSERT_GT(metrics->port(), 0);
  metrics->controller_suggestions().OnSuggested("random", 3ms);
  metrics->controller_suggestions().OnSuggested("random", 3ms);
  metrics->grpc_suggestions().OnSuggested("bayesianoptimization", 2s);
  Trial trial;
  for (int i = 0; i < 3; ++i)
    metrics->trial_counter().OnTrialStarted(trial);
  trial.status = TrialStatus::kSucceeded;
  metrics->trial_counter().OnTrialFinished(trial);
  trial.status = TrialStatus::kPending;  // interrupted: re-queued, not finished
  metrics->trial_counter().OnTrialFinished(trial);

  MetricsScrape scrape = Scrape(*metrics);
  using L = PrometheusLabels;
  EXPECT_EQ(scrape.Value("tuneup_experiments", L{{"state", "Succeeded"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_experiments", L{{"state", "Running"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_experiments", L{{"state", "Created"}}), 0);
  EXPECT_EQ(scrape.Value("tuneup_experiments", L{{"state", "Failed"}}), 0);
  EXPECT_EQ(scrape.Value("tuneup_trials", L{{"state", "Succeeded"}}), 2);
  EXPECT_EQ(scrape.Value("tuneup_trials", L{{"state", "Failed"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_trials", L{{"state", "Running"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_trials", L{{"state", "Pending"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_trials", L{{"state", "MetricsUnavailable"}}), 0);

  const L random = {{"algorithm", "random"}, {"source", "controller"}};
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_count", random), 2);
  EXPECT_NEAR(scrape.Value("tuneup_suggestion_seconds_sum", random).value_or(-1), 0.006, 1e-9);
  L bucket = random;
  bucket.emplace_back("le", "0.0025");
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_bucket", bucket), 0);
  bucket.back().second = "0.005";
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_bucket", bucket), 2);
  const L bo = {{"algorithm", "bayesianoptimization"}, {"source", "grpc"}};
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_count", bo), 1);
  bucket = bo;
  bucket.emplace_back("le", "1");
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_bucket", bucket), 0);
  bucket.back().second = "2.5";
  EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_bucket", bucket), 1);
  EXPECT_FALSE(scrape.Value("tuneup_suggestion_seconds_count",
                            L{{"algorithm", "random"}, {"source", "grpc"}}))
      << "a series only for what was measured";

  EXPECT_EQ(scrape.Value("tuneup_executor_queue_depth"), 2);
  EXPECT_EQ(scrape.Value("tuneup_executor_running_jobs"), 3);
  EXPECT_EQ(scrape.Value("tuneup_trials_started_total"), 3);
  EXPECT_EQ(scrape.Value("tuneup_trials_finished_total", L{{"status", "Succeeded"}}), 1);
  EXPECT_EQ(scrape.Value("tuneup_trials_finished_total", L{{"status", "EarlyStopped"}}), 0);
  EXPECT_FALSE(scrape.Value("tuneup_trials_finished_total", L{{"status", "Pending"}}));

  for (const std::string line :
       {"# TYPE tuneup_experiments gauge", "# TYPE tuneup_trials gauge",
        "# TYPE tuneup_suggestion_seconds histogram", "# TYPE tuneup_executor_queue_depth gauge",
        "# TYPE tuneup_executor_running_jobs gauge", "# TYPE tuneup_trials_started_total counter",
        "# TYPE tuneup_trials_finished_total counter", "# HELP tuneup_suggestion_seconds Time "}) {
    EXPECT_NE(scrape.body.find(line), std::string::npos) << line << "\n" << scrape.body;
  }
}

TEST_F(ServeMetricsTest, StoreGaugesFollowTheStoreAndAreLeftOutWhileItCannotBeRead) {
  Add("busy", ExperimentState::kRunning, {TrialStatus::kRunning});
  auto metrics = Start();
  EXPECT_EQ(Scrape(*metrics).Value("tuneup_trials", {{"state", "Running"}}), 1);
  Trial trial = *real_.GetTrial("busy-0");
  trial.status = TrialStatus::kSucceeded;
  real_.UpdateTrial(trial, {});
  MetricsScrape scrape = Scrape(*metrics);
  EXPECT_EQ(scrape.Value("tuneup_trials", {{"state", "Running"}}), 0);
  EXPECT_EQ(scrape.Value("tuneup_trials", {{"state", "Succeeded"}}), 1);
  EXPECT_FALSE(scrape.Has("tuneup_executor_queue_depth")) << "no executor given";

  flaky_->down = true;
  scrape = Scrape(*metrics);
  EXPECT_FALSE(scrape.Has("tuneup_experiments")) << scrape.body;
  EXPECT_FALSE(scrape.Has("tuneup_trials")) << scrape.body;
  EXPECT_TRUE(scrape.Has("tuneup_trials_started_total")) << "the rest is still served";
  flaky_->down = false;
  EXPECT_EQ(Scrape(*metrics).Value("tuneup_experiments", {{"state", "Running"}}), 1);
}

TEST_F(ServeMetricsTest, ExecutorGaugesKeepTheLastLoadWhileTheLoopCannotAnswer) {
  std::atomic<int> calls = 0;
  auto metrics = Start([&]() -> std::optional<ExecutorLoad> {
    if (calls++ == 0) return ExecutorLoad{4, 1};
    return std::nullopt;
  });
  EXPECT_EQ(Scrape(*metrics).Value("tuneup_executor_queue_depth"), 4);
  MetricsScrape scrape = Scrape(*metrics);
  EXPECT_EQ(calls, 2);
  EXPECT_EQ(scrape.Value("tuneup_executor_queue_depth"), 4);
  EXPECT_EQ(scrape.Value("tuneup_executor_running_jobs"), 1);
}

TEST_F(ServeMetricsTest, SuggestionsFromManyThreadsAreAllCounted) {
  auto metrics = Start();
  std::vector<std::thread> threads;
  threads.reserve(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      SuggestionObserver& observer =
          t % 2 == 0 ? metrics->controller_suggestions() : metrics->grpc_suggestions();
      for (int i = 0; i < 250; ++i)
        observer.OnSuggested(i % 2 == 0 ? "random" : "grid", 1ms);
    });
  }
  for (auto& thread : threads)
    thread.join();
  MetricsScrape scrape = Scrape(*metrics);
  for (const char* source : {"controller", "grpc"}) {
    for (const char* algorithm : {"random", "grid"}) {
      EXPECT_EQ(scrape.Value("tuneup_suggestion_seconds_count",
                             {{"algorithm", algorithm}, {"source", source}}),
                250)
          << algorithm << " " << source;
    }
  }
}

TEST_F(ServeMetricsTest, AnAddressThatIsNotHostPortOrCannotBeListenedOnIsRefusedNamingTheOption) {
  for (const std::string address : {"nonsense", "127.0.0.1:", ":9090", "127.0.0.1:99999",
                                    "127.0.0.1:90s", "[::1]:0", "127.0.0.1:1,127.0.0.1:2"}) {
    ServeMetricsSources sources;
    sources.store = std::make_unique<FlakyStore>(real_);
    try {
      ServeMetrics::Start(address, std::move(sources));
      ADD_FAILURE() << address << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << address;
      EXPECT_NE(std::string(e.what()).find("--metrics-listen \"" + address + "\": not HOST:PORT"),
                std::string::npos)
          << e.what();
    }
  }
  auto first = Start();
  ServeMetricsSources sources;
  sources.store = std::make_unique<FlakyStore>(real_);
  const std::string taken = "127.0.0.1:" + std::to_string(first->port());
  try {
    ServeMetrics::Start(taken, std::move(sources));
    ADD_FAILURE() << "a taken port was accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("cannot listen there"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace tuneup::testing
