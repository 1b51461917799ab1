// Crash safety of `tuneup run`: the controller is killed with SIGKILL at random moments and
// started again until the experiment ends. Every run must end with exactly maxTrialCount trials
// completed, none lost and none run twice, as the trial programs' own log shows, and with every
// observation stored exactly once.
#include <gtest/gtest.h>

#include <chrono>
#include <iostream>
#include <map>
#include <random>
#include <sstream>
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
    // Appends to one log shared by all trials (O_APPEND lines are atomic) in their working
    // directory, the manifest's.
    // The sleeps spread the trials' lives over the moments tuneup may die.
    WriteTrial(R"(echo "start $KATIB_TRIAL_NAME $$" >> trials.log
i=0
while [ $i -lt )" +
               std::to_string(kMetricLines) + R"( ]; do
  sleep 0.$(( ($$ + i) % 3 + 1 ))
  echo "loss=$1"
  i=$((i + 1))
done
echo "end $KATIB_TRIAL_NAME" >> trials.log
)");
  }
};

TEST_P(E2eCrashTest, KilledAtRandomMomentsEveryTrialRunsExactlyOnce) {
  std::mt19937 random(static_cast<unsigned>(GetParam()) * 7919u + 17u);
  std::uniform_int_distribution<int> delay_ms(20, 1500);
  int kills = 0;
  bool done = false;
  for (int round = 0; round < 40 && !done; ++round) {
    Process tuneup(Argv(RunArgs({"--file-poll-ms", "20"})), Options());
    // The first few runs die at a random moment; then one may finish.
    const bool kill = kills < 6;
    ProcessResult result = tuneup.Wait(kill ? std::chrono::milliseconds(delay_ms(random)) : 120s);
    if (result.timed_out) {
      ++kills;
      continue;
    }
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
    EXPECT_TRUE(Contains(result.out, std::to_string(kMaxTrials) +
                                         " trials: " + std::to_string(kMaxTrials) + " Succeeded"))
        << result.out;
    done = true;
  }
  ASSERT_TRUE(done);
  EXPECT_GT(kills, 0);
  std::cout << "tuneup was killed " << kills << " times\n";

  // The trial programs' own account.
  std::map<std::string, int> starts;
  std::map<std::string, int> ends;
  std::istringstream log(ReadFile(dir_.Join("trials.log")));
  for (std::string word, trial, rest; log >> word >> trial;) {
    if (word == "start") {
      ++starts[trial];
      log >> rest;  // the pid
    } else {
      ++ends[trial];
    }
  }
  EXPECT_EQ(starts.size(), static_cast<size_t>(kMaxTrials)) << "lost or extra trials";
  for (const auto& [trial, count] : starts) {
    EXPECT_EQ(count, 1) << trial << " ran " << count << " times";
    EXPECT_EQ(ends[trial], 1) << trial << " did not finish once";
  }

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
