// The DBManager cases. They talk to the server only through gRPC, as a Katib client would, and
// look into the store only to check what was (or was not) written, and where.
#include "tests/support/dbmanager_cases.h"

#include <chrono>
#include <functional>
#include <thread>
#include <tuple>
#include <vector>

#include <gmock/gmock.h>

#include "common/text.h"

namespace tuneup::testing {

void CreateExperimentWithTrials(Store& store, const std::string& experiment, int trials) {
  store.CreateExperiment(ConformanceExperiment(experiment));
  std::vector<Trial> created;
  created.reserve(trials);
  for (int i = 0; i < trials; ++i)
    created.push_back(ConformanceTrial(experiment, experiment + "-" + std::to_string(i), i));
  store.CreateTrials(created);
}

std::unique_ptr<RpcServer> StartOnFreePort(Store& store, RpcServerOptions options) {
  options.address = "127.0.0.1:0";
  return RpcServer::Start(store, options);
}

void DbManagerTest::SetUp() {
  factory_ = GetParam().make();
  store_ = factory_->Open();
  CreateExperimentWithTrials(*store_, "dbm", 4);
  server_ = StartOnFreePort(*store_);
  ASSERT_GT(server_->port(), 0);
  client_ = std::make_unique<RpcClient>(server_->port());
}

void DbManagerTest::TearDown() {
  client_.reset();
  if (server_) server_->Shutdown();
}

namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

// 2026-01-02T03:04:SS plus `suffix` ("Z", ".5Z", "+01:00").
std::string T(int second, const std::string& suffix = "Z") {
  std::string text = "2026-01-02T03:04:";
  if (second < 10) text += '0';
  return text + std::to_string(second) + suffix;
}

std::vector<Observation> Stored(Store& store, const std::string& trial) {
  return store.GetObservations(trial, std::nullopt, std::nullopt);
}

// ---------------------------------------------------------------------------------------------
// Round trips.

TEST_P(DbManagerTest, ReportThenGetReturnsTheLogAsKatibFormatsIt) {
  grpc::Status status =
      client().Report("dbm-0", {{T(5), "loss", "0.5"},
                                {T(5, ".250Z"), "accuracy", "0.75"},
                                {"2026-01-02T05:04:06.123456789+02:00", "loss", "1e-3"},
                                {T(7, ".000100Z"), "loss", "-2.50"}});
  ASSERT_TRUE(status.ok()) << Describe(status);
  // UTC, as few fraction digits as needed (Go's RFC3339Nano), microseconds kept; values as the
  // shortest text that reads back exactly.
  EXPECT_THAT(
      client().GetAll("dbm-0"),
      ElementsAre("2026-01-02T03:04:05Z loss=0.5", "2026-01-02T03:04:05.25Z accuracy=0.75",
                  "2026-01-02T03:04:06.123456Z loss=0.001", "2026-01-02T03:04:07.0001Z loss=-2.5"));
  // Stored as numbers in the trial's current attempt.
  auto stored = store().GetObservations("dbm-0", std::nullopt, 0);
  ASSERT_EQ(stored.size(), 4u);
  EXPECT_EQ(stored[2].metric, "loss");
  EXPECT_EQ(stored[2].value, 1e-3);
  EXPECT_EQ(FormatRfc3339(stored[2].time), "2026-01-02T03:04:06.123456Z");
  EXPECT_THAT(client().GetAll("dbm-1"), IsEmpty());
}

TEST_P(DbManagerTest, GetIsInTimeOrderWithEqualTimesInReportOrder) {
  ASSERT_TRUE(client().Report("dbm-0", {{T(3), "loss", "3"}, {T(1), "loss", "1"}}).ok());
  ASSERT_TRUE(client().Report("dbm-0", {{T(1), "accuracy", "0.1"}, {T(2), "loss", "2"}}).ok());
  EXPECT_THAT(client().GetAll("dbm-0"), ElementsAre(T(1) + " loss=1", T(1) + " accuracy=0.1",
                                                    T(2) + " loss=2", T(3) + " loss=3"));
}

TEST_P(DbManagerTest, MetricNameFilterIsExactAndEmptyMeansAll) {
  ASSERT_TRUE(client()
                  .Report("dbm-0", {{T(1), "loss", "1"},
                                    {T(2), "accuracy", "0.5"},
                                    {T(3), "loss_val", "2"},
                                    {T(4), "loss", "3"}})
                  .ok());
  std::vector<std::string> lines;
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", "loss"), &lines).ok());
  EXPECT_THAT(lines, ElementsAre(T(1) + " loss=1", T(4) + " loss=3"));
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", "Loss"), &lines).ok());
  EXPECT_THAT(lines, IsEmpty());
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", "loss%"), &lines).ok());
  EXPECT_THAT(lines, IsEmpty());
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", ""), &lines).ok());
  EXPECT_EQ(lines.size(), 4u);
}

TEST_P(DbManagerTest, TimeBoundsAreInclusiveAsInKatib) {
  ASSERT_TRUE(client()
                  .Report("dbm-0", {{T(1), "loss", "1"}, {T(2), "loss", "2"}, {T(3), "loss", "3"}})
                  .ok());
  auto get = [&](const std::string& start, const std::string& end) {
    std::vector<std::string> lines;
    grpc::Status status = client().Get(GetRequest("dbm-0", "", start, end), &lines);
    EXPECT_TRUE(status.ok()) << start << " .. " << end << ": " << Describe(status);
    return lines;
  };
  EXPECT_THAT(get(T(2), T(2)), ElementsAre(T(2) + " loss=2"));
  EXPECT_THAT(get(T(2), ""), ElementsAre(T(2) + " loss=2", T(3) + " loss=3"));
  EXPECT_THAT(get("", T(2)), ElementsAre(T(1) + " loss=1", T(2) + " loss=2"));
  EXPECT_THAT(get(T(2, ".000001Z"), ""), ElementsAre(T(3) + " loss=3"));
  EXPECT_THAT(get("", T(1, ".999999Z")), ElementsAre(T(1) + " loss=1"));
  // The same instants in another zone.
  EXPECT_THAT(get("2026-01-02T04:04:02+01:00", "2026-01-02T02:04:03-01:00"),
              ElementsAre(T(2) + " loss=2", T(3) + " loss=3"));
  EXPECT_THAT(get("2026-01-02T03:04:04Z", ""), IsEmpty());
}

TEST_P(DbManagerTest, EntriesWithoutATimeAreSkippedAsInKatib) {
  ASSERT_TRUE(
      client().Report("dbm-0", {{"", "loss", "1"}, {T(2), "loss", "2"}, {"", "x", "abc"}}).ok());
  EXPECT_THAT(client().GetAll("dbm-0"), ElementsAre(T(2) + " loss=2"));
}

TEST_P(DbManagerTest, GoZeroTimeOfKatibCollectorsRoundTrips) {
  // Katib's file collector dates a value whose line has no time with Go's zero time.
  const std::string zero = "0001-01-01T00:00:00Z";
  ASSERT_TRUE(client().Report("dbm-0", {{T(1), "loss", "1"}, {zero, "loss", "0.5"}}).ok());
  EXPECT_THAT(client().GetAll("dbm-0"), ElementsAre(zero + " loss=0.5", T(1) + " loss=1"));
  std::vector<std::string> lines;
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", "", zero, zero), &lines).ok());
  EXPECT_THAT(lines, ElementsAre(zero + " loss=0.5"));
  ASSERT_TRUE(client().Get(GetRequest("dbm-0", "", "1970-01-01T00:00:00Z"), &lines).ok());
  EXPECT_THAT(lines, ElementsAre(T(1) + " loss=1"));
}

// ---------------------------------------------------------------------------------------------
// Attempts and deletion.

TEST_P(DbManagerTest, ReportAndGetUseTheTrialsCurrentAttempt) {
  store().AppendObservations("dbm-0", 0, std::vector<Observation>{{"loss", 9, FromUnixMicros(1)}});
  Trial rerun = *store().GetTrial("dbm-0");
  rerun.attempt = 1;
  store().UpdateTrial(rerun, {});

  ASSERT_TRUE(client().Report("dbm-0", {{T(1), "loss", "1"}}).ok());
  EXPECT_EQ(store().GetObservations("dbm-0", std::nullopt, 1).size(), 1u);
  EXPECT_THAT(client().GetAll("dbm-0"), ElementsAre(T(1) + " loss=1"));
  ASSERT_TRUE(client().Delete("dbm-0").ok());
  EXPECT_THAT(Stored(store(), "dbm-0"), IsEmpty()) << "every attempt's observations are removed";
}

TEST_P(DbManagerTest, DeleteRemovesOneTrialsLogAndKeepsTheTrial) {
  ASSERT_TRUE(client().Report("dbm-0", {{T(1), "loss", "1"}, {T(2), "loss", "2"}}).ok());
  ASSERT_TRUE(client().Report("dbm-1", {{T(1), "loss", "5"}}).ok());
  grpc::Status status = client().Delete("dbm-0");
  ASSERT_TRUE(status.ok()) << Describe(status);
  EXPECT_THAT(client().GetAll("dbm-0"), IsEmpty());
  EXPECT_THAT(client().GetAll("dbm-1"), ElementsAre(T(1) + " loss=5"));
  EXPECT_TRUE(store().GetTrial("dbm-0").has_value());
  status = client().Delete("dbm-0");
  EXPECT_TRUE(status.ok()) << "deleting an empty log: " << Describe(status);
  ASSERT_TRUE(client().Report("dbm-0", {{T(3), "loss", "3"}}).ok());
  EXPECT_THAT(client().GetAll("dbm-0"), ElementsAre(T(3) + " loss=3"));
}

// ---------------------------------------------------------------------------------------------
// Refusals.

TEST_P(DbManagerTest, UnknownTrialIsNotFoundNamingIt) {
  std::vector<std::string> lines;
  const std::vector<std::pair<std::string, grpc::Status>> calls{
      {"Report", client().Report("dbm-9", {{T(1), "loss", "1"}})},
      {"empty Report", client().Report("dbm-9", {})},
      {"Get", client().Get(GetRequest("dbm-9"), &lines)},
      {"Get loss", client().Get(GetRequest("dbm-9", "loss", T(1), T(2)), &lines)},
      {"Delete", client().Delete("dbm-9")},
  };
  for (const auto& [what, status] : calls) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << what << ": " << Describe(status);
    EXPECT_THAT(status.error_message(), HasSubstr("dbm-9")) << what;
  }
}

struct BadRequest {
  std::string what;
  std::function<grpc::Status(RpcClient&)> call;
  std::vector<std::string> message_has;
};

std::vector<BadRequest> BadRequests() {
  auto report = [](std::vector<LogEntry> entries) {
    // A good entry first: nothing of a refused report may be stored.
    entries.insert(entries.begin(), {T(1), "loss", "1"});
    return [entries](RpcClient& c) { return c.Report("dbm-0", entries); };
  };
  auto get = [](const std::string& metric, const std::string& start, const std::string& end) {
    return [=](RpcClient& c) {
      std::vector<std::string> lines;
      return c.Get(GetRequest("dbm-0", metric, start, end), &lines);
    };
  };
  const std::string value1 = "observation_log.metric_logs[1].metric.value: ";
  const std::string time1 = "observation_log.metric_logs[1].time_stamp: ";
  return {
      {"Report without trial",
       [](RpcClient& c) {
         return c.Report("", {{T(1), "loss", "1"}});
       },
       {"trial_name: empty"}},
      {"Get without trial",
       [](RpcClient& c) {
         std::vector<std::string> lines;
         return c.Get(GetRequest(""), &lines);
       },
       {"trial_name: empty"}},
      {"Delete without trial", [](RpcClient& c) { return c.Delete(""); }, {"trial_name: empty"}},
      {"word value", report({{T(2), "loss", "abc"}}), {value1, "\"abc\"", "\"loss\""}},
      {"NaN value", report({{T(2), "acc", "nan"}}), {value1, "\"nan\"", "\"acc\"", "finite"}},
      {"infinite value", report({{T(2), "loss", "-inf"}}), {value1, "\"-inf\""}},
      {"overflowing value", report({{T(2), "loss", "1e999"}}), {value1, "\"1e999\""}},
      {"empty value", report({{T(2), "loss", ""}}), {value1, "\"\""}},
      {"padded value", report({{T(2), "loss", " 1"}}), {value1, "\" 1\""}},
      {"word time", report({{"yesterday", "loss", "1"}}), {time1, "\"yesterday\""}},
      {"time without T", report({{"2026-01-02 03:04:05Z", "loss", "1"}}), {time1}},
      {"time without zone", report({{"2026-01-02T03:04:05", "loss", "1"}}), {time1}},
      {"time before 1678", report({{"1600-01-01T00:00:00Z", "loss", "1"}}), {time1, "1678"}},
      {"empty metric name",
       report({{T(2), "", "1"}}),
       {"observation_log.metric_logs[1].metric.name: empty"}},
      {"no metric",
       [](RpcClient& c) {
         katib_pb::ReportObservationLogRequest request;
         request.set_trial_name("dbm-0");
         request.mutable_observation_log()->add_metric_logs()->set_time_stamp(T(1));
         return c.Report(request);
       },
       {"observation_log.metric_logs[0].metric: missing"}},
      {"word start_time", get("", "soon", ""), {"start_time: ", "\"soon\""}},
      {"bad end_time", get("loss", "", "2026-13-01T00:00:00Z"), {"end_time: "}},
      {"start after end", get("", T(3), T(2)), {"start_time: ", "after end_time"}},
  };
}

TEST_P(DbManagerTest, BadRequestsAreInvalidArgumentNamingTheFieldAndStoreNothing) {
  for (const BadRequest& bad : BadRequests()) {
    grpc::Status status = bad.call(client());
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << bad.what << ": " << Describe(status);
    for (const std::string& part : bad.message_has)
      EXPECT_THAT(status.error_message(), HasSubstr(part)) << bad.what;
  }
  EXPECT_THAT(Stored(store(), "dbm-0"), IsEmpty());
}

TEST_P(DbManagerTest, OversizeRequestsAreInvalidArgumentNamingTheField) {
  RpcServerOptions options;
  options.limits.max_name_bytes = 16;
  options.limits.max_metric_logs = 3;
  auto small = StartOnFreePort(store(), options);
  RpcClient c(small->port());
  const std::string long_name(17, 'n');
  std::vector<std::string> lines;
  const std::vector<std::tuple<std::string, grpc::Status, std::string>> calls{
      {"4 entries", c.Report("dbm-0", std::vector<LogEntry>(4, {T(1), "loss", "1"})),
       "observation_log.metric_logs: 4 entries, more than the 3"},
      {"long metric", c.Report("dbm-0", {{T(1), long_name, "1"}}),
       "observation_log.metric_logs[0].metric.name: \"" + long_name + "\" is longer than 16"},
      {"long trial", c.Report(long_name, {{T(1), "loss", "1"}}), "trial_name: \"" + long_name},
      {"long metric_name", c.Get(GetRequest("dbm-0", long_name), &lines), "metric_name: \""},
      {"long Delete", c.Delete(long_name), "trial_name: "},
  };
  for (const auto& [what, status, message] : calls) {
    EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT)
        << what << ": " << Describe(status);
    EXPECT_THAT(status.error_message(), HasSubstr(message)) << what;
  }
  EXPECT_THAT(Stored(store(), "dbm-0"), IsEmpty());
  grpc::Status status = c.Report("dbm-0", std::vector<LogEntry>(3, {T(1), "loss", "1"}));
  EXPECT_TRUE(status.ok()) << "at the limits: " << Describe(status);
}

// ---------------------------------------------------------------------------------------------
// Volume and concurrency.

TEST_P(DbManagerTest, AWholeTrainingLogInOneReport) {
  // 100,000 values, about 6 MB: more than gRPC's default 4 MB message limit.
  constexpr int kCount = 100'000;
  katib_pb::ReportObservationLogRequest request;
  request.set_trial_name("dbm-0");
  for (int i = 0; i < kCount; ++i) {
    katib_pb::MetricLog* log = request.mutable_observation_log()->add_metric_logs();
    log->set_time_stamp(FormatRfc3339(FromUnixMicros(1'767'323'045'000'000 + int64_t{i} * 1000)));
    log->mutable_metric()->set_name(i % 2 ? "accuracy" : "loss");
    log->mutable_metric()->set_value(FormatDouble(i / 7.0));
  }
  const auto start = std::chrono::steady_clock::now();
  grpc::Status status = client().Report(request);
  ASSERT_TRUE(status.ok()) << Describe(status);
  std::vector<std::string> lines;
  status = client().Get(GetRequest("dbm-0", "accuracy"), &lines);
  ASSERT_TRUE(status.ok()) << Describe(status);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(lines.size(), static_cast<size_t>(kCount / 2));
  EXPECT_EQ(lines.front(), "2026-01-02T03:04:05.001Z accuracy=" + FormatDouble(1 / 7.0));
  EXPECT_EQ(lines.back(), "2026-01-02T03:05:44.999Z accuracy=" + FormatDouble((kCount - 1) / 7.0));
  EXPECT_LT(elapsed, std::chrono::seconds(60));
}

TEST_P(DbManagerTest, ConcurrentClientsLoseNothing) {
  constexpr int kReports = 40;
  std::vector<std::thread> threads;
  threads.reserve(4);
  std::vector<std::string> errors(4);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RpcClient own(server().port());
      const std::string trial = "dbm-" + std::to_string(t);
      for (int i = 0; i < kReports && errors[t].empty(); ++i) {
        grpc::Status status = own.Report(trial, {{T(i % 60), "loss", std::to_string(i)},
                                                 {T(i % 60), "step", std::to_string(i)}});
        if (!status.ok()) errors[t] = trial + ": " + Describe(status);
      }
    });
  }
  for (auto& thread : threads)
    thread.join();
  for (int t = 0; t < 4; ++t) {
    EXPECT_EQ(errors[t], "");
    auto stored = Stored(store(), "dbm-" + std::to_string(t));
    ASSERT_EQ(stored.size(), 2u * kReports);
    for (size_t i = 0; i < kReports; ++i) {
      EXPECT_EQ(stored[2 * i].value, static_cast<double>(i));
      EXPECT_EQ(stored[2 * i + 1].metric, "step");
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Health.

TEST_P(DbManagerTest, HealthCheckIsServingForTheServerAndItsServices) {
  for (const char* service : {"", "api.v1.beta1.DBManager", "api.v1.beta1.Suggestion",
                              "api.v1.beta1.EarlyStopping", "grpc.health.v1.Health"}) {
    HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
    grpc::Status status = client().Check(service, &serving);
    ASSERT_TRUE(status.ok()) << "\"" << service << "\": " << Describe(status);
    EXPECT_EQ(serving, HealthCheckResponse::SERVING) << "\"" << service << "\"";
  }
  HealthCheckResponse::ServingStatus serving = HealthCheckResponse::UNKNOWN;
  grpc::Status status = client().Check("api.v1.beta1.Manager", &serving);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << Describe(status);
  EXPECT_THAT(status.error_message(), HasSubstr("api.v1.beta1.Manager"));
  status = client().Watch("");
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNIMPLEMENTED) << Describe(status);
}

}  // namespace

// Test files that only borrow the helpers link these cases without running them.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(DbManagerTest);

}  // namespace tuneup::testing
