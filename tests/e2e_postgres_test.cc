// `tuneup run --db postgresql://...` end to end on the test suite's PostgreSQL (ctest fixture
// `postgres`): every trial and observation lands in tables a person can query, and trials that
// report by themselves (`tuneup report`) reach the same database through TUNEUP_DB.
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

#include "db/postgres_store.h"
#include "tests/support/e2e_run.h"

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

}  // namespace
}  // namespace tuneup
