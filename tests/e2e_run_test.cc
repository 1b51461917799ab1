// The tuneup binary end to end: real manifests, real trial processes (/bin/sh scripts beside the
// manifest), the real store, exit codes, signals and resuming.
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iterator>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "common/text.h"
#include "db/sqlite_store.h"
#include "tests/support/e2e_run.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ProcessResult;
using testing::ReadFile;
using Clock = std::chrono::steady_clock;
using testing::Contains;
using testing::E2eRunTest;
using testing::Manifest;
using testing::YamlQuote;

// Digits no other test run on this machine uses (fixed width, so one never starts another).
std::string UniqueDigits() {
  char digits[32];
  std::snprintf(digits, sizeof(digits), "%07d%09lld", static_cast<int>(::getpid()),
                static_cast<long long>(Clock::now().time_since_epoch().count() % 1'000'000'000));
  return digits;
}

std::vector<std::string> Names(const std::string& experiment, int count) {
  std::vector<std::string> names;
  for (int i = 1; i <= count; ++i) {
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "-%04d", i);
    names.push_back(experiment + suffix);
  }
  return names;
}

TEST_F(E2eRunTest, RandomExperimentRunsMaxTrialCountTrials) {
  WriteManifest({});
  WriteTrial("echo \"loss=$1\"\n");
  ProcessResult result = Run();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Experiment e2e: Succeeded (ExperimentMaxTrialsReached)"))
      << result.out;
  EXPECT_TRUE(Contains(result.out, "12 trials: 12 Succeeded")) << result.out;
  // The table's header: trial, status, the objective, each parameter.
  bool header = false;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) {
    std::istringstream words(line);
    std::vector<std::string> columns{std::istream_iterator<std::string>(words), {}};
    header |= columns == std::vector<std::string>{"trial", "status", "loss", "x"};
  }
  EXPECT_TRUE(header) << result.out;
  EXPECT_TRUE(Contains(result.out, "Best trial: e2e-")) << result.out;
  // The table has one row per trial.
  for (const auto& name : Names("e2e", 12)) {
    EXPECT_TRUE(Contains(result.out, "  " + name + " ")) << name << "\n" << result.out;
  }
  EXPECT_TRUE(fs::is_regular_file(workdir() + "/tuneup.db"));
  EXPECT_EQ(TrialDirs(), Names("e2e", 12));
  for (const auto& [trial, log] : TrialFiles("stdout.log")) {
    EXPECT_TRUE(log.starts_with("loss=0.")) << trial << ": " << log;
  }
}

TEST_F(E2eRunTest, ParallelismNeverExceedsParallelTrialCount) {
  Manifest manifest;
  manifest.parallel = 4;
  manifest.max_trials = 16;
  WriteManifest(manifest);
  // Each trial records when it ran, in its own directory (no shared file, no locking).
  WriteTrial(R"(date +%s%N > "$TUNEUP_TRIAL_DIR/start"
sleep 0.5
date +%s%N > "$TUNEUP_TRIAL_DIR/end"
echo "loss=$1"
)");
  ProcessResult result = Run();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  auto starts = TrialFiles("start");
  auto ends = TrialFiles("end");
  ASSERT_EQ(starts.size(), 16u);
  // +1 at a start, -1 at an end; at equal times the end counts first.
  std::vector<std::pair<long long, int>> events;
  for (const auto& [trial, start] : starts) {
    ASSERT_FALSE(start.empty()) << trial;
    ASSERT_FALSE(ends[trial].empty()) << trial;
    events.emplace_back(std::stoll(start), +1);
    events.emplace_back(std::stoll(ends[trial]), -1);
  }
  std::sort(events.begin(), events.end());
  int running = 0;
  int max_running = 0;
  for (const auto& [time, delta] : events) {
    running += delta;
    max_running = std::max(max_running, running);
  }
  // Never more than 4, and 4 were in fact running at once (the first 4 start together and each
  // takes 0.5 s), so the bound is not met by accident.
  EXPECT_EQ(max_running, 4);
}

TEST_F(E2eRunTest, ParameterValuesReachTheTrialAsOneLiteralArgument) {
  const std::string marker1 = "/tmp/tuneup-e2e-injection-" + UniqueDigits() + "-a";
  const std::string marker2 = "/tmp/tuneup-e2e-injection-" + UniqueDigits() + "-b";
  const std::vector<std::string> values = {
      "$(touch " + marker1 + "); rm -rf ~",
      "`touch " + marker2 + "` \"double\" 'single' ${HOME} $(HOME) $$ \\ |&;<>*? end",
      "plain",
  };
  Manifest manifest;
  manifest.algorithm = "grid";
  manifest.max_trials.reset();
  manifest.parallel = 2;
  manifest.parameters =
      "    - name: cmd\n      parameterType: categorical\n"
      "      feasibleSpace:\n        list: [";
  for (size_t i = 0; i < values.size(); ++i) {
    manifest.parameters += (i ? ", " : "") + YamlQuote(values[i]);
  }
  manifest.parameters += "]\n";
  manifest.trial_parameters = "      - {name: cmd, reference: cmd}\n";
  manifest.command = {"./trial.sh", "${trialParameters.cmd}"};
  WriteManifest(manifest);
  WriteTrial(R"(printf '%s' "$#" > "$TUNEUP_TRIAL_DIR/argc"
printf '%s' "$1" > "$TUNEUP_TRIAL_DIR/arg"
echo "loss=1"
)");
  ProcessResult result = Run();
  bool created1 = fs::exists(marker1);
  bool created2 = fs::exists(marker2);
  fs::remove(marker1);
  fs::remove(marker2);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_FALSE(created1) << "a shell ran $(...) from a parameter value";
  EXPECT_FALSE(created2) << "a shell ran `...` from a parameter value";
  std::multiset<std::string> received;
  for (const auto& [trial, argc] : TrialFiles("argc"))
    EXPECT_EQ(argc, "1") << trial;
  for (const auto& [trial, arg] : TrialFiles("arg"))
    received.insert(arg);
  EXPECT_EQ(received, std::multiset<std::string>(values.begin(), values.end()));
}

TEST_F(E2eRunTest, GoalReached) {
  Manifest manifest;
  manifest.goal = "2";  // every loss (x in [0, 1]) reaches it
  manifest.parallel = 2;
  manifest.max_trials = 10;
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\n");
  ProcessResult result = Run();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentGoalReached)")) << result.out;
  EXPECT_LT(TrialDirs().size(), 10u);
}

TEST_F(E2eRunTest, MaxFailedTrialsFailsTheExperimentWithExitCode1) {
  Manifest manifest;
  manifest.parallel = 1;
  manifest.max_trials = 10;
  manifest.max_failed = 2;
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\necho failing >&2\nexit 1\n");
  ProcessResult result = Run();
  EXPECT_EQ(result.exit_code, 1) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Failed (ExperimentMaxFailedTrialsReached)")) << result.out;
  EXPECT_TRUE(Contains(result.out, "2 trials: 2 Failed")) << result.out;
  EXPECT_EQ(TrialDirs(), Names("e2e", 2));
  for (const auto& [trial, log] : TrialFiles("stderr.log"))
    EXPECT_EQ(log, "failing\n") << trial;
}

TEST_F(E2eRunTest, TrialWithoutTheObjectiveIsMetricsUnavailable) {
  Manifest manifest;
  manifest.parallel = 1;
  manifest.max_trials = 2;
  WriteManifest(manifest);
  WriteTrial("echo \"accuracy=$1 but no loss\"\n");
  ProcessResult result = Run();
  EXPECT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "2 trials: 2 MetricsUnavailable")) << result.out;
  EXPECT_TRUE(Contains(result.out, "No trial reported the objective metric \"loss\""))
      << result.out;
  EXPECT_TRUE(Contains(result.err, "MetricsUnavailable e2e-0001")) << result.err;
}

TEST_F(E2eRunTest, GridWithoutMaxTrialCountWalksEveryPointOnce) {
  Manifest manifest;
  manifest.algorithm = "grid";
  manifest.max_trials.reset();
  manifest.parallel = 2;
  manifest.parameters = R"(    - name: n
      parameterType: int
      feasibleSpace: {min: "1", max: "3"}
    - name: opt
      parameterType: categorical
      feasibleSpace: {list: ["sgd", "adam"]}
)";
  manifest.trial_parameters =
      "      - {name: n, reference: n}\n      - {name: opt, reference: opt}\n";
  manifest.command = {"./trial.sh", "${trialParameters.n}", "${trialParameters.opt}"};
  WriteManifest(manifest);
  WriteTrial("printf '%s %s' \"$1\" \"$2\" > \"$TUNEUP_TRIAL_DIR/point\"\necho \"loss=$1\"\n");
  ProcessResult result = Run();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentSuggestionEndReached)")) << result.out;
  std::multiset<std::string> points;
  for (const auto& [trial, point] : TrialFiles("point"))
    points.insert(point);
  EXPECT_EQ(points,
            (std::multiset<std::string>{"1 sgd", "1 adam", "2 sgd", "2 adam", "3 sgd", "3 adam"}));
}

TEST_F(E2eRunTest, InvalidManifestExitsWith2AndNamesTheField) {
  Manifest manifest;
  manifest.parameters = R"(    - name: x
      parameterType: double
      feasibleSpace: {min: "abc", max: "1"}
)";
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\n");
  ProcessResult result = Run();
  EXPECT_EQ(result.exit_code, 2) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "spec.parameters[0].feasibleSpace.min")) << result.err;
  EXPECT_FALSE(fs::exists(workdir() + "/trials")) << "no trial may run";
}

TEST_F(E2eRunTest, UnreadableManifestExitsWith2) {
  ProcessResult missing = Tuneup({"run", dir_.Join("no-such.yaml"), "--workdir", workdir()});
  EXPECT_EQ(missing.exit_code, 2) << missing.Describe();
  EXPECT_TRUE(Contains(missing.err, "no-such.yaml")) << missing.err;

  fs::create_directories(dir_.Join("a-directory.yaml"));
  ProcessResult directory = Tuneup({"run", dir_.Join("a-directory.yaml"), "--workdir", workdir()});
  EXPECT_EQ(directory.exit_code, 2) << directory.Describe();

  dir_.WriteFile("garbage.yaml", "{{{ not: [yaml\n");
  ProcessResult garbage = Tuneup({"run", dir_.Join("garbage.yaml"), "--workdir", workdir()});
  EXPECT_EQ(garbage.exit_code, 2) << garbage.Describe();
}

TEST_F(E2eRunTest, BadUsageExitsWith2) {
  EXPECT_EQ(Tuneup({}).exit_code, 2);
  EXPECT_EQ(Tuneup({"frobnicate"}).exit_code, 2);
  EXPECT_EQ(Tuneup({"run"}).exit_code, 2);
  WriteManifest({});
  EXPECT_EQ(Tuneup({"run", manifest_path(), "--kill-grace", "-1"}).exit_code, 2);
  EXPECT_EQ(Tuneup({"run", manifest_path(), "--kill-grace", "soon"}).exit_code, 2);
  EXPECT_FALSE(fs::exists(dir_.Join("tuneup.db"))) << "nothing may run after bad usage";
}

// Cross-validation settings are checked now; running them comes later: until then a run says so
// instead of quietly running the trials without folds.
TEST_F(E2eRunTest, Validate) {
  WriteManifest({});
  Manifest invalid;
  invalid.parallel = 0;
  dir_.WriteFile("invalid.yaml", Yaml(invalid));
  fs::copy_file(testing::SourcePath("tests/data/katib-examples/nas__darts-cpu.yaml"),
                dir_.Join("nas.yaml"));

  ProcessResult valid = Tuneup({"validate", manifest_path()});
  EXPECT_EQ(valid.exit_code, 0) << valid.Describe();

  ProcessResult bad = Tuneup({"validate", dir_.Join("invalid.yaml")});
  EXPECT_EQ(bad.exit_code, 1) << bad.Describe();
  EXPECT_TRUE(Contains(bad.out + bad.err, "spec.parallelTrialCount")) << bad.Describe();

  ProcessResult both = Tuneup({"validate", manifest_path(), dir_.Join("invalid.yaml")});
  EXPECT_EQ(both.exit_code, 1) << both.Describe();

  ProcessResult nas = Tuneup({"validate", dir_.Join("nas.yaml")});
  EXPECT_EQ(nas.exit_code, 1) << nas.Describe();

  ProcessResult katib =
      Tuneup({"validate", testing::SourcePath("tests/data/katib-examples/hp-tuning__random.yaml")});
  EXPECT_EQ(katib.exit_code, 0) << katib.Describe();

  ProcessResult missing = Tuneup({"validate", dir_.Join("no-such.yaml")});
  EXPECT_NE(missing.exit_code, 0) << missing.Describe();
}

TEST_F(E2eRunTest, RunningAFinishedExperimentAgainPrintsItsResults) {
  Manifest manifest;
  manifest.max_trials = 3;
  WriteManifest(manifest);
  // Every trial run leaves a file of its own in runs/, so re-runs would show.
  fs::create_directories(dir_.Join("runs"));
  WriteTrial("touch \"runs/$TUNEUP_TRIAL_NAME.$$\"\necho \"loss=$1\"\n");
  ProcessResult first = Run();
  ASSERT_EQ(first.exit_code, 0) << first.Describe();
  auto count_runs = [&] {
    return std::distance(fs::directory_iterator(dir_.Join("runs")), fs::directory_iterator());
  };
  ASSERT_EQ(count_runs(), 3);

  ProcessResult again = Run();
  EXPECT_EQ(again.exit_code, 0) << again.Describe();
  EXPECT_TRUE(Contains(again.out, "already finished")) << again.out;
  EXPECT_TRUE(Contains(again.out, "Succeeded (ExperimentMaxTrialsReached)")) << again.out;
  EXPECT_TRUE(Contains(again.out, "Best trial: e2e-")) << again.out;
  EXPECT_EQ(count_runs(), 3) << "no trial may run again";
  EXPECT_EQ(TrialDirs(), Names("e2e", 3));

  manifest.max_trials = 4;
  WriteManifest(manifest);
  ProcessResult changed = Run();
  EXPECT_EQ(changed.exit_code, 2) << changed.Describe();
  EXPECT_TRUE(Contains(changed.err, "spec.maxTrialCount")) << changed.err;
  EXPECT_TRUE(Contains(changed.err, "resumePolicy is Never")) << changed.err;
  EXPECT_EQ(count_runs(), 3);
}

// Katib's restart: a finished experiment whose resumePolicy is not Never runs on when its
// maxTrialCount grows, keeping its trials; anything else about it stays as it was.
TEST_F(E2eRunTest, AFinishedLongRunningExperimentRestartsWithALargerBudget) {
  for (const std::string policy : {"LongRunning", "FromVolume"}) {
    SCOPED_TRACE(policy);
    fs::remove_all(workdir());
    Manifest manifest;
    manifest.max_trials = 3;
    manifest.resume_policy = policy;
    WriteManifest(manifest);
    WriteTrial("echo \"loss=$1\"\n");
    ASSERT_EQ(Run().exit_code, 0);

    manifest.max_trials = 5;
    WriteManifest(manifest);
    ProcessResult restarted = Run();
    ASSERT_EQ(restarted.exit_code, 0) << restarted.Describe();
    EXPECT_TRUE(Contains(restarted.out, "Restarting experiment e2e (spec.maxTrialCount: 3 -> 5)"))
        << restarted.out;
    EXPECT_TRUE(Contains(restarted.out, "5 trials: 5 Succeeded")) << restarted.out;
    EXPECT_EQ(TrialDirs(), Names("e2e", 5));

    manifest.max_trials = 4;  // shrinking is no restart
    WriteManifest(manifest);
    ProcessResult shrunk = Run();
    EXPECT_EQ(shrunk.exit_code, 2) << shrunk.Describe();
    EXPECT_TRUE(Contains(shrunk.err, "spec.maxTrialCount must grow")) << shrunk.err;

    manifest.max_trials = 6;  // nor is a change beyond the budget
    manifest.parameters = R"(    - name: x
      parameterType: double
      feasibleSpace: {min: "0", max: "2"}
)";
    WriteManifest(manifest);
    ProcessResult other = Run();
    EXPECT_EQ(other.exit_code, 2) << other.Describe();
    EXPECT_TRUE(Contains(other.err, "only spec.maxTrialCount")) << other.err;
  }
}

TEST_F(E2eRunTest, AnExperimentThatReachedItsGoalIsNotRestarted) {
  Manifest manifest;
  manifest.max_trials = 3;
  manifest.goal = "2";  // every loss is below it
  manifest.resume_policy = "LongRunning";
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\n");
  ASSERT_EQ(Run().exit_code, 0);
  manifest.max_trials = 6;
  WriteManifest(manifest);
  ProcessResult again = Run();
  EXPECT_EQ(again.exit_code, 2) << again.Describe();
  EXPECT_TRUE(Contains(again.err, "ended with ExperimentGoalReached")) << again.err;
}

// Trials that hang while the file `hang` exists beside the manifest, each with a background child
// in its process group. Every process carries `marker` in its command line: the trial gets it as
// an argument, and so does the child's sleep (a number: sleep adds its arguments up).
class E2eInterruptTest : public E2eRunTest {
 protected:
  E2eInterruptTest() : marker_("0.000" + UniqueDigits()) {
    Manifest manifest;
    manifest.parallel = 2;
    manifest.max_trials = 4;
    manifest.command = {"./trial.sh", "${trialParameters.x}", marker_};
    WriteManifest(manifest);
    WriteTrial(R"(if [ -e hang ]; then
  if [ -e trap ]; then trap 'echo got TERM' TERM; fi
  sleep 1000 "$2" &
  echo started > "$TUNEUP_TRIAL_DIR/started"
  while [ -e hang ]; do sleep 0.1; done
fi
echo "loss=$1"
)");
  }

  ~E2eInterruptTest() override {
    // Whatever a failed test left behind must not outlive it.
    for (pid_t pid : testing::ProcessesWithToken(marker_))
      ::kill(pid, SIGKILL);
  }

  // Polls until `done` holds; false after `limit`.
  static bool WaitFor(const std::function<bool()>& done, std::chrono::seconds limit = 60s) {
    auto deadline = Clock::now() + limit;
    while (!done()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(10ms);
    }
    return true;
  }

  // Starts tuneup (with `extra` arguments) and returns once both first trials are running.
  std::unique_ptr<testing::Process> StartAndWaitForTrials(int kill_grace_seconds,
                                                          std::vector<std::string> extra = {}) {
    dir_.WriteFile("hang", "");
    extra.insert(extra.begin(), {"--kill-grace", std::to_string(kill_grace_seconds)});
    auto tuneup = std::make_unique<testing::Process>(Argv(RunArgs(extra)), Options());
    EXPECT_TRUE(WaitFor([&] {
      return fs::exists(trial_dir("e2e-0001") + "/started") &&
             fs::exists(trial_dir("e2e-0002") + "/started");
    })) << "the trials did not start";
    // Both trial scripts and their sleeps: the scan sees them, so it can also see orphans. Polled:
    // a process in the middle of execve briefly has no command line.
    EXPECT_TRUE(WaitFor([&] { return testing::ProcessesWithToken(marker_).size() >= 4; }))
        << testing::ProcessesWithToken(marker_).size() << " trial processes seen";
    return tuneup;
  }

  // Runs tuneup until both first trials are running, then sends it `signal`.
  ProcessResult RunAndInterrupt(int signal, int kill_grace_seconds) {
    auto tuneup = StartAndWaitForTrials(kill_grace_seconds);
    tuneup->Signal(signal);
    ProcessResult result = tuneup->Wait(60s);
    EXPECT_FALSE(result.timed_out) << result.Describe();
    return result;
  }

  // True once no process carries the marker (killed processes take a moment to disappear).
  bool NoTrialProcessLeft() {
    auto deadline = Clock::now() + 10s;
    while (!testing::ProcessesWithToken(marker_).empty()) {
      if (Clock::now() > deadline) return false;
      std::this_thread::sleep_for(20ms);
    }
    return true;
  }

  // Resumes the interrupted experiment: the two interrupted trials run again as attempt 1.
  void ExpectResumeCompletes() {
    fs::remove(dir_.Join("hang"));
    fs::remove(dir_.Join("trap"));
    ProcessResult result = Run();
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
    EXPECT_TRUE(Contains(result.out, "Resuming experiment e2e")) << result.out;
    EXPECT_TRUE(Contains(result.out, "Succeeded (ExperimentMaxTrialsReached)")) << result.out;
    EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
    EXPECT_EQ(TrialDirs(),
              (std::vector<std::string>{"e2e-0001", "e2e-0001.attempt-0", "e2e-0002",
                                        "e2e-0002.attempt-0", "e2e-0003", "e2e-0004"}));
    for (const std::string trial : {"e2e-0001", "e2e-0002"}) {
      EXPECT_TRUE(fs::exists(trial_dir(trial) + ".attempt-0/started")) << trial;
      EXPECT_TRUE(ReadFile(trial_dir(trial) + "/stdout.log").starts_with("loss=")) << trial;
    }
  }

  // SIGKILL: tuneup has no chance to stop its trials or to re-queue them; the store still says
  // Running. The trials run on under tuneup-job.
  void KillTuneupWhileBothTrialsRun() {
    auto tuneup = StartAndWaitForTrials(/*kill_grace_seconds=*/5);
    tuneup->Signal(SIGKILL);
    ProcessResult killed = tuneup->Wait(60s);
    EXPECT_EQ(killed.signal, SIGKILL) << killed.Describe();
  }

  // The run after a SIGKILL took over both trials of the killed one: none ran twice.
  void ExpectAllSucceededWithoutReruns(const ProcessResult& result) {
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
    EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
    EXPECT_EQ(TrialDirs(),
              (std::vector<std::string>{"e2e-0001", "e2e-0002", "e2e-0003", "e2e-0004"}));
    for (const std::string trial : {"e2e-0001", "e2e-0002"})
      EXPECT_TRUE(ReadFile(trial_dir(trial) + "/stdout.log").starts_with("loss=")) << trial;
  }

  const std::string marker_;
};

TEST_F(E2eInterruptTest, SigtermStopsTrialsWithoutOrphansAndTheRunResumes) {
  ProcessResult result = RunAndInterrupt(SIGTERM, 5);
  EXPECT_EQ(result.exit_code, 130) << result.Describe();
  // The trials die of SIGTERM: tuneup does not wait for the 5 s grace.
  EXPECT_LT(result.elapsed, 5s) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "Interrupted. Run the same command again")) << result.out;
  EXPECT_TRUE(NoTrialProcessLeft()) << "processes of interrupted trials survived tuneup";
  ExpectResumeCompletes();
}

TEST_F(E2eInterruptTest, SigintBehavesLikeSigterm) {
  ProcessResult result = RunAndInterrupt(SIGINT, 5);
  EXPECT_EQ(result.exit_code, 130) << result.Describe();
  EXPECT_LT(result.elapsed, 5s) << result.Describe();
  EXPECT_TRUE(NoTrialProcessLeft()) << "processes of interrupted trials survived tuneup";
  ExpectResumeCompletes();
}

TEST_F(E2eInterruptTest, TrialTrappingSigtermIsKilledAfterTheGrace) {
  dir_.WriteFile("trap", "");
  ProcessResult result = RunAndInterrupt(SIGTERM, 2);
  EXPECT_EQ(result.exit_code, 130) << result.Describe();
  EXPECT_GE(result.elapsed, 2s) << "killed before the grace period ended";
  EXPECT_TRUE(NoTrialProcessLeft()) << "processes of interrupted trials survived tuneup";
  // The trap shows SIGTERM was delivered before the SIGKILL.
  EXPECT_TRUE(Contains(ReadFile(trial_dir("e2e-0001") + "/stdout.log"), "got TERM"));
  ExpectResumeCompletes();
}

TEST_F(E2eInterruptTest, SecondSignalKillsAtOnce) {
  dir_.WriteFile("trap", "");
  auto tuneup = StartAndWaitForTrials(/*kill_grace_seconds=*/600);
  tuneup->Signal(SIGTERM);
  // The trap's output shows tuneup has handled the first signal: a second one sent earlier could
  // merge with it.
  ASSERT_TRUE(WaitFor([&] {
    return Contains(ReadFile(trial_dir("e2e-0001") + "/stdout.log"), "got TERM");
  })) << "the first SIGTERM did not reach the trial";
  tuneup->Signal(SIGTERM);
  ProcessResult result = tuneup->Wait(60s);
  EXPECT_FALSE(result.timed_out) << result.Describe();
  EXPECT_EQ(result.exit_code, 130) << result.Describe();
  EXPECT_TRUE(NoTrialProcessLeft()) << "processes of interrupted trials survived tuneup";
  ExpectResumeCompletes();
}

// Background tuning: SIGUSR1 makes a low-priority run give the machine back (its trials are
// stopped, none starts), SIGUSR2 lets it go on; the stopped trials re-run, none counted failed.
TEST_F(E2eInterruptTest, SigusrOneYieldsALowPriorityRunAndSigusrTwoResumesIt) {
  auto tuneup = StartAndWaitForTrials(5, {"--priority", "low"});
  tuneup->Signal(SIGUSR1);
  EXPECT_TRUE(NoTrialProcessLeft()) << "the trials of a yielding run kept running";
  fs::remove(dir_.Join("hang"));
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(TrialDirs(), (std::vector<std::string>{"e2e-0001", "e2e-0002"}))
      << "a trial started while yielding";
  tuneup->Signal(SIGUSR2);
  ProcessResult result = tuneup->Wait(60s);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "received SIGUSR1: yielding")) << result.err;
  EXPECT_TRUE(Contains(result.err, "received SIGUSR2: resuming")) << result.err;
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
  EXPECT_EQ(TrialDirs(), (std::vector<std::string>{"e2e-0001", "e2e-0001.attempt-0", "e2e-0002",
                                                   "e2e-0002.attempt-0", "e2e-0003", "e2e-0004"}));
}

TEST_F(E2eInterruptTest, SigusrOneIsIgnoredByANormalPriorityRun) {
  auto tuneup = StartAndWaitForTrials(5);
  tuneup->Signal(SIGUSR1);
  std::this_thread::sleep_for(300ms);
  EXPECT_GE(testing::ProcessesWithToken(marker_).size(), 4u) << "the trials were stopped";
  tuneup->Signal(SIGTERM);
  ProcessResult result = tuneup->Wait(60s);
  EXPECT_EQ(result.exit_code, 130) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "received SIGUSR1: ignored")) << result.err;
}

// After a SIGKILL the next run takes over the trials the killed one left.
TEST_F(E2eInterruptTest, TrialsThatEndedWhileTuneupWasDeadAreCollectedNotRerun) {
  KillTuneupWhileBothTrialsRun();
  fs::remove(dir_.Join("hang"));  // the orphaned trials finish with no controller watching
  ASSERT_TRUE(WaitFor([&] {
    return fs::exists(trial_dir("e2e-0001") + "/job.status") &&
           fs::exists(trial_dir("e2e-0002") + "/job.status");
  }));
  ASSERT_TRUE(NoTrialProcessLeft());
  ProcessResult result = Run();
  ExpectAllSucceededWithoutReruns(result);
}

TEST_F(E2eInterruptTest, TrialsStillRunningAfterTuneupWasKilledAreAdopted) {
  KillTuneupWhileBothTrialsRun();
  EXPECT_GE(testing::ProcessesWithToken(marker_).size(), 4u) << "the trials died with tuneup";
  // The next run finds both trials running and follows them until they end.
  auto resumed = std::make_unique<testing::Process>(Argv(RunArgs({})), Options());
  std::this_thread::sleep_for(500ms);
  EXPECT_FALSE(fs::exists(trial_dir("e2e-0003"))) << "a third trial started beside two running";
  fs::remove(dir_.Join("hang"));
  ProcessResult result = resumed->Wait(60s);
  ExpectAllSucceededWithoutReruns(result);
  EXPECT_TRUE(NoTrialProcessLeft());
}

// A spec.metricsCollectorSpec block for Katib's File collector.
std::string FileCollector(const std::string& path, const std::string& format) {
  return "  metricsCollectorSpec:\n    source:\n      fileSystemPath: {path: " + path +
         ", kind: File, format: " + format + "}\n    collector: {kind: File}\n";
}

// Katib's File collector: each local trial writes the manifest's absolute path, rewritten to its
// own copy inside its trial directory, and tuneup follows that file while the trial runs.
TEST_F(E2eRunTest, FileCollectorFollowsEachTrialsOwnCopyOfThePath) {
  Manifest manifest;
  manifest.max_trials = 6;
  manifest.command = {"./trial.sh", "${trialParameters.x}", "--log=/var/log/katib/metrics.log"};
  manifest.collector = FileCollector("/var/log/katib/metrics.log", "TEXT");
  WriteManifest(manifest);
  // The file appears late and its line arrives in two pieces; stdout is not the collector.
  WriteTrial(R"(f=${2#--log=}
sleep 0.3
printf 'epoch=1 loss=%s' "$1" > "$f"
sleep 0.3
printf '\n' >> "$f"
echo "loss=999"
)");
  ProcessResult result = Run({"--file-poll-ms", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "6 trials: 6 Succeeded")) << result.out;
  SqliteStore store(workdir() + "/tuneup.db");
  for (const auto& trial : store.ListTrials("e2e")) {
    ASSERT_TRUE(trial.objective) << trial.name;
    EXPECT_EQ(FormatDouble(*trial.objective), FindValue(trial.assignment, "x").value())
        << trial.name << " read another trial's file, or its stdout";
    const std::string own = trial_dir(trial.name) + "/collector/var/log/katib/metrics.log";
    EXPECT_EQ(ReadFile(own), "epoch=1 loss=" + FindValue(trial.assignment, "x").value() + "\n");
  }
}

TEST_F(E2eRunTest, FileCollectorInJsonReadsNumbersAndStrings) {
  Manifest manifest;
  manifest.max_trials = 3;
  manifest.command = {"./trial.sh", "${trialParameters.x}"};
  manifest.collector = FileCollector("/tmp/katib/metrics.json", "JSON");
  WriteManifest(manifest);
  WriteTrial(R"(printf '{"epoch": 1, "loss": 5, "timestamp": "2026-11-23T10:00:00Z"}\n' > "$MY_LOG"
printf '{"epoch": 2, "loss": "%s", "nested": {"loss": 7}}\n' "$1" >> "$MY_LOG"
)");
  // The path reaches the trial through the container's env, rewritten there too.
  std::string yaml = ReadFile(manifest_path());
  const std::string marker = "                workingDir: .\n";
  yaml.replace(yaml.find(marker), marker.size(),
               marker + "                env: [{name: MY_LOG, value: /tmp/katib/metrics.json}]\n");
  dir_.WriteFile("experiment.yaml", yaml);
  ProcessResult result = Run({"--file-poll-ms", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  SqliteStore store(workdir() + "/tuneup.db");
  auto trials = store.ListTrials("e2e");
  ASSERT_EQ(trials.size(), 3u);
  for (const auto& trial : trials) {
    ASSERT_TRUE(trial.objective) << trial.name;
    // minimize: the smaller of 5 and x.
    EXPECT_EQ(FormatDouble(*trial.objective), FindValue(trial.assignment, "x").value());
    auto observations = store.GetObservations(trial.name, "loss", std::nullopt);
    ASSERT_EQ(observations.size(), 2u);
    EXPECT_EQ(FormatRfc3339(observations[0].time), "2026-11-23T10:00:00.000000Z");
  }
}

TEST_F(E2eRunTest, AMetricsFileThatNeverAppearsNamesItsPath) {
  Manifest manifest;
  manifest.max_trials = 1;
  manifest.parallel = 1;
  manifest.collector = FileCollector("/var/log/katib/metrics.log", "TEXT");
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\n");  // stdout only: the file collector sees nothing
  ProcessResult result = Run({"--file-poll-ms", "50"});
  SqliteStore store(workdir() + "/tuneup.db");
  auto trials = store.ListTrials("e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].status, TrialStatus::kMetricsUnavailable);
  EXPECT_EQ(trials[0].message,
            "exited 0, but the metrics file /var/log/katib/metrics.log (this trial's copy: " +
                trial_dir(trials[0].name) + "/collector/var/log/katib/metrics.log) never appeared");
}

}  // namespace
}  // namespace tuneup
