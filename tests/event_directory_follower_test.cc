// Following a trial's TensorFlow event directory (metrics-collector/event_directory_follower.h):
// a directory that appears late, event files that appear later in subdirectories and grow
// record by record, Katib's directory rule named from the declared path, and the bounds.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "metrics-collector/event_directory_follower.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "tests/support/run_until.h"
#include "tests/support/test_support.h"
#include "tests/support/tfevent_files.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Pair;
using testing::ScalarRecord;
using ::testing::SizeIs;
using namespace std::chrono_literals;

constexpr double kWall = 1'700'000'000.5;

class EventDirectoryFollowerTest : public ::testing::Test {
 protected:
  std::unique_ptr<EventDirectoryFollower> Follow(std::vector<std::string> names,
                                                 std::string declared_path = "",
                                                 size_t max_files = 1000) {
    EventDirectoryFollowerOptions options;
    options.path = path_;
    options.declared_path = std::move(declared_path);
    options.metric_names = std::move(names);
    options.poll_interval = 5ms;
    options.max_files = max_files;
    return std::make_unique<EventDirectoryFollower>(
        io_, options, clock_,
        [this](std::vector<Observation> batch) {
          ++batches_;
          for (auto& o : batch)
            observed_.push_back(std::move(o));
        },
        [this](std::string_view message) { warnings_.emplace_back(message); });
  }
  template <typename Done>
  bool RunUntil(Done done) {
    return testing::RunUntil(io_, done);
  }
  void Append(const std::string& relative, const std::string& bytes) {
    const std::filesystem::path file = std::filesystem::path(path_) / relative;
    std::filesystem::create_directories(file.parent_path());
    std::ofstream(file, std::ios::app | std::ios::binary) << bytes;
  }
  std::vector<std::pair<std::string, double>> values() const {
    std::vector<std::pair<std::string, double>> result;
    for (const auto& o : observed_)
      result.emplace_back(o.metric, o.value);
    return result;
  }

  testing::TempDir dir_;
  std::string path_ = dir_.Join("tfevent");
  FakeClock clock_;
  boost::asio::io_context io_;
  std::vector<Observation> observed_;
  int batches_ = 0;
  std::vector<std::string> warnings_;
};

TEST_F(EventDirectoryFollowerTest, ADirectoryThatAppearsLateWithFilesInSubdirectoriesLater) {
  auto follower = Follow({"train/accuracy", "validation/accuracy", "loss"});
  io_.run_for(30ms);
  EXPECT_FALSE(follower->appeared());
  std::filesystem::create_directory(path_);
  ASSERT_TRUE(RunUntil([&] { return follower->appeared(); }));
  EXPECT_THAT(follower->files(), IsEmpty());

  const std::string train = "train/events.out.tfevents.1700000000.host";
  Append(train, testing::FileVersionRecord(kWall) + ScalarRecord(kWall, 1, "accuracy", 0.5f));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 1; }));
  EXPECT_EQ(observed_[0].metric, "train/accuracy");
  EXPECT_EQ(observed_[0].time, Timestamp(1'700'000'000'500ms));

  // The file grows record by record, the last one in two writes.
  Append(train, ScalarRecord(kWall + 1, 2, "accuracy", 0.625f));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 2; }));
  const std::string loss = ScalarRecord(kWall + 2, 2, "loss", 0.25f);
  Append(train, loss.substr(0, 10));
  io_.run_for(30ms);
  EXPECT_THAT(observed_, SizeIs(2));
  Append(train, loss.substr(10));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 3; }));

  const std::string validation = "validation/events.out.tfevents.1700000001.host";
  Append(validation, ScalarRecord(kWall, 2, "accuracy", 0.375f));
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 4; }));
  Append(validation, ScalarRecord(kWall, 3, "accuracy", 0.5f));
  follower->Finish();  // reads the rest at once

  EXPECT_THAT(values(), ElementsAre(Pair("train/accuracy", 0.5), Pair("train/accuracy", 0.625),
                                    Pair("loss", 0.25), Pair("validation/accuracy", 0.375),
                                    Pair("validation/accuracy", 0.5)));
  EXPECT_THAT(follower->files(), ElementsAre(train, validation));
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(EventDirectoryFollowerTest, DirectoriesAreNamedFromTheDeclaredPathForKatibsRule) {
  // The trial writes to its own copy of /var/log/katib/tfevent/; metric names refer to the
  // declared path, as in the trial's pod.
  Append("events.out.tfevents.1", ScalarRecord(kWall, 1, "loss", 1));
  Append("train/events.out.tfevents.2", ScalarRecord(kWall, 1, "loss", 2));
  Append("train/deeper/events.out.tfevents.3", ScalarRecord(kWall, 1, "loss", 3));
  auto follower = Follow({"tfevent/loss", "katib/tfevent/train/loss", "train/deeper/loss"},
                         "/var/log/katib/tfevent/");
  follower->Finish();
  // Files are taken in path order: train/deeper/ before train/events...
  EXPECT_THAT(values(), ElementsAre(Pair("tfevent/loss", 1), Pair("train/deeper/loss", 3),
                                    Pair("katib/tfevent/train/loss", 2)));
}

TEST_F(EventDirectoryFollowerTest, OnlyEventFilesAreRead) {
  const std::string record = ScalarRecord(kWall, 1, "loss", 1);
  Append("checkpoint", record);
  Append("metrics.log", record);
  Append("events.out.tfevents.1.host.profile-empty", record);
  Append("plugins/profile/run/host.trace", record);
  Append("run1/events.out.tfevents.1.host", record);
  Append("run2/my.tfevents.file", record);  // TensorBoard's rule: "tfevents" in the name
  std::filesystem::create_directories(std::filesystem::path(path_) / "events.out.tfevents.dir");
  auto follower = Follow({"loss"});
  follower->Finish();
  EXPECT_THAT(follower->files(),
              ElementsAre("run1/events.out.tfevents.1.host", "run2/my.tfevents.file"));
  EXPECT_THAT(values(), ElementsAre(Pair("loss", 1), Pair("loss", 1)));
}

TEST_F(EventDirectoryFollowerTest, AtMostMaxFilesAreFollowed) {
  for (const char* run : {"a", "b", "c", "d"})
    Append(std::string(run) + "/events.out.tfevents.1", ScalarRecord(kWall, 1, "loss", 1));
  auto follower = Follow({"loss"}, "", 2);
  ASSERT_TRUE(RunUntil([&] { return observed_.size() == 2; }));
  Append("e/events.out.tfevents.1", ScalarRecord(kWall, 1, "loss", 1));
  io_.run_for(30ms);
  follower->Finish();
  EXPECT_THAT(follower->files(), ElementsAre("a/events.out.tfevents.1", "b/events.out.tfevents.1"));
  EXPECT_THAT(observed_, SizeIs(2));
  EXPECT_THAT(warnings_, ElementsAre(path_ + "/c/events.out.tfevents.1: not read: 2 event files "
                                             "are followed already (the limit)"));
}

TEST_F(EventDirectoryFollowerTest, ADirectoryThatNeverAppearsIsReported) {
  auto follower = Follow({"loss"});
  io_.run_for(30ms);
  follower->Finish();
  EXPECT_FALSE(follower->appeared());
  EXPECT_EQ(follower->path(), path_);
  EXPECT_THAT(observed_, IsEmpty());
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(EventDirectoryFollowerTest, AFileWhereTheDirectoryShouldBeIsReportedOnce) {
  std::ofstream(path_) << "not a directory";
  auto follower = Follow({"loss"});
  io_.run_for(30ms);
  follower->Finish();
  EXPECT_FALSE(follower->appeared());
  EXPECT_THAT(warnings_, ElementsAre(path_ + ": is not a directory; not read"));
}

TEST_F(EventDirectoryFollowerTest, WarningsNameTheirFile) {
  const std::string record = ScalarRecord(kWall, 1, "loss", 1);
  Append("train/events.out.tfevents.1", record + record.substr(0, 20));
  auto follower = Follow({"loss"});
  follower->Finish();
  EXPECT_THAT(observed_, SizeIs(1));
  EXPECT_THAT(
      warnings_,
      ElementsAre(path_ + "/train/events.out.tfevents.1: offset " + std::to_string(record.size()) +
                  ": the file ends inside a record of " + std::to_string(record.size() - 16) +
                  " bytes (20 of " + std::to_string(record.size()) + " bytes written); ignored"));
}

TEST_F(EventDirectoryFollowerTest, ObservationsWithoutAWallTimeTakeTheClocksTime) {
  Append("events.out.tfevents.1", ScalarRecord(0, 1, "loss", 1));
  auto follower = Follow({"loss"});
  follower->Finish();
  ASSERT_THAT(observed_, SizeIs(1));
  EXPECT_EQ(observed_[0].time, clock_.Now());
}

TEST_F(EventDirectoryFollowerTest, NoCallbackAfterDestruction) {
  Append("events.out.tfevents.1", ScalarRecord(kWall, 1, "loss", 1));
  { auto follower = Follow({"loss"}); }
  io_.run_for(30ms);
  EXPECT_THAT(observed_, IsEmpty());
}

}  // namespace
}  // namespace tuneup
