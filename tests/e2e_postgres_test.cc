// `tuneup run --db postgresql://...` end to end on the test suite's PostgreSQL (ctest fixture
// `postgres`): every trial and observation lands in tables a person can query, and trials that
// report by themselves (`tuneup report`) reach the same database through TUNEUP_DB. And on a
// private server that is stopped for 30 s in the middle of an experiment: nothing is lost.
#include <unistd.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <sstream>
#include <string>
#include <thread>

#include "db/postgres_store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/store_conformance.h"

namespace tuneup {
namespace {

using testing::Manifest;
using testing::ReadFile;

std::string ServerUri() {
  std::string uri = ReadFile(std::string(TUNEUP_TEST_POSTGRES_DIR) + "/uri");
  while (!uri.empty() && uri.back() == '\n')
    uri.pop_back();
  return uri;
}

class E2ePostgresTest : public testing::E2eRunTest {};

TEST_F(E2ePostgresTest, AnExperimentRunsOnPostgresql) {
  const std::string uri = ServerUri();
  ASSERT_FALSE(uri.empty()) << "no PostgreSQL: the ctest fixture `postgres` starts it";
  Manifest manifest;
  manifest.name = "pg-" + std::to_string(::getpid());
  manifest.max_trials = 4;
  manifest.parallel = 2;
  manifest.collector = "  metricsCollectorSpec:\n    collector: {kind: Push}\n";
  WriteManifest(manifest);
  WriteTrial(R"("$TUNEUP_BINARY" report loss=2 || exit 3
"$TUNEUP_BINARY" report loss="$1" || exit 4
)");
  testing::ProcessResult result = Run({"--db", uri, "--file-poll-ms", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_NE(result.out.find("4 trials: 4 Succeeded"), std::string::npos) << result.out;

  PostgresStore store(uri);
  auto trials = store.ListTrials(manifest.name);
  ASSERT_EQ(trials.size(), 4u);
  for (const auto& trial : trials) {
    ASSERT_TRUE(trial.objective) << trial.name;
    EXPECT_EQ(store.GetObservations(trial.name, "loss", std::nullopt).size(), 2u) << trial.name;
  }
  // Run again: the finished experiment's results come back from PostgreSQL.
  testing::ProcessResult again = Run({"--db", uri});
  EXPECT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_NE(again.out.find("already finished"), std::string::npos) << again.out;
}

// A PostgreSQL of the test's own (tests/support/postgres.sh), so that stopping it disturbs no
// other test.
class PrivateServer {
 public:
  explicit PrivateServer(const std::string& dir) : dir_(dir) {
    EXPECT_EQ(Sh("start"), 0);
    uri_ = ReadFile(dir_ + "/uri");
    uri_ = uri_.substr(0, uri_.find('\n'));
  }
  ~PrivateServer() { Sh("stop"); }
  int Sh(const std::string& action) {
    return std::system(("sh " + testing::SourcePath("tests/support/postgres.sh") + " " + action +
                        " " + dir_ + " >/dev/null")
                           .c_str());
  }
  const std::string& uri() const { return uri_; }

 private:
  std::string dir_;
  std::string uri_;
};

// The objective values a trial printed, in order, from its stdout.log.
std::vector<double> PrintedLosses(const std::string& stdout_log) {
  std::vector<double> values;
  std::istringstream lines(ReadFile(stdout_log));
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("loss=", 0) == 0) values.push_back(std::stod(line.substr(5)));
  }
  return values;
}

TEST_F(E2ePostgresTest, AnExperimentSurvivesThirtySecondsWithoutItsDatabase) {
  PrivateServer server(dir_.Join("pg"));
  ASSERT_FALSE(server.uri().empty());
  Manifest manifest;
  manifest.name = "outage";
  manifest.max_trials = 6;
  manifest.parallel = 3;
  WriteManifest(manifest);
  // 40 values, 0.25 s apart: every trial that runs when the server stops outlives that moment.
  WriteTrial(R"(i=0
while [ $i -lt 40 ]; do
  i=$((i + 1))
  echo "loss=$i.$$"
  sleep 0.25
done
)");
  testing::Process run(Argv(RunArgs({"--db", server.uri()})), Options());

  // Stop the server once the first observations are stored.
  PostgresStore watcher(server.uri());
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  bool observed = false;
  while (!observed && std::chrono::steady_clock::now() < deadline) {
    for (const auto& trial : watcher.ListTrials(manifest.name))
      observed = observed || !watcher.GetObservations(trial.name, "loss", std::nullopt).empty();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_TRUE(observed) << "no observation reached PostgreSQL";
  ASSERT_EQ(server.Sh("down"), 0);
  std::this_thread::sleep_for(std::chrono::seconds(30));
  ASSERT_EQ(server.Sh("up"), 0);

  testing::ProcessResult result = run.Wait(std::chrono::seconds(180));
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_THAT(result.err, ::testing::HasSubstr("store: the database is unavailable"));
  EXPECT_THAT(result.err, ::testing::HasSubstr("store: the database is back after"));
  EXPECT_THAT(result.out, ::testing::HasSubstr("6 trials: 6 Succeeded"));

  PostgresStore store(server.uri());
  auto trials = store.ListTrials(manifest.name);
  ASSERT_EQ(trials.size(), 6u);
  size_t total = 0;
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
    EXPECT_EQ(trial.attempt, 0) << trial.name << " was re-run";
    std::vector<double> printed = PrintedLosses(trial_dir(trial.name) + "/stdout.log");
    std::vector<double> stored;
    for (const auto& observation : store.GetObservations(trial.name, "loss", std::nullopt))
      stored.push_back(observation.value);
    EXPECT_EQ(printed.size(), 40u) << trial.name;
    // Every printed value stored once, in order: 0 lost, 0 duplicated.
    EXPECT_EQ(stored, printed) << trial.name;
    total += stored.size();
  }
  EXPECT_EQ(total, 240u);
  EXPECT_EQ(store.GetExperiment(manifest.name)->status.reason, "ExperimentMaxTrialsReached");
}

// A trial's `tuneup report` while the database is down waits for it (up to --db-outage-limit),
// then stores its values once.
TEST_F(E2ePostgresTest, ReportWaitsForTheDatabaseToComeBack) {
  PrivateServer server(dir_.Join("pg"));
  ASSERT_FALSE(server.uri().empty());
  {
    PostgresStore store(server.uri());
    store.CreateExperiment(testing::ConformanceExperiment("push"));
    Trial trial;
    trial.name = "push-0001";
    trial.experiment = "push";
    trial.status = TrialStatus::kRunning;
    trial.started_at = trial.created_at = Timestamp(std::chrono::seconds(1'700'000'000));
    store.CreateTrials({&trial, 1});
  }
  ASSERT_EQ(server.Sh("down"), 0);
  // Gives up after its limit, storing nothing.
  testing::ProcessResult quick = Tuneup({"report", "loss=0.5", "--trial", "push-0001", "--db",
                                         server.uri(), "--db-outage-limit", "1"});
  EXPECT_EQ(quick.exit_code, 1) << quick.Describe();
  EXPECT_THAT(quick.err, ::testing::HasSubstr("retrying for up to 1 s"));

  testing::Process report(Argv({"report", "loss=0.25", "--trial", "push-0001", "--db", server.uri(),
                                "--db-outage-limit", "60"}),
                          Options());
  std::this_thread::sleep_for(std::chrono::seconds(2));
  ASSERT_EQ(server.Sh("up"), 0);
  testing::ProcessResult result = report.Wait(std::chrono::seconds(60));
  EXPECT_EQ(result.exit_code, 0) << result.Describe();
  PostgresStore store(server.uri());
  auto stored = store.GetObservations("push-0001", "loss", std::nullopt);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].value, 0.25);
}

}  // namespace
}  // namespace tuneup
