// Following a metrics file while a trial writes it (metrics-collector/file_follower.h): late
// appearance, growth in pieces, truncation, replacement, files that never appear.
#include "metrics-collector/file_follower.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using namespace std::chrono_literals;

class FileFollowerTest : public ::testing::Test {
 protected:
  std::unique_ptr<FileFollower> Follow(size_t max_bytes_per_poll = size_t{4} << 20) {
    FileFollowerOptions options;
    options.path = path_;
    options.poll_interval = 5ms;
    options.max_bytes_per_poll = max_bytes_per_poll;
    return std::make_unique<FileFollower>(
        io_, options, [this](std::string_view bytes) { read_ += bytes; },
        [this](std::string_view message) { warnings_.emplace_back(message); });
  }
  // Runs the loop until `done` holds (or 5 s pass).
  template <typename Done>
  bool RunUntil(Done done) {
    for (int i = 0; i < 1000 && !done(); ++i) {
      io_.run_for(5ms);
      if (io_.stopped()) io_.restart();
    }
    return done();
  }
  void Append(const std::string& text) { std::ofstream(path_, std::ios::app) << text; }

  testing::TempDir dir_;
  std::string path_ = dir_.Join("metrics.log");
  boost::asio::io_context io_;
  std::string read_;
  std::vector<std::string> warnings_;
};

TEST_F(FileFollowerTest, AFileThatAppearsLateAndGrowsIsReadAsItGrows) {
  auto follower = Follow();
  io_.run_for(30ms);  // not there yet: it keeps polling
  ASSERT_FALSE(follower->appeared());
  Append("loss=0.5\nloss=0.");
  ASSERT_TRUE(RunUntil([&] { return read_ == "loss=0.5\nloss=0."; })) << read_;
  EXPECT_TRUE(follower->appeared());
  Append("4\n");
  ASSERT_TRUE(RunUntil([&] { return read_ == "loss=0.5\nloss=0.4\n"; })) << read_;
  Append("loss=0.3");
  follower->Finish();  // the rest, at once
  EXPECT_EQ(read_, "loss=0.5\nloss=0.4\nloss=0.3");
  EXPECT_THAT(warnings_, IsEmpty());
}

TEST_F(FileFollowerTest, ATruncatedFileIsReadAgainFromTheStart) {
  Append("loss=0.5\nloss=0.4\n");
  auto follower = Follow();
  ASSERT_TRUE(RunUntil([&] { return read_.size() == 18; }));
  std::ofstream(path_, std::ios::trunc) << "loss=9\n";
  ASSERT_TRUE(RunUntil([&] { return read_.size() == 25; })) << read_;
  EXPECT_EQ(read_, "loss=0.5\nloss=0.4\nloss=9\n");
  EXPECT_THAT(warnings_, ElementsAre(path_ + ": truncated (from 18 to 7 bytes); reading it "
                                             "again from the start"));
}

TEST_F(FileFollowerTest, AReplacedFileIsFinishedThenTheNewOneIsRead) {
  Append("a\n");
  auto follower = Follow();
  ASSERT_TRUE(RunUntil([&] { return read_ == "a\n"; }));
  // A rotation: the writer renames the file away (after a last line) and starts a new one.
  Append("b\n");
  std::filesystem::rename(path_, path_ + ".1");
  Append("c\n");
  ASSERT_TRUE(RunUntil([&] { return read_ == "a\nb\nc\n"; })) << read_;
  EXPECT_THAT(warnings_, ElementsAre(path_ + ": replaced by a new file; reading the new one "
                                             "from its start"));
}

TEST_F(FileFollowerTest, AFileThatNeverAppearsIsReported) {
  auto follower = Follow();
  io_.run_for(30ms);
  follower->Finish();
  EXPECT_FALSE(follower->appeared());
  EXPECT_EQ(follower->path(), path_);
  EXPECT_EQ(read_, "");
}

TEST_F(FileFollowerTest, ADirectoryAtThePathIsNotRead) {
  std::filesystem::create_directory(path_);
  auto follower = Follow();
  io_.run_for(30ms);
  follower->Finish();
  EXPECT_FALSE(follower->appeared());
  EXPECT_THAT(warnings_, ElementsAre(path_ + ": is not a regular file; not read"));
}

TEST_F(FileFollowerTest, EachPollReadsAtMostItsBudgetAndFinishReadsTheRest) {
  Append(std::string(1 << 20, 'x'));
  std::vector<size_t> pieces;
  FileFollowerOptions options;
  options.path = path_;
  options.poll_interval = 1ms;
  options.max_bytes_per_poll = 100'000;
  size_t total = 0;
  FileFollower follower(
      io_, options, [&](std::string_view bytes) { total += bytes.size(); }, nullptr);
  io_.run_one();  // exactly one poll
  EXPECT_EQ(total, 100'000u);
  follower.Finish();
  EXPECT_EQ(total, size_t{1} << 20);
}

TEST_F(FileFollowerTest, NoCallbackAfterDestruction) {
  Append("a\n");
  { auto follower = Follow(); }
  io_.run_for(30ms);
  EXPECT_EQ(read_, "");
}

}  // namespace
}  // namespace tuneup
