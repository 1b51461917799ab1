// The examples under examples/ run end to end with the tuneup binary: real training programs
// (Debian's python3-sklearn), real processes, the embedded store.
#include <gtest/gtest.h>

#include <signal.h>

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "common/text.h"
#include "db/sqlite_store.h"
#include "suggestion/hyperband.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using testing::ProcessResult;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The rows of the results table `tuneup run` prints (trial, status, objective and the values:
// `columns` words in all) for trials in `status` whose names start with `prefix`.
std::vector<std::vector<std::string>> ResultRows(const std::string& out, const std::string& prefix,
                                                 size_t columns,
                                                 const std::string& status = "Succeeded") {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string word; words >> word;)
      row.push_back(word);
    if (row.size() == columns && row[0].rfind(prefix, 0) == 0 && row[1] == status) {
      rows.push_back(row);
    }
  }
  return rows;
}

double Highest(const std::vector<Observation>& observations) {
  double highest = -std::numeric_limits<double>::infinity();
  for (const auto& o : observations)
    highest = std::max(highest, o.value);
  return highest;
}

// The argv and options of `tuneup run examples/MANIFEST` with a work directory inside `dir`.
std::vector<std::string> ExampleArgv(const testing::TempDir& dir, const std::string& manifest) {
  return {testing::TuneupBinary(), "run", testing::SourcePath("examples/" + manifest), "--workdir",
          dir.Join("work")};
}
testing::ProcessOptions ExampleOptions(const testing::TempDir& dir) {
  testing::ProcessOptions options;
  options.working_dir = dir.path().string();
  return options;
}

ProcessResult RunExample(const testing::TempDir& dir, const std::string& manifest) {
  return testing::RunProcess(ExampleArgv(dir, manifest), ExampleOptions(dir),
                             std::chrono::seconds(240));
}

TEST(E2eExamplesTest, DigitsNetworkTunedByBayesianOptimisation) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/bayesian-optimization.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentMaxTrialsReached)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "15 trials: 15 Succeeded")) << result.out;
  EXPECT_TRUE(Contains(result.out, "Best trial: digits-mlp-bo-")) << result.out;

  // Columns: trial, status, accuracy, lr, alpha, hidden, activation.
  auto rows = ResultRows(result.out, "digits-mlp-bo-", 7);
  ASSERT_EQ(rows.size(), 15u) << result.out;
  std::set<std::string> assignments;
  for (const auto& row : rows) {
    assignments.insert(row[3] + " " + row[4] + " " + row[5] + " " + row[6]);
    double accuracy = ParseDouble(row[2]).value();
    EXPECT_GT(accuracy, 0.5) << row[0];
    double lr = ParseDouble(row[3]).value();
    EXPECT_GE(lr, 0.0001);
    EXPECT_LE(lr, 0.1);
    double alpha = ParseDouble(row[4]).value();
    EXPECT_GE(alpha, 0.000001);
    EXPECT_LE(alpha, 0.01);
    int64_t hidden = ParseInt64(row[5]).value();
    EXPECT_EQ(hidden % 16, 0) << row[0];
    EXPECT_GE(hidden, 16);
    EXPECT_LE(hidden, 128);
    EXPECT_TRUE(row[6] == "relu" || row[6] == "tanh" || row[6] == "logistic") << row[6];
  }
  EXPECT_EQ(assignments.size(), 15u) << "an assignment was proposed twice:\n" << result.out;
  // The table is sorted best first; the digits data are easy for a well-tuned network.
  EXPECT_GT(ParseDouble(rows.front()[2]).value(), 0.95) << result.out;
}

TEST(E2eExamplesTest, DigitsNetworkReportingThroughAJsonMetricsFile) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/file-json.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
  SqliteStore store(dir.Join("work/tuneup.db"));
  for (const auto& trial : store.ListTrials("digits-mlp-file-json")) {
    // Each trial wrote its own copy of /var/log/katib/metrics.json: 25 epochs, one line each.
    const std::string file = testing::ReadFile(
        dir.Join("work/trials/" + trial.name + "/collector/var/log/katib/metrics.json"));
    EXPECT_EQ(std::count(file.begin(), file.end(), '\n'), 25) << trial.name;
    auto accuracy = store.GetObservations(trial.name, "accuracy", std::nullopt);
    ASSERT_EQ(accuracy.size(), 25u) << trial.name;  // strings, as Katib writes them
    EXPECT_EQ(store.GetObservations(trial.name, "loss", std::nullopt).size(), 25u);  // numbers
    ASSERT_TRUE(trial.objective);
    // maximize: Katib's default strategy max
    EXPECT_EQ(*trial.objective, Highest(accuracy)) << trial.name;
  }
}

TEST(E2eExamplesTest, DigitsNetworkPushingItsOwnMetrics) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/push.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
  SqliteStore store(dir.Join("work/tuneup.db"));
  for (const auto& trial : store.ListTrials("digits-mlp-push")) {
    // Nothing printed: every value came through `tuneup report`, one call per epoch.
    EXPECT_EQ(testing::ReadFile(dir.Join("work/trials/" + trial.name + "/stdout.log")), "")
        << trial.name;
    auto accuracy = store.GetObservations(trial.name, "accuracy", std::nullopt);
    ASSERT_EQ(accuracy.size(), 25u) << trial.name;
    auto loss = store.GetObservations(trial.name, "loss", std::nullopt);
    ASSERT_EQ(loss.size(), 25u) << trial.name;
    for (size_t i = 0; i < loss.size(); ++i)
      EXPECT_EQ(loss[i].time, accuracy[i].time) << "one report per epoch holds both";
    ASSERT_TRUE(trial.objective);
    EXPECT_EQ(*trial.objective, Highest(accuracy)) << trial.name;
  }
}

TEST(E2eExamplesTest, DigitsNetworkServingPrometheusGauges) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/prometheus.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
  SqliteStore store(dir.Join("work/tuneup.db"));
  for (const auto& trial : store.ListTrials("digits-mlp-prometheus")) {
    // Nothing printed: the values were scraped from each trial's own port, every change once
    // (epochs faster than the scrape interval are missed, as with any Prometheus scrape).
    EXPECT_EQ(testing::ReadFile(dir.Join("work/trials/" + trial.name + "/stdout.log")), "")
        << trial.name;
    auto accuracy = store.GetObservations(trial.name, "accuracy", std::nullopt);
    ASSERT_GE(accuracy.size(), 1u) << trial.name;
    ASSERT_LE(accuracy.size(), 25u) << trial.name;
    EXPECT_GE(store.GetObservations(trial.name, "loss", std::nullopt).size(), 1u);
    ASSERT_TRUE(trial.objective);
    EXPECT_EQ(*trial.objective, Highest(accuracy)) << trial.name;
  }
}

TEST(E2eExamplesTest, DigitsNetworkTunedByHyperbandEndsByItself) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/hyperband.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  // No maxTrialCount: the brackets of (r_l 9, eta 3) end it, after 9 + 3 + 1, 5 + 1 and 3 trials.
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentSuggestionEndReached)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "22 trials: 22 Succeeded")) << result.out;
  // Columns: trial, status, accuracy, lr, alpha, hidden, activation, epochs.
  std::map<std::string, int> per_budget;
  for (const auto& row : ResultRows(result.out, "digits-mlp-hyperband-", 8))
    ++per_budget[row[7]];
  EXPECT_EQ(per_budget, (std::map<std::string, int>{{"1", 9}, {"3", 8}, {"9", 5}})) << result.out;

  // Promotions continue from the earlier rung's checkpoint (train.py saves one in
  // TUNEUP_CHECKPOINT_DIR): a trial promoted from 3 to 9 epochs trains epochs 4..9 only.
  SqliteStore store(dir.Join("work/tuneup.db"));
  std::map<std::string, Trial> by_name;
  for (auto& trial : store.ListTrials("digits-mlp-hyperband"))
    by_name[trial.name] = trial;
  int resumed = 0;
  for (const auto& [name, trial] : by_name) {
    const std::string out = testing::ReadFile(dir.Join("work/trials/" + name + "/stdout.log"));
    auto parent = trial.labels.find(kResumeFromLabel);
    if (parent == trial.labels.end()) {
      EXPECT_TRUE(out.starts_with("epoch=1 ")) << name << ":\n" << out;
      continue;
    }
    ++resumed;
    const std::string parent_epochs =
        FindValue(by_name.at(parent->second).assignment, "epochs").value();
    const std::string first = "epoch=" + std::to_string(std::stoi(parent_epochs) + 1) + " ";
    EXPECT_TRUE(out.starts_with(first)) << name << " should start with " << first << ":\n" << out;
    EXPECT_TRUE(Contains(
        testing::ReadFile(dir.Join("work/trials/" + name + "/stderr.log")),
        "resuming after epoch " + parent_epochs + " from the checkpoint of " + parent->second))
        << name;
  }
  EXPECT_EQ(resumed, 3 + 1 + 1);  // (9, 3): rungs above the first hold 3 + 1 and 1 trials
}

TEST(E2eExamplesTest, DigitsNetworkWithMedianStopStopsPoorTrialsEarly) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/median-stop.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentMaxTrialsReached)")) << result.out;
  // Early-stopped trials count towards maxTrialCount and are not failures.
  EXPECT_TRUE(Contains(result.out, "12 trials: ")) << result.out;
  EXPECT_FALSE(Contains(result.out, "Failed")) << result.out;
  // With 3 trials at a time, the 12th starts once 9 have finished; its configuration (random_state
  // 42: 16 logistic units, lr 2.8e-4) is far below their median after 5 epochs.
  const std::string last = "digits-mlp-median-stop-0012";
  EXPECT_TRUE(Contains(result.err, "EarlyStopped " + last + " accuracy=")) << result.err;
  EXPECT_TRUE(Contains(result.err, "stopped early by medianstop at step 5")) << result.err;
  // Each EarlyStopped trial's process was stopped before its 20 epochs. Columns: trial, status,
  // accuracy, lr, alpha, hidden, activation.
  auto stopped = ResultRows(result.out, "digits-mlp-median-stop-", 7, "EarlyStopped");
  for (const auto& row : stopped) {
    std::string log = testing::ReadFile(dir.Join("work/trials/" + row[0] + "/stdout.log"));
    const auto epochs = std::count(log.begin(), log.end(), '\n');
    EXPECT_GE(epochs, 5) << row[0];
    EXPECT_LT(epochs, 20) << row[0] << " ran to the end:\n" << log;
  }
  EXPECT_FALSE(stopped.empty()) << result.out;
}

TEST(E2eExamplesTest, DigitsNetworkTunedByAshaPromotesWithoutWaiting) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "digits-mlp/asha.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentMaxTrialsReached)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "24 trials: 24 Succeeded")) << result.out;
  // Columns: trial, status, accuracy, lr, alpha, hidden, activation, epochs. Which configurations
  // are promoted depends on the order trials end in, but every promoted one ran at the budget
  // below first, with the same values.
  std::map<std::string, std::set<std::string>> budgets_of;  // values -> epochs
  for (const auto& row : ResultRows(result.out, "digits-mlp-asha-", 8))
    budgets_of[row[3] + " " + row[4] + " " + row[5] + " " + row[6]].insert(row[7]);
  int promoted = 0;
  for (const auto& [values, budgets] : budgets_of) {
    for (const auto& epochs : budgets) {
      EXPECT_TRUE(epochs == "1" || epochs == "3" || epochs == "9") << epochs;
      const std::string below = epochs == "9" ? "3" : "1";
      EXPECT_TRUE(epochs == "1" || budgets.count(below)) << values << " ran " << epochs;
    }
    if (budgets.count("3")) ++promoted;
  }
  EXPECT_GE(promoted, 3) << result.out;
}

TEST(E2eExamplesTest, HyperbandKilledMidBracketResumesTheSameBrackets) {
  testing::TempDir dir;
  const std::string experiment = "digits-mlp-hyperband";
  auto tuneup = std::make_unique<testing::Process>(ExampleArgv(dir, "digits-mlp/hyperband.yaml"),
                                                   ExampleOptions(dir));
  // Killed (SIGKILL: no chance to tidy up) as soon as a promotion exists: the first bracket has
  // finished its first rung and is in the middle of its second.
  auto mid_bracket = [&] {
    try {
      SqliteStore store(dir.Join("work/tuneup.db"));
      for (const auto& trial : store.ListTrials(experiment)) {
        if (trial.labels.count(kHyperbandRungLabel) && trial.labels.at(kHyperbandRungLabel) == "1")
          return true;
      }
    } catch (const Error&) {
      // Not created yet, or busy: look again.
    }
    return false;
  };
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (!mid_bracket() && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  tuneup->Signal(SIGKILL);
  ProcessResult killed = tuneup->Wait(std::chrono::seconds(60));
  ASSERT_EQ(killed.signal, SIGKILL) << killed.Describe();

  std::map<std::string, Trial> before;
  {
    SqliteStore store(dir.Join("work/tuneup.db"));
    for (auto& trial : store.ListTrials(experiment))
      before[trial.name] = trial;
  }
  ASSERT_LT(before.size(), 22u) << "killed too late to be mid-bracket";
  int ended_before = 0;
  for (const auto& [name, trial] : before)
    ended_before += trial.status == TrialStatus::kSucceeded;
  ASSERT_GE(ended_before, 9) << "the first rung of the first bracket had not ended";

  // The same command resumes it; it ends by itself with exactly the trials of an unbroken run.
  ProcessResult result = RunExample(dir, "digits-mlp/hyperband.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Resuming experiment " + experiment)) << result.out;
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentSuggestionEndReached)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "22 trials: 22 Succeeded")) << result.out;
  std::map<std::string, int> per_budget;
  for (const auto& row : ResultRows(result.out, experiment + "-", 8))
    ++per_budget[row[7]];
  EXPECT_EQ(per_budget, (std::map<std::string, int>{{"1", 9}, {"3", 8}, {"9", 5}})) << result.out;

  SqliteStore store(dir.Join("work/tuneup.db"));
  std::set<std::string> places;
  for (const auto& trial : store.ListTrials(experiment)) {
    // Each (bracket, rung, configuration) ran once: nothing was duplicated or lost.
    EXPECT_TRUE(places
                    .insert(trial.labels.at(kHyperbandBracketLabel) + "/" +
                            trial.labels.at(kHyperbandRungLabel) + "/" +
                            trial.labels.at(kHyperbandConfigLabel))
                    .second)
        << trial.name;
    auto earlier = before.find(trial.name);
    if (earlier == before.end()) continue;
    EXPECT_EQ(trial.assignment, earlier->second.assignment) << trial.name;
    if (earlier->second.status == TrialStatus::kSucceeded) {
      // Completed work is kept, not re-run.
      EXPECT_EQ(trial.attempt, 0) << trial.name;
      EXPECT_EQ(trial.objective, earlier->second.objective) << trial.name;
    } else if (earlier->second.status == TrialStatus::kRunning &&
               earlier->second.labels.count(kJobLabel)) {
      // Its job ran on and was adopted by the resumed run, not run again.
      EXPECT_EQ(trial.attempt, 0) << trial.name << " was running when tuneup died";
    }
  }
  EXPECT_EQ(places.size(), 22u);
}

TEST(E2eExamplesTest, SvmOnDigitsCrossValidatedInFiveFoldJobs) {
  testing::TempDir dir;
  ProcessResult result = RunExample(dir, "sklearn-cv/experiment.yaml");
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "12 trials: 12 Succeeded")) << result.out;
  // Columns: trial, status, "mean", "±", "sd", C, gamma: every trial is shown with its spread.
  auto rows = ResultRows(result.out, "sklearn-cv-", 7);
  ASSERT_EQ(rows.size(), 12u) << result.out;
  for (const auto& row : rows)
    EXPECT_EQ(row[3], "±") << row[0];
  EXPECT_TRUE(Contains(result.out, "Final evaluation on all data (TUNEUP_FINAL=1): test-accuracy="))
      << result.out;

  SqliteStore store(dir.Join("work/tuneup.db"));
  const Trial* best = nullptr;
  std::vector<Trial> trials = store.ListTrials("sklearn-cv");
  for (const auto& trial : trials) {
    ASSERT_EQ(trial.folds.size(), 5u) << trial.name;
    double sum = 0;
    for (const auto& fold : trial.folds) {
      EXPECT_EQ(fold.status, TrialStatus::kSucceeded) << trial.name;
      sum += fold.objective.value();
    }
    EXPECT_NEAR(trial.objective.value(), sum / 5, 1e-12) << trial.name;
    if (!best || *trial.objective > *best->objective) best = &trial;
  }
  ASSERT_NE(best, nullptr);
  ASSERT_TRUE(best->final_evaluation);
  EXPECT_EQ(best->final_evaluation->status, TrialStatus::kSucceeded);
  EXPECT_GT(best->final_evaluation->metrics.size(), 0u);

  // The five fold jobs compute what the trainer computes with all folds in one process.
  ProcessResult serial = testing::RunProcess(
      {"/usr/bin/python3", testing::SourcePath("examples/sklearn-cv/train.py"),
       "--C=" + FindValue(best->assignment, "C").value(),
       "--gamma=" + FindValue(best->assignment, "gamma").value(), "--serial-folds", "5"},
      ExampleOptions(dir), std::chrono::seconds(60));
  ASSERT_EQ(serial.exit_code, 0) << serial.Describe();
  const size_t at = serial.out.find("accuracy=");
  ASSERT_NE(at, std::string::npos) << serial.out;
  EXPECT_NEAR(ParseDouble(TrimAsciiSpace(serial.out.substr(at + 9))).value(), *best->objective,
              1e-6);
}

}  // namespace
}  // namespace tuneup
