// Checkpoint directories (controller/checkpoints.h): every trial gets its own, a promoted trial
// starts with a private copy of the earlier trial's, links are copied and never followed, and a
// label that is not a plain trial name is refused.
#include "controller/checkpoints.h"

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

#include "common/error.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using testing::ReadFile;
using testing::TempDir;

Trial Named(const std::string& name, const std::string& resume_from = "") {
  Trial trial;
  trial.name = name;
  if (!resume_from.empty()) trial.labels[kResumeFromLabel] = resume_from;
  return trial;
}

TEST(CheckpointsTest, ATrialWithoutAnEarlierOneGetsAnEmptyDirectory) {
  TempDir root;
  PrepareCheckpointDir(root.path(), Named("t-0"));
  const fs::path dir = CheckpointDir(root.path() / "t-0");
  EXPECT_EQ(dir, root.path() / "t-0" / "checkpoint");
  ASSERT_TRUE(fs::is_directory(dir));
  EXPECT_TRUE(fs::is_empty(dir));
}

TEST(CheckpointsTest, APromotedTrialStartsWithAPrivateCopyOfTheEarlierCheckpoint) {
  TempDir root;
  root.WriteFile("t-0/checkpoint/model.bin", "weights after 3 epochs");
  root.WriteFile("t-0/checkpoint/optimizer/state", "moments");
  root.WriteFile("t-0/stdout.log", "not part of the checkpoint");
  PrepareCheckpointDir(root.path(), Named("t-5", "t-0"));
  const fs::path copy = root.path() / "t-5" / "checkpoint";
  EXPECT_EQ(ReadFile((copy / "model.bin").string()), "weights after 3 epochs");
  EXPECT_EQ(ReadFile((copy / "optimizer" / "state").string()), "moments");
  EXPECT_FALSE(fs::exists(copy / "stdout.log"));
  EXPECT_FALSE(fs::exists(root.path() / "t-5" / "checkpoint.partial"));

  // The trainer overwrites its copy in place; the earlier trial's files stay as they were, so
  // the same checkpoint can seed another trial.
  root.WriteFile("t-5/checkpoint/model.bin", "weights after 9 epochs");
  EXPECT_EQ(ReadFile(root.Join("t-0/checkpoint/model.bin")), "weights after 3 epochs");
  PrepareCheckpointDir(root.path(), Named("t-6", "t-0"));
  EXPECT_EQ(ReadFile(root.Join("t-6/checkpoint/model.bin")), "weights after 3 epochs");
}

TEST(CheckpointsTest, AReRunStartsAgainFromTheEarlierTrialNotFromItsOwnLeftovers) {
  TempDir root;
  root.WriteFile("t-0/checkpoint/model.bin", "epoch 3");
  root.WriteFile("t-5/checkpoint/model.bin", "half-written epoch 7");
  root.WriteFile("t-5/checkpoint/extra", "left over");
  root.WriteFile("t-5/checkpoint.partial/model.bin", "an interrupted copy");
  PrepareCheckpointDir(root.path(), Named("t-5", "t-0"));
  EXPECT_EQ(ReadFile(root.Join("t-5/checkpoint/model.bin")), "epoch 3");
  EXPECT_FALSE(fs::exists(root.path() / "t-5" / "checkpoint" / "extra"));
  EXPECT_FALSE(fs::exists(root.path() / "t-5" / "checkpoint.partial"));
}

TEST(CheckpointsTest, AnEarlierTrialThatSavedNothingGivesAnEmptyDirectory) {
  TempDir root;
  root.WriteFile("t-0/stdout.log", "a trainer that ignores TUNEUP_CHECKPOINT_DIR");
  PrepareCheckpointDir(root.path(), Named("t-3", "t-0"));
  ASSERT_TRUE(fs::is_directory(root.path() / "t-3" / "checkpoint"));
  EXPECT_TRUE(fs::is_empty(root.path() / "t-3" / "checkpoint"));
  // The earlier trial's directory may be gone altogether (cleaned up by hand).
  PrepareCheckpointDir(root.path(), Named("t-4", "t-missing"));
  EXPECT_TRUE(fs::is_empty(root.path() / "t-4" / "checkpoint"));
}

TEST(CheckpointsTest, SymbolicLinksAreCopiedAsLinksNeverFollowed) {
  TempDir root;
  TempDir elsewhere;
  elsewhere.WriteFile("secret/key", "outside the trials");
  root.WriteFile("t-0/checkpoint/model.bin", "w");
  fs::create_directory_symlink(elsewhere.path() / "secret", root.path() / "t-0/checkpoint/data");
  PrepareCheckpointDir(root.path(), Named("t-1", "t-0"));
  const fs::path link = root.path() / "t-1" / "checkpoint" / "data";
  ASSERT_TRUE(fs::is_symlink(link));
  EXPECT_EQ(fs::read_symlink(link), elsewhere.path() / "secret");
}

TEST(CheckpointsTest, ALabelThatIsNotAPlainTrialNameIsRefused) {
  TempDir root;
  root.WriteFile("secret/checkpoint/key", "not a trial");
  for (const std::string bad : {"..", ".", "../secret", "t-0/../../secret", "/etc", "t-7"}) {
    try {
      PrepareCheckpointDir(root.path() / "trials", Named("t-7", bad));
      ADD_FAILURE() << bad << " was accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument) << bad;
      EXPECT_NE(std::string(e.what()).find("label tuneup.dev/resume-from of trial t-7 is \"" + bad +
                                           "\": not the name of another trial"),
                std::string::npos)
          << e.what();
    }
  }
  EXPECT_FALSE(fs::exists(root.path() / "trials" / "t-7" / "checkpoint" / "key"));
}

TEST(CheckpointsTest, AnUnwritableDirectoryIsAnIoErrorNamingThePath) {
  // A regular file in the way (permissions would not stop root).
  TempDir root;
  root.WriteFile("t-0", "a file where the trial directory should be");
  try {
    PrepareCheckpointDir(root.path(), Named("t-0"));
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_NE(std::string(e.what()).find("cannot create " + root.Join("t-0/checkpoint")),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace tuneup
