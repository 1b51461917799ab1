// The examples under examples/ run end to end with the tuneup binary: real training programs
// (Debian's python3-sklearn), real processes, the embedded store.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "common/text.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using testing::ProcessResult;

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

// The Succeeded rows of the results table `tuneup run` prints (trial, status, objective and the
// values: `columns` words in all) for trials whose names start with `prefix`.
std::vector<std::vector<std::string>> ResultRows(const std::string& out, const std::string& prefix,
                                                 size_t columns) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    std::istringstream words(line);
    std::vector<std::string> row;
    for (std::string word; words >> word;)
      row.push_back(word);
    if (row.size() == columns && row[0].rfind(prefix, 0) == 0 && row[1] == "Succeeded") {
      rows.push_back(row);
    }
  }
  return rows;
}

// `tuneup run examples/MANIFEST` with a work directory inside `dir`.
ProcessResult RunExample(const testing::TempDir& dir, const std::string& manifest) {
  testing::ProcessOptions options;
  options.working_dir = dir.path().string();
  return testing::RunProcess(
      {testing::TuneupBinary(), "run", testing::SourcePath("examples/" + manifest), "--workdir",
       dir.Join("work")},
      options, std::chrono::seconds(240));
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
}

}  // namespace
}  // namespace tuneup
