// StateCensus (controller/state_census.h): experiments by state and their trials by status, as
// the store holds them, reading the trials of finished experiments only once.
#include "controller/state_census.h"

#include <gtest/gtest.h>

#include "db/sqlite_store.h"
#include "tests/support/flaky_store.h"
#include "tests/support/stored_experiments.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {
namespace {

class StateCensusTest : public ::testing::Test {
 protected:
  StateCensusTest() : real_(dir_.Join("tuneup.db")), store_(real_) {}

  void Add(const std::string& name, ExperimentState state,
           const std::vector<TrialStatus>& statuses) {
    StoreExperiment(real_, name, state, statuses, clock_.Now());
  }

  void SetState(const std::string& name, ExperimentState state) {
    ExperimentStatus status = real_.GetExperiment(name)->status;
    status.state = state;
    clock_.Advance(std::chrono::seconds(1));
    status.completion_time =
        IsFinished(state) ? std::optional<Timestamp>(clock_.Now()) : std::nullopt;
    real_.UpdateExperimentStatus(name, status);
  }

  void SetTrial(const std::string& trial_name, TrialStatus status) {
    Trial trial = *real_.GetTrial(trial_name);
    trial.status = status;
    real_.UpdateTrial(trial, {});
  }

  TempDir dir_;
  FakeClock clock_;
  SqliteStore real_;
  FlakyStore store_;  // counts the census's reads
};

using E = ExperimentState;
using T = TrialStatus;

TEST_F(StateCensusTest, AnEmptyStoreCountsZeroInEveryStateAndStatus) {
  StateCensus census(store_);
  Census counted = census.Count();
  EXPECT_EQ(counted.experiments.size(), 4u);
  EXPECT_EQ(counted.trials.size(), 7u);
  for (const auto& [state, count] : counted.experiments)
    EXPECT_EQ(count, 0) << ExperimentStateName(state);
  for (const auto& [status, count] : counted.trials)
    EXPECT_EQ(count, 0) << TrialStatusName(status);
}

TEST_F(StateCensusTest, CountsExperimentsByStateAndTheirTrialsByStatus) {
  Add("done", E::kSucceeded, {T::kSucceeded, T::kSucceeded, T::kFailed, T::kEarlyStopped});
  Add("broken", E::kFailed, {T::kFailed, T::kMetricsUnavailable, T::kKilled});
  Add("busy", E::kRunning, {T::kSucceeded, T::kRunning, T::kPending});
  Add("new", E::kCreated, {});
  StateCensus census(store_);
  Census counted = census.Count();
  EXPECT_EQ(counted.experiments,
            (std::map<ExperimentState, int64_t>{
                {E::kCreated, 1}, {E::kRunning, 1}, {E::kSucceeded, 1}, {E::kFailed, 1}}));
  EXPECT_EQ(counted.trials, (std::map<TrialStatus, int64_t>{{T::kPending, 1},
                                                            {T::kRunning, 1},
                                                            {T::kSucceeded, 3},
                                                            {T::kFailed, 2},
                                                            {T::kKilled, 1},
                                                            {T::kEarlyStopped, 1},
                                                            {T::kMetricsUnavailable, 1}}));
}

TEST_F(StateCensusTest, AFinishedExperimentsTrialsAreReadOnce) {
  Add("done", E::kSucceeded, {T::kSucceeded, T::kSucceeded});
  Add("busy", E::kRunning, {T::kRunning, T::kPending});
  StateCensus census(store_);
  census.Count();
  EXPECT_EQ(census.last_trial_reads(), 2);
  // The running experiment moves on and is read again; the finished one is remembered.
  SetTrial("busy-0", T::kSucceeded);
  Census counted = census.Count();
  EXPECT_EQ(census.last_trial_reads(), 1);
  EXPECT_EQ(store_.calls["ListTrials"], 3);
  EXPECT_EQ(counted.trials[T::kSucceeded], 3);
  EXPECT_EQ(counted.trials[T::kRunning], 0);
  EXPECT_EQ(counted.trials[T::kPending], 1);
  // It finishes: read once more as finished, then remembered too.
  SetTrial("busy-1", T::kKilled);
  SetState("busy", E::kSucceeded);
  counted = census.Count();
  EXPECT_EQ(census.last_trial_reads(), 1);
  EXPECT_EQ(counted.trials[T::kKilled], 1);
  EXPECT_EQ(counted.experiments[E::kSucceeded], 2);
  census.Count();
  EXPECT_EQ(census.last_trial_reads(), 0);
  EXPECT_EQ(store_.calls["ListTrials"], 4);
}

TEST_F(StateCensusTest, AFinishedExperimentThatRunsAgainIsCountedAfresh) {
  Add("long", E::kSucceeded, {T::kSucceeded});
  StateCensus census(store_);
  census.Count();
  // Restarted (resumePolicy LongRunning with a higher maxTrialCount) and finished again between
  // two counts: its completion time differs, so it is read again.
  Trial more;
  more.name = "long-9";
  more.experiment = "long";
  more.sequence = 9;
  more.assignment = {{"x", "0.1"}};
  more.status = T::kFailed;
  more.created_at = clock_.Now();
  real_.CreateTrials(std::vector<Trial>{more});
  SetState("long", E::kSucceeded);
  Census counted = census.Count();
  EXPECT_EQ(census.last_trial_reads(), 1);
  EXPECT_EQ(counted.trials[T::kFailed], 1);
  EXPECT_EQ(counted.trials[T::kSucceeded], 1);
}

TEST_F(StateCensusTest, AStoreErrorThrowsAndTheNextCountIsRightAgain) {
  Add("done", E::kSucceeded, {T::kSucceeded});
  StateCensus census(store_);
  census.Count();
  store_.down = true;
  EXPECT_THROW(census.Count(), Error);
  store_.down = false;
  Census counted = census.Count();
  EXPECT_EQ(census.last_trial_reads(), 0) << "what it remembered survives the error";
  EXPECT_EQ(counted.trials[T::kSucceeded], 1);
}

}  // namespace
}  // namespace tuneup::testing
