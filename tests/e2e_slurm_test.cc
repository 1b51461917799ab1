// `tuneup run --executor slurm` end to end on a real single-node Slurm (the ctest fixture
// `slurm`): a random-search experiment whose trials are batch jobs, with a parameter value full
// of shell syntax that must reach the trials literally; and a low-priority experiment whose
// trials a high-priority job preempts, which still completes with every trial Succeeded.
#include <gtest/gtest.h>

#include <iostream>

#include <chrono>
#include <filesystem>
#include <thread>

#include "db/sqlite_store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/slurm_cluster.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::Contains;
using testing::Manifest;
using testing::ProcessResult;
using testing::ReadFile;

class E2eSlurmTest : public testing::E2eRunTest {
 protected:
  void SetUp() override { ASSERT_TRUE(testing::RequireSlurmCluster()); }
  void TearDown() override { testing::CancelAllJobs(); }

  // The manifest with `annotations` (indented lines) under its metadata.
  void WriteManifestWithAnnotations(const Manifest& manifest, const std::string& annotations) {
    std::string yaml = testing::Yaml(manifest);
    const std::string name = "  name: " + manifest.name + "\n";
    yaml.replace(yaml.find(name), name.size(), name + "  annotations:\n" + annotations);
    dir_.WriteFile("experiment.yaml", yaml);
  }

  // Trials whose stdout.log holds `text`.
  int TrialsThatPrinted(const std::string& text) {
    int count = 0;
    for (const auto& [trial, out] : TrialFiles("stdout.log"))
      count += Contains(out, text) ? 1 : 0;
    return count;
  }
};

TEST_F(E2eSlurmTest, RandomExperimentRunsItsTrialsAsSlurmJobs) {
  const std::string marker = dir_.Join("MARKER");
  const std::string weird =
      "$(touch " + marker + "); rm -rf ~ 'q' \"d\" `touch " + marker + "` %j > x";
  Manifest manifest;
  manifest.max_trials = 6;
  manifest.parallel = 2;
  manifest.parameters +=
      "    - name: s\n      parameterType: categorical\n"
      "      feasibleSpace: {list: [" +
      testing::YamlQuote(weird) + "]}\n";
  manifest.trial_parameters += "      - {name: s, reference: s}\n";
  manifest.command = {"./trial.sh", "${trialParameters.x}", "${trialParameters.s}"};
  WriteManifest(manifest);
  WriteTrial("printf '%s' \"$2\" > arg2\necho \"loss=$1\"\n");
  ProcessResult result = Run({"--executor", "slurm", "--slurm-poll-ms", "200"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Experiment e2e: Succeeded (ExperimentMaxTrialsReached)"))
      << result.out;
  EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
  // Each trial was a batch job: its script, Slurm's own output file, the keeper's records.
  auto trials = TrialDirs();
  ASSERT_EQ(trials.size(), 6u);
  for (const auto& trial : trials) {
    const std::string dir = trial_dir(trial);
    EXPECT_TRUE(fs::exists(dir + "/job.sh")) << trial;
    EXPECT_TRUE(fs::exists(dir + "/job.status")) << trial;
    bool slurm_output = false;
    for (const auto& entry : fs::directory_iterator(dir))
      slurm_output |= entry.path().filename().string().starts_with("slurm-");
    EXPECT_TRUE(slurm_output) << trial;
    EXPECT_TRUE(ReadFile(dir + "/stdout.log").starts_with("loss=")) << trial;
  }
  // The trials ran in the working directory (the manifest's); each wrote the value it got.
  EXPECT_EQ(ReadFile(dir_.Join("arg2")), weird);
  EXPECT_FALSE(fs::exists(marker)) << "a shell interpreted a parameter value";
  EXPECT_FALSE(fs::exists(dir_.Join("x")));
}

TEST_F(E2eSlurmTest, CrossValidatedTrialsRunEachFoldAsABatchJob) {
  Manifest manifest;
  manifest.max_trials = 2;
  manifest.parallel = 3;
  manifest.annotations = "    tuneup.dev/cv-folds: \"3\"\n";
  WriteManifest(manifest);
  WriteTrial(
      "awk -v x=\"$1\" -v f=\"$TUNEUP_FOLD\" 'BEGIN { printf \"loss=%.6f\\n\", x + f / 10 }'\n");
  ProcessResult result = Run({"--executor", "slurm", "--slurm-poll-ms", "200"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "2 trials: 2 Succeeded")) << result.out;
  EXPECT_TRUE(Contains(result.out, "± 0.1")) << result.out;
  for (const auto& trial : TrialDirs()) {
    for (int fold = 0; fold < 3; ++fold) {
      const std::string dir = trial_dir(trial) + "/fold-" + std::to_string(fold);
      EXPECT_TRUE(fs::exists(dir + "/job.sh")) << dir;
      EXPECT_TRUE(fs::exists(dir + "/job.status")) << dir;
    }
  }
}

TEST_F(E2eSlurmTest, PreemptedLowPriorityTrialsRunAgainAndTheExperimentCompletes) {
  Manifest manifest;
  manifest.max_trials = 4;
  manifest.parallel = 2;
  WriteManifestWithAnnotations(manifest,
                               "    tuneup.dev/priority: low\n"
                               "    tuneup.dev/slurm-partition: low\n");
  WriteTrial("echo started\nsleep 3\necho \"loss=$1\"\n");
  testing::Process tuneup(
      Argv(RunArgs({"--executor", "slurm", "--slurm-poll-ms", "200", "--file-poll-ms", "100"})),
      Options());
  // Both first trials run: a job on the high partition takes the node from them.
  auto deadline = std::chrono::steady_clock::now() + 30s;
  while (TrialsThatPrinted("started") < 2 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(50ms);
  ASSERT_EQ(TrialsThatPrinted("started"), 2) << tuneup.Wait(1s).Describe();
  const int64_t high = testing::SubmitSleep({"--partition=high", "--cpus-per-task=2"}, 2);
  ASSERT_NE(high, 0);
  ProcessResult result = tuneup.Wait(90s);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
  EXPECT_FALSE(Contains(result.out, "Failed")) << result.out;
  // The high-priority job ran while the trials waited.
  EXPECT_EQ(testing::JobField(high, "JobState"), "COMPLETED");

  SqliteStore store(workdir() + "/tuneup.db");
  auto trials = store.ListTrials("e2e");
  ASSERT_EQ(trials.size(), 4u);
  int rerun = 0;
  for (const auto& trial : trials) {
    EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name << ": " << trial.message;
    if (trial.attempt > 0) {
      ++rerun;
      // The preempted attempt's files are kept beside the new ones.
      EXPECT_TRUE(fs::exists(trial_dir(trial.name) + ".attempt-0/job.sh")) << trial.name;
    }
  }
  EXPECT_EQ(rerun, 2) << "both running trials were preempted and ran again as a later attempt";
}

// Crash safety on Slurm: tuneup SIGKILLed at random moments in five runs. Each trial's job id is
// stored before `scontrol release` lets it run, so the next tuneup follows (or collects) every job
// and no trial runs twice, by the trial program's own log.
TEST_F(E2eSlurmTest, KilledAtRandomMomentsInFiveRunsNoTrialRunsTwice) {
  constexpr int kTrials = 6;
  Manifest manifest;
  manifest.max_trials = kTrials;
  manifest.parallel = 2;
  WriteManifest(manifest);
  WriteTrial(testing::LoggingTrialScript(3));
  for (unsigned seed : {5u, 13u, 21u, 34u, 55u}) {
    SCOPED_TRACE(seed);
    fs::remove_all(workdir());
    fs::remove(dir_.Join("trials.log"));
    int kills = 0;
    ProcessResult result = RunKilledAtRandom(
        {"--executor", "slurm", "--slurm-poll-ms", "200", "--file-poll-ms", "100"}, seed, 4, kills);
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
    EXPECT_GT(kills, 0);
    EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
    ExpectEveryTrialRanOnce(kTrials);
    std::cout << "seed " << seed << ": tuneup was killed " << kills << " times\n";
  }
}

}  // namespace
}  // namespace tuneup
