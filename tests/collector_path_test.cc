// A trial's own copy of the collector's file path (controller/collector_path.h): where it lies,
// which occurrences are rewritten, and which are not.
#include "controller/collector_path.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

Experiment WithCollector(const std::string& kind, const std::string& path,
                         const std::string& file_kind = katib::kFileKindFile) {
  Experiment experiment;
  MetricsCollectorSpec mc;
  mc.collector = CollectorSpec{kind, std::nullopt};
  mc.source = SourceSpec{};
  mc.source->file_system_path = FileSystemPath{path, file_kind, "TEXT"};
  experiment.spec.metrics_collector_spec = mc;
  return experiment;
}

TEST(CollectorPathTest, FileAndDirectoryCollectorsGetAPathInsideTheTrialDirectory) {
  auto file = LocalCollectorPath(WithCollector("File", "/var/log/katib/metrics.log"), "/w/t-1");
  ASSERT_TRUE(file);
  EXPECT_EQ(file->declared, "/var/log/katib/metrics.log");
  EXPECT_EQ(file->local, "/w/t-1/collector/var/log/katib/metrics.log");
  EXPECT_FALSE(file->directory);
  auto dir = LocalCollectorPath(
      WithCollector("TensorFlowEvent", "/tmp/tb/", katib::kFileKindDirectory), "/w/t-2");
  ASSERT_TRUE(dir);
  EXPECT_EQ(dir->declared, "/tmp/tb");
  EXPECT_EQ(dir->local, "/w/t-2/collector/tmp/tb");
  EXPECT_TRUE(dir->directory);
  // Paths that climb are normalised first: they stay inside the trial's directory.
  auto climbing = LocalCollectorPath(WithCollector("File", "/a/../../etc/passwd"), "/w/t-3");
  ASSERT_TRUE(climbing);
  EXPECT_EQ(climbing->local, "/w/t-3/collector/etc/passwd");
  EXPECT_FALSE(LocalCollectorPath(WithCollector("StdOut", "/var/log/x"), "/w/t-4"));
  EXPECT_FALSE(LocalCollectorPath(Experiment{}, "/w/t-4"));
}

TEST(CollectorPathTest, OccurrencesInArgvAndContainerEnvAreRewrittenWholePathsOnly) {
  testing::TempDir dir;
  CollectorPath path{"/tmp/tb", (dir.path() / "collector/tmp/tb").string(), true};
  TrialJob job;
  job.argv = {"train",       "--logdir=/tmp/tb", "/tmp/tb/run1/x", "/tmp/tb2",
              "/tmp/tb.bak", "/tmp/tb,/tmp/tb",  "a/tmp/tb"};
  job.env = {{"TUNEUP_TRIAL_DIR", "/tmp/tb/trials/t-1"}, {"LOGS", "/tmp/tb"}, {"OTHER", "/tmp"}};
  UseLocalCollectorPath(job, path);
  const std::string local = path.local;
  EXPECT_THAT(job.argv,
              ::testing::ElementsAre("train", "--logdir=" + local, local + "/run1/x", "/tmp/tb2",
                                     "/tmp/tb.bak", local + "," + local, "a/tmp/tb"));
  EXPECT_EQ(job.env[0].second, "/tmp/tb/trials/t-1");  // tuneup's own variables are not touched
  EXPECT_EQ(job.env[1].second, local);
  EXPECT_EQ(job.env[2].second, "/tmp");
  EXPECT_TRUE(std::filesystem::is_directory(local));  // a Directory collector's directory exists
}

TEST(CollectorPathTest, AFileCollectorGetsItsParentDirectory) {
  testing::TempDir dir;
  CollectorPath path{"/var/log/m.json", (dir.path() / "collector/var/log/m.json").string(), false};
  TrialJob job;
  job.argv = {"train"};
  UseLocalCollectorPath(job, path);
  EXPECT_TRUE(std::filesystem::is_directory(dir.path() / "collector/var/log"));
  EXPECT_FALSE(std::filesystem::exists(path.local));  // the trainer makes the file
}

TEST(CollectorPathTest, TheRootDirectoryIsRefusedAndUnwritableDirectoriesAreIoErrors) {
  TrialJob job;
  try {
    UseLocalCollectorPath(job, CollectorPath{"/", "/w/collector", true});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("fileSystemPath.path \"/\" names no file"));
  }
  testing::TempDir dir;
  dir.WriteFile("collector", "a file where a directory should be");
  try {
    UseLocalCollectorPath(job, CollectorPath{"/x/m.log", dir.Join("collector/x/m.log"), false});
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kIo);
    EXPECT_THAT(e.what(), ::testing::HasSubstr("cannot create " + dir.Join("collector/x")));
  }
}

}  // namespace
}  // namespace tuneup
