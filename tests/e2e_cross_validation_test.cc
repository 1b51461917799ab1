// Cross-validated experiments end to end (tuneup.dev/cv-folds): real fold processes, the
// progress and results with mean ± sd, per-fold JSON from `tuneup get`, refused collectors, and
// a controller killed at random moments that neither loses nor repeats a fold.
#include <gtest/gtest.h>

#include <iostream>
#include <string>

#include "api/cross_validation.h"
#include "api/trial_json.h"
#include "db/store.h"
#include "tests/support/e2e_run.h"

namespace tuneup::testing {
namespace {

int Count(const std::string& text, const std::string& part) {
  int count = 0;
  for (size_t at = text.find(part); at != std::string::npos; at = text.find(part, at + 1))
    ++count;
  return count;
}

Manifest CrossValidated(int folds, const std::string& more = "") {
  Manifest manifest;
  manifest.parallel = 3;
  manifest.max_trials = 3;
  manifest.annotations = "    tuneup.dev/cv-folds: \"" + std::to_string(folds) + "\"\n" + more;
  return manifest;
}

TEST_F(E2eRunTest, EveryTrialRunsItsFoldsAndReportsMeanAndSpread) {
  WriteManifest(CrossValidated(3));
  // Fold f of the trial with x reports loss = x + f / 10; every fold job logs its variables.
  WriteTrial(
      R"(echo "$KATIB_TRIAL_NAME $TUNEUP_FOLD $TUNEUP_FOLDS $TUNEUP_REPEAT ${TUNEUP_FINAL-}" >> folds.log
awk -v x="$1" -v f="$TUNEUP_FOLD" 'BEGIN { printf "loss=%.6f\n", x + f / 10 }'
)");
  ProcessResult run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_TRUE(Contains(run.out, "3 trials: 3 Succeeded")) << run.out;
  // Folds 0, .1, .2: sd 0.1 for every trial, in the progress lines (the trial's and the best's)
  // and in the table.
  const std::string all = run.err + run.out;  // progress on stderr, results on stdout
  for (const char* trial :
       {"Succeeded e2e-0001 loss=", "Succeeded e2e-0002 loss=", "Succeeded e2e-0003 loss=",
        " e2e-0001 Succeeded ", " e2e-0002 Succeeded ", " e2e-0003 Succeeded "}) {
    const size_t at = all.find(trial);
    ASSERT_NE(at, std::string::npos) << trial << "\n" << all;
    EXPECT_EQ(all.substr(all.find_first_of("±\n", at), 6), "± 0.1") << all;
  }

  const std::string log = ReadFile(dir_.Join("folds.log"));
  EXPECT_EQ(Count(log, "\n"), 9) << log;
  for (const char* fold : {" 0 3 0 \n", " 1 3 0 \n", " 2 3 0 \n"})
    EXPECT_EQ(Count(log, fold), 3) << log;

  ProcessResult json =
      Tuneup({"get", "trials", "e2e", "--db", workdir() + "/tuneup.db", "-o", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.Describe();
  Json trials = Json::parse(json.out);
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) {
    const double x = std::stod(trial["assignment"][0]["value"].get<std::string>());
    const Json& cv = trial["crossValidation"];
    EXPECT_NEAR(cv["mean"].get<double>(), x + 0.1, 1e-5);
    EXPECT_NEAR(cv["sd"].get<double>(), 0.1, 1e-5);
    ASSERT_EQ(cv["results"].size(), 3u);
    for (int f = 0; f < 3; ++f) {
      const Json& fold = cv["results"][static_cast<size_t>(f)];
      EXPECT_EQ(fold["fold"], f);
      EXPECT_EQ(fold["status"], "Succeeded");
      EXPECT_NEAR(fold["objective"].get<double>(), x + f / 10.0, 1e-5);
    }
  }
}

TEST_F(E2eRunTest, CrossValidationNeedsACollectorThatReadsEachFoldsOwnOutput) {
  Manifest manifest = CrossValidated(5, "    tuneup.dev/cv-race: \"true\"\n");
  manifest.collector = "  metricsCollectorSpec:\n    collector:\n      kind: Push\n";
  WriteManifest(manifest);
  WriteTrial("touch ran\n");
  ProcessResult run = Run();
  EXPECT_EQ(run.exit_code, 2) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "metadata.annotations[tuneup.dev/cv-folds]")) << run.Describe();
  EXPECT_TRUE(Contains(run.err, "not Push")) << run.Describe();
  EXPECT_FALSE(std::filesystem::exists(dir_.Join("ran")));

  Manifest invalid = CrossValidated(1);
  WriteManifest(invalid);
  ProcessResult validated = Tuneup({"validate", manifest_path()});
  EXPECT_EQ(validated.exit_code, 1) << validated.Describe();
  EXPECT_TRUE(Contains(validated.out + validated.err, "tuneup.dev/cv-folds"))
      << validated.Describe();
}

TEST_F(E2eRunTest, TheFinalEvaluationRunsOnceAndIsShownApartFromTheScore) {
  Manifest manifest = CrossValidated(3, "    tuneup.dev/cv-final: \"true\"\n");
  manifest.additional_metrics = {"test-loss"};
  WriteManifest(manifest);
  WriteTrial(R"(if [ -n "${TUNEUP_FINAL-}" ]; then
  echo "final ${TUNEUP_FOLD-none}" >> final.log
  echo "test-loss=0.25"
  echo "loss=0.5"
  exit 0
fi
awk -v x="$1" -v f="$TUNEUP_FOLD" 'BEGIN { printf "loss=%.6f\n", x + f / 10 }'
)");
  ProcessResult run = Run();
  ASSERT_EQ(run.exit_code, 0) << run.Describe();
  EXPECT_EQ(ReadFile(dir_.Join("final.log")), "final none\n");
  EXPECT_TRUE(
      Contains(run.out, "Final evaluation on all data (TUNEUP_FINAL=1): test-loss=0.25 loss=0.5"))
      << run.out;
}

class E2eCrossValidationCrashTest : public E2eRunTest, public ::testing::WithParamInterface<int> {};

TEST_P(E2eCrossValidationCrashTest, KilledAtRandomMomentsEveryFoldRunsExactlyOnce) {
  Manifest manifest = CrossValidated(3);
  manifest.max_trials = 4;
  WriteManifest(manifest);
  WriteTrial(LoggingTrialScript(3));
  int kills = 0;
  ProcessResult result = RunKilledAtRandom(
      {"--file-poll-ms", "20"}, static_cast<unsigned>(GetParam()) * 104729u + 5u, 5, kills);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
  std::cout << "tuneup was killed " << kills << " times\n";
  ExpectEveryTrialRanOnce(12);  // every fold job, by its own log

  std::unique_ptr<Store> store = OpenStore("sqlite:" + workdir() + "/tuneup.db");
  for (const Trial& trial : store->ListTrials("e2e")) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << ": " << trial.message;
    ASSERT_EQ(trial.folds.size(), 3u) << trial.name;
    for (const auto& fold : trial.folds) {
      ObservationFilter filter;
      filter.attempt = fold.attempt;
      filter.fold = fold.index;
      EXPECT_EQ(store->FindObservations(trial.name, filter).size(), 3u)
          << trial.name << " fold " << fold.index;
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Seeds, E2eCrossValidationCrashTest, ::testing::Range(0, 4));

}  // namespace
}  // namespace tuneup::testing
