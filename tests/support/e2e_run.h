// The fixture of the end-to-end tests of `tuneup run`: a manifest written from a few fields, a
// trial script beside it, the tuneup binary run in a throwaway directory.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <map>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup::testing {

bool Contains(const std::string& text, const std::string& part);

// A YAML double-quoted scalar holding exactly `value`.
std::string YamlQuote(const std::string& value);

struct Manifest {
  std::string name = "e2e";
  std::string algorithm = "random";
  std::string type = "minimize";
  std::optional<std::string> goal;
  int parallel = 3;
  std::optional<int> max_trials = 12;
  std::optional<int> max_failed;
  std::optional<std::string> resume_policy;
  // Items of spec.parameters and spec.trialTemplate.trialParameters.
  std::string parameters = R"(    - name: x
      parameterType: double
      feasibleSpace: {min: "0", max: "1"}
)";
  std::string trial_parameters = "      - {name: x, reference: x}\n";
  std::vector<std::string> command = {"./trial.sh", "${trialParameters.x}"};
  std::string collector;    // a spec.metricsCollectorSpec block, indented under spec
  std::string annotations;  // metadata.annotations entries, indented under it
  std::vector<std::string> additional_metrics;  // objective.additionalMetricNames
};

// The Experiment manifest `m` describes.
std::string Yaml(const Manifest& m);

// Crash tests: a trial program that appends "start <job> <pid>" when it begins and "end <job>"
// when it is done to trials.log in its working directory, printing `lines` loss lines in between
// over a few hundred milliseconds. <job> is the trial's name, and "<trial>-fold-<fold>" for a
// fold job of a cross-validated trial.
std::string LoggingTrialScript(int lines);

// How often each trial started and ended, by trial, from such a log.
struct TrialRuns {
  int starts = 0;
  int ends = 0;
};
std::map<std::string, TrialRuns> ReadTrialRuns(const std::string& log);

class E2eRunTest : public ::testing::Test {
 protected:
  E2eRunTest() {
    // A trial that went wrong (a value given to a shell) would run `rm -rf ~`: point HOME at a
    // throwaway directory for tuneup and its trials.
    std::filesystem::create_directories(dir_.Join("home"));
  }

  ProcessOptions Options() const {
    ProcessOptions options;
    options.working_dir = dir_.path().string();
    options.env = {{"HOME", dir_.Join("home")}};
    return options;
  }

  std::vector<std::string> Argv(const std::vector<std::string>& args) const {
    std::vector<std::string> argv = {TuneupBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    return argv;
  }

  // `tuneup ARGS...`, in the test directory.
  ProcessResult Tuneup(const std::vector<std::string>& args) {
    ProcessResult result = RunProcess(Argv(args), Options());
    EXPECT_FALSE(result.timed_out) << result.Describe();
    return result;
  }

  // `tuneup run experiment.yaml --workdir work ...`.
  std::vector<std::string> RunArgs(const std::vector<std::string>& extra = {}) const {
    std::vector<std::string> args = {"run", manifest_path(), "--workdir", workdir()};
    args.insert(args.end(), extra.begin(), extra.end());
    return args;
  }
  ProcessResult Run(const std::vector<std::string>& extra = {}) { return Tuneup(RunArgs(extra)); }

  // Crash tests: `tuneup run` (with `extra` arguments) SIGKILLed after a random 20-1500 ms (from
  // `seed`), again and again up to `max_kills` times, then run until it ends by itself. Returns
  // that last run; `kills` says how many died.
  ProcessResult RunKilledAtRandom(const std::vector<std::string>& extra, unsigned seed,
                                  int max_kills, int& kills) {
    std::mt19937 random(seed);
    std::uniform_int_distribution<int> delay_ms(20, 1500);
    kills = 0;
    for (;;) {
      Process tuneup(Argv(RunArgs(extra)), Options());
      if (kills >= max_kills) return tuneup.Wait(std::chrono::seconds(120));
      ProcessResult result = tuneup.Wait(std::chrono::milliseconds(delay_ms(random)));
      if (!result.timed_out) return result;
      ++kills;
    }
  }

  // Crash tests: by trials.log (LoggingTrialScript), exactly `trials` trials ran, each started
  // once and finished once: none lost, none run twice.
  void ExpectEveryTrialRanOnce(size_t trials) {
    std::map<std::string, TrialRuns> runs = ReadTrialRuns(ReadFile(dir_.Join("trials.log")));
    EXPECT_EQ(runs.size(), trials) << "lost or extra trials";
    for (const auto& [trial, count] : runs) {
      EXPECT_EQ(count.starts, 1) << trial << " started " << count.starts << " times";
      EXPECT_EQ(count.ends, 1) << trial << " did not finish once";
    }
  }

  void WriteManifest(const Manifest& manifest) {
    dir_.WriteFile("experiment.yaml", Yaml(manifest));
  }
  void WriteTrial(const std::string& body) {
    dir_.WriteFile("trial.sh", "#!/bin/sh\n" + body, /*executable=*/true);
  }

  std::string manifest_path() const { return dir_.Join("experiment.yaml"); }
  std::string workdir() const { return dir_.Join("work"); }
  std::string trial_dir(const std::string& trial) const { return workdir() + "/trials/" + trial; }

  // Names of the directories under trials/, sorted.
  std::vector<std::string> TrialDirs() const {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(workdir() + "/trials", ec)) {
      if (entry.is_directory()) names.push_back(entry.path().filename().string());
    }
    std::sort(names.begin(), names.end());
    return names;
  }

  // The file `name` of every trial directory (attempt directories excluded), by trial.
  std::map<std::string, std::string> TrialFiles(const std::string& name) const {
    std::map<std::string, std::string> files;
    for (const auto& trial : TrialDirs()) {
      if (!Contains(trial, ".attempt-")) files[trial] = ReadFile(trial_dir(trial) + "/" + name);
    }
    return files;
  }

  TempDir dir_;
};

}  // namespace tuneup::testing
