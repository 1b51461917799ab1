// Crash safety of `tuneup run`: the controller is killed with SIGKILL at random moments and
// started again until the experiment ends. Every run must end with exactly maxTrialCount trials
// completed, none lost and none run twice, as the trial programs' own log shows, and with every
// observation stored exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "db/store.h"
#include "tests/support/e2e_run.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;

constexpr int kMaxTrials = 8;
constexpr int kMetricLines = 3;  // each trial prints this many loss lines

class E2eCrashTest : public E2eRunTest, public ::testing::WithParamInterface<int> {
 protected:
  E2eCrashTest() {
    Manifest manifest;
    manifest.parallel = 3;
    manifest.max_trials = kMaxTrials;
    manifest.command = {"./trial.sh", "${trialParameters.x}"};
    WriteManifest(manifest);
    WriteTrial(LoggingTrialScript(kMetricLines));
  }
};

TEST_P(E2eCrashTest, KilledAtRandomMomentsEveryTrialRunsExactlyOnce) {
  int kills = 0;
  ProcessResult result = RunKilledAtRandom(
      {"--file-poll-ms", "20"}, static_cast<unsigned>(GetParam()) * 7919u + 17u, 6, kills);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, std::to_string(kMaxTrials) +
                                       " trials: " + std::to_string(kMaxTrials) + " Succeeded"))
      << result.out;
  EXPECT_GT(kills, 0);
  std::cout << "tuneup was killed " << kills << " times\n";

  // The trial programs' own account.
  ExpectEveryTrialRanOnce(kMaxTrials);

  // The store's account: every trial Succeeded once, with each of its observations once.
  std::unique_ptr<Store> store = OpenStore("sqlite:" + workdir() + "/tuneup.db");
  std::vector<Trial> trials = store->ListTrials("e2e");
  ASSERT_EQ(trials.size(), static_cast<size_t>(kMaxTrials));
  for (const Trial& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << ": " << trial.message;
    ObservationFilter filter;
    filter.attempt = kCurrentAttempt;
    EXPECT_EQ(store->FindObservations(trial.name, filter).size(), static_cast<size_t>(kMetricLines))
        << trial.name;
  }
}

INSTANTIATE_TEST_SUITE_P(TwentyRuns, E2eCrashTest, ::testing::Range(0, 20));

}  // namespace
}  // namespace tuneup::testing
