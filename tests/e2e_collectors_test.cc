// Katib's metrics collectors end to end through `tuneup run`: Push and None (the trial stores
// its values with `tuneup report`), Custom (a collector process beside the trial), and the limit
// of observations per trial.
#include <signal.h>

#include <gtest/gtest.h>

#include <optional>
#include <string>
#include <vector>

#include "common/text.h"
#include "db/sqlite_store.h"
#include "tests/support/e2e_run.h"

namespace tuneup {
namespace {

using testing::Contains;
using testing::Manifest;
using testing::ProcessResult;
using testing::ReadFile;

class E2eCollectorsTest : public testing::E2eRunTest {
 protected:
  Manifest PushManifest(const std::string& kind) {
    Manifest manifest;
    manifest.max_trials = 4;
    manifest.parallel = 2;
    manifest.collector = "  metricsCollectorSpec:\n    collector: {kind: " + kind + "}\n";
    return manifest;
  }
};

class E2ePushTest : public E2eCollectorsTest, public ::testing::WithParamInterface<const char*> {};

// The trial reports twice; what it prints is not read. Katib's None means the same here: the
// objective comes only from what the trial stores.
TEST_P(E2ePushTest, TrialsReportTheirOwnObservations) {
  WriteManifest(PushManifest(GetParam()));
  WriteTrial(R"(echo "loss=999"
"$TUNEUP_BINARY" report loss=5 accuracy=0.5 || exit 3
sleep 0.3
"$TUNEUP_BINARY" report loss="$1" || exit 4
)");
  ProcessResult result = Run({"--file-poll-ms", "50"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
  SqliteStore store(workdir() + "/tuneup.db");
  for (const auto& trial : store.ListTrials("e2e")) {
    ASSERT_TRUE(trial.objective) << trial.name;
    EXPECT_EQ(FormatDouble(*trial.objective), FindValue(trial.assignment, "x").value());
    auto losses = store.GetObservations(trial.name, "loss", std::nullopt);
    ASSERT_EQ(losses.size(), 2u) << trial.name;
    EXPECT_EQ(losses[0].value, 5);
  }
}

INSTANTIATE_TEST_SUITE_P(PushAndNone, E2ePushTest, ::testing::Values("Push", "None"));

TEST_F(E2eCollectorsTest, APushTrialThatNeverReportsSaysHowItShould) {
  Manifest manifest = PushManifest("Push");
  manifest.max_trials = 1;
  manifest.parallel = 1;
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\n");
  Run({"--file-poll-ms", "50"});
  SqliteStore store(workdir() + "/tuneup.db");
  auto trials = store.ListTrials("e2e");
  ASSERT_EQ(trials.size(), 1u);
  EXPECT_EQ(trials[0].status, TrialStatus::kMetricsUnavailable);
  EXPECT_TRUE(Contains(trials[0].message, "tuneup report loss=")) << trials[0].message;
}

TEST_F(E2eCollectorsTest, ReportRefusesATrialThatIsNotRunning) {
  WriteManifest(PushManifest("Push"));
  WriteTrial("\"$TUNEUP_BINARY\" report loss=\"$1\"\n");
  ASSERT_EQ(Run().exit_code, 0);
  const std::string db = workdir() + "/tuneup.db";
  ProcessResult late = Tuneup({"report", "loss=0.1", "--trial", "e2e-0001", "--db", db});
  EXPECT_EQ(late.exit_code, 1) << late.Describe();
  EXPECT_TRUE(Contains(late.err, "trial e2e-0001 is Succeeded")) << late.err;
  ProcessResult nowhere = Tuneup({"report", "loss=0.1", "--trial", "e2e-0001"});
  EXPECT_EQ(nowhere.exit_code, 2) << nowhere.Describe();
  EXPECT_TRUE(Contains(nowhere.err, "TUNEUP_DB")) << nowhere.err;
  EXPECT_EQ(SqliteStore(db).GetObservations("e2e-0001", "loss", std::nullopt).size(), 1u);
}

TEST_F(E2eCollectorsTest, ReportChecksEveryArgumentBeforeStoringAny) {
  WriteManifest(PushManifest("Push"));
  // The first trial tries bad arguments, then a good report; the others report at once.
  WriteTrial(R"(if [ "$KATIB_TRIAL_NAME" = e2e-0001 ]; then
  "$TUNEUP_BINARY" report loss=0.5 accuracy=abc loss=nan "bad name=1" noequals loss=0.7 \
    2> "$TUNEUP_TRIAL_DIR/report.err"
  echo $? > "$TUNEUP_TRIAL_DIR/report.code"
fi
"$TUNEUP_BINARY" report loss="$1"
)");
  ASSERT_EQ(Run({"--file-poll-ms", "50"}).exit_code, 0);
  EXPECT_EQ(ReadFile(trial_dir("e2e-0001") + "/report.code"), "2\n");
  const std::string err = ReadFile(trial_dir("e2e-0001") + "/report.err");
  EXPECT_TRUE(
      Contains(err, "argument 2 \"accuracy=abc\": the value \"abc\" is not a finite number"))
      << err;
  EXPECT_TRUE(Contains(err, "argument 3 \"loss=nan\"")) << err;
  EXPECT_TRUE(Contains(err, "argument 4 \"bad name=1\": the metric name")) << err;
  EXPECT_TRUE(Contains(err, "argument 5 \"noequals\": expected NAME=VALUE")) << err;
  EXPECT_TRUE(Contains(err, "argument 6 \"loss=0.7\": metric \"loss\" is given twice")) << err;
  EXPECT_TRUE(Contains(err, "nothing was stored")) << err;
  SqliteStore store(workdir() + "/tuneup.db");
  EXPECT_EQ(store.GetObservations("e2e-0001", std::nullopt, std::nullopt).size(), 1u);
}

// A Custom collector reads the file the trial writes (its own copy of the declared path, passed
// in its args) and prints what it finds; it is stopped once the trial has ended.
TEST_F(E2eCollectorsTest, CustomCollectorRunsBesideEachTrial) {
  Manifest manifest;
  manifest.max_trials = 3;
  manifest.command = {"./trial.sh", "${trialParameters.x}", "/var/log/katib/m.log"};
  manifest.collector = R"y(  metricsCollectorSpec:
    source:
      fileSystemPath: {path: /var/log/katib/m.log, kind: File}
    collector:
      kind: Custom
      customCollector:
        name: collector
        image: example.com/collector
        workingDir: .
        command: ["./collector.sh"]
        args: ["/var/log/katib/m.log", "$(PREFIX)"]
        env: [{name: PREFIX, value: "score"}]
)y";
  WriteManifest(manifest);
  WriteTrial("sleep 0.2\necho \"$1\" > \"$2\"\necho loss=999\n");
  // Waits for the file, prints its value, then lingers (as the same process) until stopped.
  dir_.WriteFile("collector.sh", R"sh(#!/bin/sh
echo $$ > "$TUNEUP_TRIAL_DIR/collector-pid"
while [ ! -s "$1" ]; do sleep 0.05; done
echo "$2 seen; loss=$(cat "$1")"
echo "$TUNEUP_TRIAL_NAME" > "$TUNEUP_TRIAL_DIR/collector-saw"
exec sleep 600
)sh",
                 /*executable=*/true);
  ProcessResult result = Run({"--custom-collector-grace-ms", "200"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "3 trials: 3 Succeeded")) << result.out;
  SqliteStore store(workdir() + "/tuneup.db");
  for (const auto& trial : store.ListTrials("e2e")) {
    ASSERT_TRUE(trial.objective) << trial.name;
    EXPECT_EQ(FormatDouble(*trial.objective), FindValue(trial.assignment, "x").value());
    EXPECT_EQ(ReadFile(trial_dir(trial.name) + "/collector-saw"), trial.name + "\n");
    EXPECT_TRUE(Contains(ReadFile(trial_dir(trial.name) + "/custom-collector/stdout.log"),
                         "score seen; loss="));
    const pid_t pid = std::stoi(ReadFile(trial_dir(trial.name) + "/collector-pid"));
    EXPECT_NE(::kill(pid, 0), 0) << "the collector of " << trial.name << " was left running";
  }
}

// Trials that exit 0 without their collector's source: the message names what was missing.
TEST_F(E2eCollectorsTest, MissingSourcesAreNamedInTheTrialsMessage) {
  struct Case {
    std::string collector;
    std::string message_start;
  };
  const std::vector<Case> cases = {
      {"  metricsCollectorSpec:\n    source:\n      fileSystemPath: {path: /var/log/tb, kind: "
       "Directory}\n    collector: {kind: TensorFlowEvent}\n",
       "exited 0, but no TensorFlow event file (a name with \"tfevents\") appeared in /var/log/tb "
       "(this trial's copy: "},
      {"  metricsCollectorSpec:\n    source:\n      httpGet: {port: 8080, path: /metrics}\n"
       "    collector: {kind: PrometheusMetric}\n",
       "exited 0, but no scrape of http://127.0.0.1:"},
  };
  for (const auto& c : cases) {
    Manifest manifest;
    manifest.name = "missing-" + std::to_string(&c - cases.data());
    manifest.max_trials = 1;
    manifest.parallel = 1;
    manifest.collector = c.collector;
    WriteManifest(manifest);
    WriteTrial("sleep 0.3\necho \"loss=$1\"\n");  // stdout is not these collectors' source
    Run({"--file-poll-ms", "50"});
    SqliteStore store(workdir() + "/tuneup.db");
    auto trials = store.ListTrials(manifest.name);
    ASSERT_EQ(trials.size(), 1u);
    EXPECT_EQ(trials[0].status, TrialStatus::kMetricsUnavailable);
    EXPECT_EQ(trials[0].message.rfind(c.message_start, 0), 0u) << trials[0].message;
  }
}

TEST_F(E2eCollectorsTest, ObservationsBeyondTheLimitAreDroppedWithAWarning) {
  Manifest manifest;
  manifest.max_trials = 1;
  manifest.parallel = 1;
  WriteManifest(manifest);
  WriteTrial("i=0\nwhile [ $i -lt 50 ]; do echo \"loss=$i\"; i=$((i+1)); done\n");
  ProcessResult result = Run({"--max-observations", "10"});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  SqliteStore store(workdir() + "/tuneup.db");
  EXPECT_EQ(store.GetObservations("e2e-0001", "loss", std::nullopt).size(), 10u);
  EXPECT_TRUE(Contains(ReadFile(trial_dir("e2e-0001") + "/metrics-collector.log"),
                       "limit of 10 observations"));
}

}  // namespace
}  // namespace tuneup
