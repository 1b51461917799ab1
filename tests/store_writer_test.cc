// StoreWriter: writes made at once while the store is up, buffered in order while it is down,
// stored once it is back without losing or repeating any, and fatal errors reported. The store
// is a real SqliteStore behind a FlakyStore that the tests take down and bring back.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/store_writer.h"

#include <filesystem>
#include <numeric>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/asio/io_context.hpp>

#include "db/sqlite_store.h"
#include "tests/support/flaky_store.h"
#include "tests/support/run_until.h"
#include "tests/support/store_conformance.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using testing::FlakyStore;
using ::testing::HasSubstr;
using testing::RunUntil;
using testing::TempDir;

constexpr const char* kExperiment = "writer";

Trial MakeTrial(int sequence) {
  Trial trial;
  trial.sequence = sequence;
  trial.name = std::string(kExperiment) + "-" + std::to_string(sequence);
  trial.experiment = kExperiment;
  trial.assignment = {{"x", std::to_string(sequence)}};
  trial.status = TrialStatus::kPending;
  trial.created_at = Timestamp(std::chrono::seconds(1'700'000'000));
  return trial;
}

// Observations value = first, first + 1, ... of metric `metric`.
std::vector<Observation> Values(int first, int count, const std::string& metric = "loss") {
  std::vector<Observation> observations;
  observations.reserve(count);
  for (int i = 0; i < count; ++i) {
    observations.push_back(
        {metric, static_cast<double>(first + i), Timestamp(std::chrono::seconds(first + i))});
  }
  return observations;
}

std::vector<double> ValuesOf(const std::vector<Observation>& observations) {
  std::vector<double> values;
  values.reserve(observations.size());
  for (const auto& o : observations)
    values.push_back(o.value);
  return values;
}

// Retries every few milliseconds, so that tests never wait long.
StoreWriterOptions FastRetries() {
  StoreWriterOptions options;
  options.first_retry = std::chrono::milliseconds(1);
  options.max_retry = std::chrono::milliseconds(4);
  return options;
}

class StoreWriterTest : public ::testing::Test {
 protected:
  StoreWriterTest() : real_(dir_.Join("tuneup.db")), flaky_(real_) {
    real_.CreateExperiment(testing::ConformanceExperiment(kExperiment));
  }

  StoreWriter& Writer() {
    if (!writer_) {
      options_.spill_path = dir_.Join("spill.bin");
      StoreWriterEvents events;
      events.on_outage = [this](const std::string& message) { outages_.push_back(message); };
      events.on_recovered = [this](const std::string& message) { recoveries_.push_back(message); };
      events.on_fatal = [this](const std::string& reason) { fatal_.push_back(reason); };
      writer_ = std::make_unique<StoreWriter>(io_, flaky_, options_, std::move(events));
    }
    return *writer_;
  }

  // Runs the loop until the writer has nothing left to write.
  bool Drain(std::chrono::milliseconds limit = std::chrono::seconds(5)) {
    bool drained = false;
    Writer().WhenDrained([&] { drained = true; });
    return RunUntil(
        io_, [&] { return drained; }, limit);
  }

  // A trial, stored through the writer while the store is up.
  Trial Created(int sequence) {
    Trial trial = MakeTrial(sequence);
    Writer().CreateTrials({&trial, 1});
    return trial;
  }
  // Observations first .. first + count - 1 of attempt 0 of `trial`, through the writer.
  void Append(const Trial& trial, int first, int count) {
    auto values = Values(first, count);
    Writer().AppendObservations(trial.name, 0, values);
  }

  std::vector<double> Stored(const std::string& trial, int attempt = 0) {
    return ValuesOf(real_.GetObservations(trial, std::nullopt, attempt));
  }

  TempDir dir_;
  SqliteStore real_;
  FlakyStore flaky_;
  boost::asio::io_context io_;
  StoreWriterOptions options_ = FastRetries();
  std::unique_ptr<StoreWriter> writer_;
  std::vector<std::string> outages_, recoveries_, fatal_;
};

TEST_F(StoreWriterTest, WritesAtOnceWhileTheStoreIsUp) {
  Trial trial = MakeTrial(1);
  Writer().CreateTrials({&trial, 1});
  trial.status = TrialStatus::kRunning;
  Writer().UpdateTrial(trial, {});
  auto values = Values(1, 3);
  Writer().AppendObservations(trial.name, 0, values);
  // Stored before the calls return, with no turn of the loop.
  EXPECT_EQ(Writer().pending(), 0u);
  EXPECT_EQ(real_.GetTrial(trial.name)->status, TrialStatus::kRunning);
  EXPECT_THAT(Stored(trial.name), ElementsAre(1, 2, 3));
  EXPECT_TRUE(outages_.empty());
  EXPECT_TRUE(Drain());
}

TEST_F(StoreWriterTest, BuffersInOrderWhileTheStoreIsDownAndWritesEverythingOnceItIsBack) {
  Trial first = MakeTrial(1);
  Writer().CreateTrials({&first, 1});
  flaky_.down = true;
  Trial second = MakeTrial(2);
  Writer().CreateTrials({&second, 1});
  second.status = TrialStatus::kRunning;
  Writer().UpdateTrial(second, {});
  for (int batch = 0; batch < 10; ++batch) {
    auto values = Values(batch * 3, 3);
    Writer().AppendObservations(second.name, 0, values);
  }
  second.status = TrialStatus::kSucceeded;
  second.objective = 29;
  auto last = Values(30, 2);
  Writer().UpdateTrial(second, last);
  ExperimentStatus status;
  status.state = ExperimentState::kSucceeded;
  status.reason = "ExperimentMaxTrialsReached";
  Writer().UpdateExperimentStatus(kExperiment, status);

  ASSERT_EQ(outages_.size(), 1u);
  EXPECT_THAT(outages_[0], HasSubstr("flaky: CreateTrials: down"));
  EXPECT_GT(Writer().pending(), 0u);
  // The store is retried while down, and nothing is given up on.
  RunUntil(
      io_, [] { return false; }, std::chrono::milliseconds(50));
  EXPECT_FALSE(real_.GetTrial(second.name));
  EXPECT_TRUE(fatal_.empty());

  flaky_.down = false;
  ASSERT_TRUE(Drain());
  EXPECT_EQ(Writer().pending(), 0u);
  std::vector<double> expected(32);
  std::iota(expected.begin(), expected.end(), 0);
  EXPECT_EQ(Stored(second.name), expected);
  EXPECT_EQ(real_.GetTrial(second.name)->status, TrialStatus::kSucceeded);
  EXPECT_EQ(real_.GetExperiment(kExperiment)->status.reason, "ExperimentMaxTrialsReached");
  ASSERT_EQ(recoveries_.size(), 1u);
  EXPECT_THAT(recoveries_[0], HasSubstr("the database is back after"));
  EXPECT_THAT(recoveries_[0], HasSubstr("14 writes made meanwhile are stored"));
  // The ten observation batches waited as one: catching up takes few transactions.
  EXPECT_EQ(flaky_.calls["AppendObservations"], 1);
  EXPECT_TRUE(fatal_.empty());

  // Direct again.
  auto more = Values(100, 1);
  Writer().AppendObservations(second.name, 0, more);
  EXPECT_EQ(Writer().pending(), 0u);
  EXPECT_EQ(Stored(second.name).back(), 100);
}

TEST_F(StoreWriterTest, ObservationsCommittedBeforeTheConnectionBrokeAreNotStoredTwice) {
  Trial trial = MakeTrial(1);
  Writer().CreateTrials({&trial, 1});
  auto before = Values(0, 2);
  Writer().AppendObservations(trial.name, 0, before);
  flaky_.commit_then_fail = true;  // stored, but the writer hears kUnavailable
  auto values = Values(2, 3);
  Writer().AppendObservations(trial.name, 0, values);
  EXPECT_EQ(Writer().pending(), 1u);
  ASSERT_TRUE(Drain());
  EXPECT_THAT(Stored(trial.name), ElementsAre(0, 1, 2, 3, 4));

  // The same for a trial's final update, which carries its last observations.
  flaky_.commit_then_fail = true;
  trial.status = TrialStatus::kSucceeded;
  auto last = Values(5, 1);
  Writer().UpdateTrial(trial, last);
  ASSERT_TRUE(Drain());
  EXPECT_THAT(Stored(trial.name), ElementsAre(0, 1, 2, 3, 4, 5));
  EXPECT_EQ(real_.GetTrial(trial.name)->status, TrialStatus::kSucceeded);
  EXPECT_TRUE(fatal_.empty()) << fatal_.at(0);
}

TEST_F(StoreWriterTest, ObservationsNotCommittedAreStoredOnRetry) {
  Trial trial = Created(1);
  flaky_.down = true;
  Append(trial, 0, 3);
  flaky_.down = false;
  ASSERT_TRUE(Drain());
  EXPECT_THAT(Stored(trial.name), ElementsAre(0, 1, 2));
}

TEST_F(StoreWriterTest, TrialsCreatedBeforeTheConnectionBrokeAreNotAnError) {
  std::vector<Trial> trials = {MakeTrial(1), MakeTrial(2)};
  flaky_.commit_then_fail = true;
  Writer().CreateTrials(trials);
  ASSERT_TRUE(Drain());
  EXPECT_EQ(real_.ListTrials(kExperiment).size(), 2u);
  EXPECT_TRUE(fatal_.empty()) << fatal_.at(0);
}

TEST_F(StoreWriterTest, SpillsObservationsBeyondItsMemoryToAFile) {
  options_.memory_observations = 10;
  Trial trial = MakeTrial(1);
  Writer().CreateTrials({&trial, 1});
  flaky_.down = true;
  Trial other = MakeTrial(2);
  Writer().CreateTrials({&other, 1});
  // Alternating trials, so that batches cannot merge: 40 batches of 5.
  for (int batch = 0; batch < 40; ++batch) {
    auto values = Values(batch * 5, 5, "m\xc3\xa9trique \"q\"");
    Writer().AppendObservations(batch % 2 ? other.name : trial.name, 0, values);
  }
  const std::string spill = dir_.Join("spill.bin");
  ASSERT_TRUE(std::filesystem::exists(spill));
  EXPECT_GT(std::filesystem::file_size(spill), 30u * 5 * 16);
  flaky_.down = false;
  ASSERT_TRUE(Drain());
  std::vector<double> even, odd;
  for (int batch = 0; batch < 40; ++batch) {
    for (int i = 0; i < 5; ++i)
      (batch % 2 ? odd : even).push_back(batch * 5 + i);
  }
  EXPECT_EQ(Stored(trial.name), even);
  EXPECT_EQ(Stored(other.name), odd);
  auto stored = real_.GetObservations(other.name, std::nullopt, 0);
  EXPECT_EQ(stored.at(0).metric, "m\xc3\xa9trique \"q\"");
  EXPECT_EQ(stored.at(0).time, Timestamp(std::chrono::seconds(5)));
  EXPECT_FALSE(std::filesystem::exists(spill)) << "removed once everything is stored";
}

TEST_F(StoreWriterTest, AnErrorThatCannotBeRetriedIsFatal) {
  Trial ghost = MakeTrial(9);  // never created
  Writer().UpdateTrial(ghost, {});
  ASSERT_EQ(fatal_.size(), 1u);
  EXPECT_THAT(fatal_[0], HasSubstr("cannot write to the database"));
  EXPECT_THAT(fatal_[0], HasSubstr(ghost.name));
  EXPECT_TRUE(Writer().failed());
  EXPECT_EQ(Writer().pending(), 0u);
  // Later writes are still made, one try each.
  Trial trial = MakeTrial(1);
  Writer().CreateTrials({&trial, 1});
  EXPECT_TRUE(real_.GetTrial(trial.name));
  EXPECT_TRUE(Drain());
}

TEST_F(StoreWriterTest, AnOutageLongerThanTheLimitIsFatal) {
  options_.give_up_after = std::chrono::milliseconds(30);
  Trial trial = MakeTrial(1);
  Writer().CreateTrials({&trial, 1});
  flaky_.down = true;
  auto values = Values(0, 2);
  Writer().AppendObservations(trial.name, 0, values);
  Writer().AppendObservations(trial.name, 1, values);
  ASSERT_TRUE(Drain());  // drained by dropping the queue
  ASSERT_EQ(fatal_.size(), 1u);
  EXPECT_THAT(fatal_[0], HasSubstr("the database has been unavailable for"));
  EXPECT_THAT(fatal_[0], HasSubstr(": down"));  // the store's own error
  EXPECT_THAT(fatal_[0], HasSubstr("(2 writes were not stored)"));
}

TEST_F(StoreWriterTest, AbandonDropsWhatWaits) {
  Trial trial = Created(1);
  flaky_.down = true;
  Append(trial, 0, 2);
  Writer().Abandon("interrupted");
  EXPECT_EQ(Writer().pending(), 0u);
  ASSERT_EQ(fatal_.size(), 1u);
  EXPECT_EQ(fatal_[0], "interrupted");
  EXPECT_TRUE(Drain());
}

}  // namespace
}  // namespace tuneup
