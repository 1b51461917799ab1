// examples/tfevents-logistic end to end: a trainer writing TensorBoard event files with
// tensorboardX (from the test virtualenv), Katib's TensorFlowEvent collector reading them.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "db/sqlite_store.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "tests/support/test_venv.h"

namespace tuneup {
namespace {

TEST(E2eTfEventsTest, LogisticRegressionReportingThroughEventFiles) {
  testing::TestVenv venv = testing::FindTestVenv();
  if (!venv.unavailable.empty()) GTEST_SKIP() << venv.unavailable;
  ASSERT_TRUE(venv.error.empty()) << venv.error;

  testing::TempDir dir;
  testing::ProcessOptions options;
  options.working_dir = dir.path().string();
  // The example runs `python3`: the virtualenv's, which has numpy and tensorboardX.
  const std::string bin = std::filesystem::path(venv.python).parent_path().string();
  const char* path = std::getenv("PATH");
  options.env = {{"PATH", bin + ":" + (path ? path : "/usr/bin:/bin")}};
  testing::ProcessResult result =
      testing::RunProcess({testing::TuneupBinary(), "run",
                           testing::SourcePath("examples/tfevents-logistic/experiment.yaml"),
                           "--workdir", dir.Join("work")},
                          options);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_NE(result.out.find("6 trials: 6 Succeeded"), std::string::npos) << result.out;

  SqliteStore store(dir.Join("work/tuneup.db"));
  for (const auto& trial : store.ListTrials("tfevents-logistic")) {
    // 15 epochs: each metric once per epoch, from the file under its own directory.
    auto accuracy = store.GetObservations(trial.name, "validation/accuracy", std::nullopt);
    ASSERT_EQ(accuracy.size(), 15u) << trial.name;
    EXPECT_EQ(store.GetObservations(trial.name, "validation/loss", std::nullopt).size(), 15u);
    auto train_loss = store.GetObservations(trial.name, "train/loss", std::nullopt);
    ASSERT_EQ(train_loss.size(), 15u) << trial.name;
    for (const auto& o : accuracy) {
      EXPECT_GT(o.value, 0.3) << trial.name;
      EXPECT_LE(o.value, 1.0) << trial.name;
    }
    // Katib's tag matching keeps train and validation apart: the losses differ.
    EXPECT_NE(train_loss.back().value,
              store.GetObservations(trial.name, "validation/loss", std::nullopt).back().value);
    double best = 0;
    for (const auto& o : accuracy)
      best = std::max(best, o.value);
    ASSERT_TRUE(trial.objective) << trial.name;
    EXPECT_EQ(*trial.objective, best) << trial.name;
    EXPECT_EQ(testing::ReadFile(dir.Join("work/trials/" + trial.name + "/stdout.log")), "");
  }
}

}  // namespace
}  // namespace tuneup
