// The Store conformance cases. They use only the Store interface and the factory, so every
// implementation is held to the same guarantees (db/store.h). Timestamps are microsecond-exact
// and not round, so a store that keeps less precision fails; values are compared exactly.
#include "tests/support/store_conformance.h"

#include <cmath>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <latch>
#include <limits>
#include <mutex>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include <gmock/gmock.h>

#include "api/cross_validation.h"
#include "api/experiment_json.h"
#include "api/manifest.h"
#include "common/text.h"
#include "controller/manifest_check.h"
#include "suggestion/registry.h"

namespace tuneup::testing {

StoreFactory::~StoreFactory() = default;

void PrintTo(const StoreBackend& backend, std::ostream* out) {
  *out << backend.name;
}

std::string StoreBackendName(const ::testing::TestParamInfo<StoreBackend>& info) {
  return info.param.name;
}

void StoreConformanceTest::SetUp() {
  factory_ = GetParam().make();
  ASSERT_NE(factory_, nullptr);
  store_ = factory_->Open();
  ASSERT_NE(store_, nullptr) << factory_->name() << ": Open() returned no store";
}

namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

// 2023-11-14T22:13:20Z plus `offset` microseconds.
Timestamp At(int64_t offset) {
  return FromUnixMicros(1'700'000'000'000'000 + offset);
}

std::optional<std::string> NoMetric() {
  return std::nullopt;
}

// A realistic manifest: several parameter types, a goal, extra metrics, labels, annotations.
std::string ManifestYaml() {
  return R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: conformance
  namespace: tuning
  labels:
    team: search
  annotations:
    note: "quotes ' and \" survive"
spec:
  objective:
    type: minimize
    goal: 0.001
    objectiveMetricName: loss
    additionalMetricNames: [accuracy]
  algorithm:
    algorithmName: random
    algorithmSettings:
      - name: random_state
        value: "3"
  parallelTrialCount: 3
  maxTrialCount: 12
  maxFailedTrialCount: 2
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.0001", max: "0.1"}
    - name: layers
      parameterType: int
      feasibleSpace: {min: "1", max: "5"}
    - name: optimizer
      parameterType: categorical
      feasibleSpace:
        list: [sgd, adam]
  trialTemplate:
    primaryContainerName: main
    trialParameters:
      - name: lr
        reference: lr
      - name: layers
        reference: layers
      - name: optimizer
        reference: optimizer
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: main
                image: unused
                command:
                  - train
                  - --lr=${trialParameters.lr}
                  - --layers=${trialParameters.layers}
                  - --optimizer=${trialParameters.optimizer}
            restartPolicy: Never
)";
}

// The manifest's experiment as the controller would store it: loaded, defaulted and checked.
const Experiment& BaseExperiment() {
  static const Experiment experiment = [] {
    auto loaded = LoadManifestText(ManifestYaml(), "conformance.yaml", "/tmp");
    if (loaded.size() != 1) throw std::runtime_error("the conformance manifest did not load");
    ManifestCheck check = CheckExperiment(std::move(loaded[0]), AlgorithmRegistry::Default());
    if (!check.runnable()) {
      throw std::runtime_error(
          "the conformance manifest is not runnable: " +
          (check.errors.empty() ? check.unsupported : check.errors).at(0).ToString());
    }
    return check.experiment;
  }();
  return experiment;
}

ExperimentRecord Record(const std::string& name, Timestamp created_at = At(0)) {
  ExperimentRecord record{BaseExperiment(), ExperimentStatus{}, created_at};
  record.experiment.metadata.name = name;
  return record;
}

// A pending trial of `experiment`, as the runner creates it.
Trial MakeTrial(const std::string& experiment, const std::string& name, int64_t sequence) {
  Trial trial;
  trial.name = name;
  trial.experiment = experiment;
  trial.sequence = sequence;
  trial.assignment = {{"lr", "0.0123"}, {"layers", "3"}, {"optimizer", "adam"}};
  trial.labels = {{"tuneup/experiment", experiment}};
  trial.created_at = At(sequence * 1'000'003 + 17);
  return trial;
}

// A fold job that has not started yet.
FoldResult PendingFold(int index) {
  FoldResult fold;
  fold.index = index;
  return fold;
}

// The result of fold job `index` (kFinalJob: the final evaluation) with every field set to
// something other than its default; its times are `offset` microseconds on.
FoldResult FullFold(int index, int64_t offset) {
  FoldResult fold;
  fold.index = index;
  fold.status = TrialStatus::kSucceeded;
  fold.message = "fold " + std::to_string(index) + " said \"done\"\nand 'left'";
  fold.attempt = 1;
  fold.objective = 0.1 * (index + 3) + 0.2;  // not round
  fold.metrics = {{"loss", 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 7},
                  {"accuracy", -1e-300, 0.97, 0.97, 9'007'199'254'740'993}};
  fold.job = "local:" + std::to_string(4242 + index);
  fold.started_at = At(offset + 1'000'001);
  fold.completed_at = At(offset + 2'999'999);
  return fold;
}

// A trial with every field set to something other than its default.
Trial FullTrial(const std::string& experiment, const std::string& name, int64_t sequence) {
  Trial trial = MakeTrial(experiment, name, sequence);
  trial.labels["tuneup/attempt"] = "2";
  trial.status = TrialStatus::kRunning;
  trial.reason = trial_reason::kRequeued;
  trial.message = "re-run after the node was preempted";
  trial.attempt = 2;
  trial.objective = 0.1 + 0.2;  // not exactly 0.3: any rounding shows
  trial.metrics = {{"loss", 5e-324, 1.7976931348623157e308, 0.1 + 0.2, 7},
                   {"accuracy", -1e-300, 0.97, 0.97, 9'007'199'254'740'993}};
  trial.started_at = At(2'000'001);
  trial.completed_at = At(3'999'999);
  FoldResult running = FullFold(1, 7);
  running.status = TrialStatus::kRunning;
  running.objective.reset();
  running.completed_at.reset();
  trial.folds = {FullFold(0, 3), running, PendingFold(2)};
  trial.final_evaluation = FullFold(kFinalJob, 11);
  return trial;
}

std::string Num(double value) {
  char text[40];
  std::snprintf(text, sizeof text, "%.17g", value);
  return text;
}

std::string Time(const std::optional<Timestamp>& time) {
  return time ? std::to_string(ToUnixMicros(*time)) : "none";
}

// Every field, one per line, strings JSON-quoted: EXPECT_EQ on two of these shows a line diff.
std::string Describe(const Trial& t) {
  std::ostringstream out;
  out << "name: " << Json(t.name).dump() << "\nexperiment: " << Json(t.experiment).dump()
      << "\nsequence: " << t.sequence << "\nassignment: " << AssignmentToJson(t.assignment).dump()
      << "\nlabels: " << Json(t.labels).dump() << "\nstatus: " << TrialStatusName(t.status)
      << "\nreason: " << Json(t.reason).dump() << "\nmessage: " << Json(t.message).dump()
      << "\nattempt: " << t.attempt << "\nobjective: " << (t.objective ? Num(*t.objective) : "none")
      << "\nmetrics:";
  for (const auto& m : t.metrics) {
    out << " " << Json(m.name).dump() << " min=" << Num(m.min) << " max=" << Num(m.max)
        << " latest=" << Num(m.latest) << " count=" << m.count << ";";
  }
  out << "\ncreated_at: " << Time(t.created_at) << "\nstarted_at: " << Time(t.started_at)
      << "\ncompleted_at: " << Time(t.completed_at) << "\nfolds:";
  for (const auto& f : t.folds)
    out << " " << FoldResultToJson(f).dump() << ";";
  out << "\nfinal_evaluation: "
      << (t.final_evaluation ? FoldResultToJson(*t.final_evaluation).dump() : "none") << "\n";
  return out.str();
}

std::string Describe(const ExperimentStatus& s) {
  return std::string(ExperimentStateName(s.state)) + " reason=" + Json(s.reason).dump() +
         " message=" + Json(s.message).dump() + " start=" + Time(s.start_time) +
         " completion=" + Time(s.completion_time);
}

std::string Describe(const ExperimentRecord& r) {
  return ExperimentToJson(r.experiment).dump(2) + "\nstatus: " + Describe(r.status) +
         "\ncreated_at: " + Time(r.created_at) + "\n";
}

std::string Describe(const Observation& o) {
  return Json(o.metric).dump() + "=" + Num(o.value) + "@" + Time(o.time) +
         " fold=" + std::to_string(o.fold);
}

std::vector<std::string> Describe(const std::vector<Observation>& observations) {
  std::vector<std::string> lines;
  for (const auto& o : observations)
    lines.push_back(Describe(o));
  return lines;
}

std::vector<std::string> Names(const std::vector<Trial>& trials) {
  std::vector<std::string> names;
  for (const auto& t : trials)
    names.push_back(t.name);
  return names;
}

std::vector<std::string> Names(const std::vector<ExperimentRecord>& records) {
  std::vector<std::string> names;
  for (const auto& r : records)
    names.push_back(r.experiment.metadata.name);
  return names;
}

std::string DescribeTrial(const std::optional<Trial>& trial) {
  return trial ? Describe(*trial) : "(no trial)";
}

std::string DescribeRecord(const std::optional<ExperimentRecord>& record) {
  return record ? Describe(*record) : "(no experiment)";
}

// Names and values that break naive quoting, LIKE patterns, escaping or encodings. No NUL: the
// API's strings may hold one, but no backend is asked to store it.
const std::vector<std::string>& HostileStrings() {
  static const std::vector<std::string> strings = {
      "it's",
      "say \"hi\"",
      "a;b",
      "--not-a-comment",
      "/* not a comment */",
      "100%",
      "a_b",
      "back\\slash",
      "\\'",
      "ends with backslash\\",
      "line1\nline2\r\nline3",
      "tab\there",
      " padded ",
      "Trial",
      "trial",
      "trial ",
      "\xF0\x9F\x9A\x80 \xD1\x80\xD0\xB0\xD0\xBA\xD0\xB5\xD1\x82\xD0\xB0",  // rocket, Cyrillic
      "\xE5\xAE\x9F\xE9\xA8\x93-\xE8\xA9\xA6\xE8\xA1\x8C",                  // CJK
      "x'); DROP TABLE trials; --",
      "\"); DROP TABLE experiments; --",
      "' OR '1'='1",
      "%_%",
      "$1 ?1 ?2 :name @p",
      "{\"json\": [1, 2]}",
      "null",
      "\\u0000 \\x00 \\0",
  };
  return strings;
}

// ---------------------------------------------------------------------------------------------
// Empty store and unknown names.

TEST_P(StoreConformanceTest, NewStoreIsEmpty) {
  EXPECT_THAT(store().ListExperiments(), IsEmpty());
  EXPECT_EQ(store().GetExperiment("missing"), std::nullopt);
  EXPECT_EQ(store().GetTrial("missing-0000"), std::nullopt);
  EXPECT_THAT(store().ListTrials("missing"), IsEmpty());
  EXPECT_THAT(store().GetObservations("missing-0000", NoMetric(), std::nullopt), IsEmpty());
}

TEST_P(StoreConformanceTest, UnknownNamesAreNulloptNotErrors) {
  store().CreateExperiment(Record("known"));
  Trial trial = MakeTrial("known", "known-0000", 0);
  store().CreateTrials({&trial, 1});
  EXPECT_EQ(store().GetExperiment("unknown"), std::nullopt);
  EXPECT_EQ(store().GetExperiment("know"), std::nullopt);  // a prefix is not a match
  EXPECT_EQ(store().GetExperiment("KNOWN"), std::nullopt);
  EXPECT_EQ(store().GetTrial("known-000"), std::nullopt);
  EXPECT_EQ(store().GetTrial("known-0000 "), std::nullopt);
  EXPECT_THAT(store().ListTrials("unknown"), IsEmpty());
}

// ---------------------------------------------------------------------------------------------
// Experiments.

TEST_P(StoreConformanceTest, CreateExperimentRoundTripsSpecExactly) {
  ExperimentRecord record = Record("spec-roundtrip", At(123'457));
  record.experiment.metadata.annotations["big"] = std::string(200'000, 'a') + "\xE2\x9C\x93";
  store().CreateExperiment(record);
  auto got = store().GetExperiment("spec-roundtrip");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(ExperimentToJson(got->experiment).dump(2), ExperimentToJson(record.experiment).dump(2));
  EXPECT_EQ(Describe(*got), Describe(record));
  auto listed = store().ListExperiments();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(Describe(listed[0]), Describe(record));
}

TEST_P(StoreConformanceTest, CreateExperimentKeepsItsInitialStatus) {
  ExperimentRecord record = Record("already-running", At(5));
  record.status.state = ExperimentState::kRunning;
  record.status.reason = experiment_reason::kRunning;
  record.status.message = "resumed";
  record.status.start_time = At(6);
  store().CreateExperiment(record);
  EXPECT_EQ(DescribeRecord(store().GetExperiment("already-running")), Describe(record));
}

TEST_P(StoreConformanceTest, ListExperimentsIsOldestFirst) {
  // Inserted in neither age nor name order.
  store().CreateExperiment(Record("b-middle", At(2'000'000)));
  store().CreateExperiment(Record("c-newest", At(3'000'001)));
  store().CreateExperiment(Record("a-oldest", At(999'999)));
  EXPECT_THAT(Names(store().ListExperiments()), ElementsAre("a-oldest", "b-middle", "c-newest"));
}

TEST_P(StoreConformanceTest, DuplicateExperimentIsAlreadyExistsAndKeepsTheFirst) {
  ExperimentRecord first = Record("dup", At(1));
  store().CreateExperiment(first);
  ExperimentRecord second = Record("dup", At(2));
  second.experiment.spec.max_trial_count = 99;
  second.status.message = "second";
  std::string message;
  EXPECT_TRUE(
      ThrowsError([&] { store().CreateExperiment(second); }, ErrorCode::kAlreadyExists, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("dup"));
  EXPECT_EQ(DescribeRecord(store().GetExperiment("dup")), Describe(first));
  EXPECT_EQ(store().ListExperiments().size(), 1u);
  // The failed call left nothing half-open: the store still takes writes.
  store().CreateExperiment(Record("after-dup", At(3)));
  EXPECT_EQ(store().ListExperiments().size(), 2u);
}

TEST_P(StoreConformanceTest, ExperimentNamesAreExactNotCaseOrSpaceFolded) {
  for (const char* name : {"exp", "Exp", "EXP", "exp ", " exp"}) {
    store().CreateExperiment(Record(name));
  }
  EXPECT_EQ(store().ListExperiments().size(), 5u);
  EXPECT_EQ(store().GetExperiment("Exp")->experiment.metadata.name, "Exp");
  EXPECT_EQ(store().GetExperiment("exp ")->experiment.metadata.name, "exp ");
}

TEST_P(StoreConformanceTest, UpdateExperimentStatusRoundTripsEveryField) {
  ExperimentRecord record = Record("status", At(10));
  store().CreateExperiment(record);

  ExperimentStatus running{ExperimentState::kRunning, experiment_reason::kRunning,
                           "2 of 12 trials running", At(1'000'001), std::nullopt};
  store().UpdateExperimentStatus("status", running);
  auto got = store().GetExperiment("status");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(Describe(got->status), Describe(running));

  ExperimentStatus done{ExperimentState::kSucceeded, experiment_reason::kGoalReached,
                        "objective loss reached goal 0.001\nbest trial: status-0007", At(1'000'001),
                        At(86'400'000'001)};
  store().UpdateExperimentStatus("status", done);
  got = store().GetExperiment("status");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(Describe(got->status), Describe(done));
  // The spec and creation time are not part of the status.
  EXPECT_EQ(ExperimentToJson(got->experiment).dump(), ExperimentToJson(record.experiment).dump());
  EXPECT_EQ(Time(got->created_at), Time(record.created_at));
  auto listed = store().ListExperiments();
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(Describe(listed[0].status), Describe(done));

  // Optional times can be cleared again (a restarted experiment).
  ExperimentStatus restarted{ExperimentState::kCreated, experiment_reason::kCreated, "", {}, {}};
  store().UpdateExperimentStatus("status", restarted);
  EXPECT_EQ(Describe(store().GetExperiment("status")->status), Describe(restarted));
}

TEST_P(StoreConformanceTest, UpdateExperimentSpecReplacesOnlyTheSpec) {
  ExperimentRecord record = Record("respec", At(10));
  store().CreateExperiment(record);
  ExperimentStatus done{ExperimentState::kSucceeded, experiment_reason::kMaxTrialsReached, "done",
                        At(20), At(30)};
  store().UpdateExperimentStatus("respec", done);
  Experiment bigger = record.experiment;
  bigger.spec.max_trial_count = 40;
  store().UpdateExperimentSpec(bigger);
  auto got = store().GetExperiment("respec");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(ExperimentToJson(got->experiment).dump(), ExperimentToJson(bigger).dump());
  EXPECT_EQ(Describe(got->status), Describe(done));
  EXPECT_EQ(Time(got->created_at), Time(record.created_at));

  Experiment missing = record.experiment;
  missing.metadata.name = "no-such-experiment";
  try {
    store().UpdateExperimentSpec(missing);
    ADD_FAILURE() << "updated an experiment that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kNotFound);
  }
}

TEST_P(StoreConformanceTest, EveryExperimentStateRoundTrips) {
  store().CreateExperiment(Record("states"));
  for (ExperimentState state : {ExperimentState::kCreated, ExperimentState::kRunning,
                                ExperimentState::kSucceeded, ExperimentState::kFailed}) {
    ExperimentStatus status;
    status.state = state;
    status.reason = "Reason" + std::string(ExperimentStateName(state));
    store().UpdateExperimentStatus("states", status);
    EXPECT_EQ(Describe(store().GetExperiment("states")->status), Describe(status));
  }
}

TEST_P(StoreConformanceTest, UpdateStatusOfUnknownExperimentIsNotFound) {
  store().CreateExperiment(Record("present"));
  ExperimentStatus status{ExperimentState::kFailed, experiment_reason::kFailed, "x", At(1), At(2)};
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { store().UpdateExperimentStatus("absent", status); },
                          ErrorCode::kNotFound, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("absent"));
  EXPECT_EQ(store().GetExperiment("absent"), std::nullopt);
  EXPECT_EQ(Describe(store().GetExperiment("present")->status), Describe(ExperimentStatus{}));
}

// ---------------------------------------------------------------------------------------------
// Trials.

TEST_P(StoreConformanceTest, CreateTrialsRoundTripsEveryField) {
  store().CreateExperiment(Record("fields"));
  std::vector<Trial> trials{FullTrial("fields", "fields-full", 0),
                            MakeTrial("fields", "fields-minimal", 1)};
  trials[1].assignment.clear();
  trials[1].labels.clear();
  store().CreateTrials(trials);
  EXPECT_EQ(DescribeTrial(store().GetTrial("fields-full")), Describe(trials[0]));
  EXPECT_EQ(DescribeTrial(store().GetTrial("fields-minimal")), Describe(trials[1]));
  auto listed = store().ListTrials("fields");
  ASSERT_EQ(listed.size(), 2u);
  EXPECT_EQ(Describe(listed[0]), Describe(trials[0]));
  EXPECT_EQ(Describe(listed[1]), Describe(trials[1]));
}

TEST_P(StoreConformanceTest, EveryTrialStatusRoundTrips) {
  store().CreateExperiment(Record("statuses"));
  std::vector<Trial> trials;
  for (TrialStatus status :
       {TrialStatus::kPending, TrialStatus::kRunning, TrialStatus::kSucceeded, TrialStatus::kFailed,
        TrialStatus::kKilled, TrialStatus::kEarlyStopped, TrialStatus::kMetricsUnavailable}) {
    Trial trial = MakeTrial("statuses", "statuses-" + std::string(TrialStatusName(status)),
                            static_cast<int64_t>(trials.size()));
    trial.status = status;
    trials.push_back(trial);
  }
  store().CreateTrials(trials);
  for (const Trial& trial : trials) {
    EXPECT_EQ(DescribeTrial(store().GetTrial(trial.name)), Describe(trial));
  }
}

TEST_P(StoreConformanceTest, CreateTrialsWithADuplicateInTheBatchInsertsNone) {
  store().CreateExperiment(Record("batch"));
  std::vector<Trial> batch{MakeTrial("batch", "batch-a", 0), MakeTrial("batch", "batch-b", 1),
                           MakeTrial("batch", "batch-a", 2)};
  std::string message;
  EXPECT_TRUE(
      ThrowsError([&] { store().CreateTrials(batch); }, ErrorCode::kAlreadyExists, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("batch-a"));
  EXPECT_THAT(store().ListTrials("batch"), IsEmpty());
  EXPECT_EQ(store().GetTrial("batch-a"), std::nullopt);
  EXPECT_EQ(store().GetTrial("batch-b"), std::nullopt);
  // Nothing was left half-applied: the same names can be created now.
  batch.pop_back();
  store().CreateTrials(batch);
  EXPECT_THAT(Names(store().ListTrials("batch")), ElementsAre("batch-a", "batch-b"));
}

TEST_P(StoreConformanceTest, CreateTrialsWithATakenNameInsertsNoneAndKeepsTheOriginal) {
  store().CreateExperiment(Record("taken"));
  Trial original = FullTrial("taken", "taken-0", 0);
  store().CreateTrials({&original, 1});
  std::vector<Trial> batch{MakeTrial("taken", "taken-1", 1), MakeTrial("taken", "taken-0", 2)};
  EXPECT_TRUE(ThrowsError([&] { store().CreateTrials(batch); }, ErrorCode::kAlreadyExists));
  EXPECT_EQ(store().GetTrial("taken-1"), std::nullopt);
  EXPECT_EQ(DescribeTrial(store().GetTrial("taken-0")), Describe(original));
  EXPECT_THAT(Names(store().ListTrials("taken")), ElementsAre("taken-0"));
}

TEST_P(StoreConformanceTest, TrialNamesAreUniqueAcrossExperiments) {
  // GetTrial takes only a name, so a trial name identifies one trial in the whole store.
  store().CreateExperiment(Record("first"));
  store().CreateExperiment(Record("second"));
  Trial trial = MakeTrial("first", "shared-name", 0);
  store().CreateTrials({&trial, 1});
  Trial clash = MakeTrial("second", "shared-name", 0);
  EXPECT_TRUE(ThrowsError([&] { store().CreateTrials({&clash, 1}); }, ErrorCode::kAlreadyExists));
  EXPECT_THAT(store().ListTrials("second"), IsEmpty());
  EXPECT_EQ(store().GetTrial("shared-name")->experiment, "first");
}

TEST_P(StoreConformanceTest, CreateTrialsForAMissingExperimentIsNotFoundAndInsertsNone) {
  store().CreateExperiment(Record("exists"));
  std::vector<Trial> batch{MakeTrial("exists", "exists-0", 0),
                           MakeTrial("does-not-exist", "orphan-0", 0)};
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { store().CreateTrials(batch); }, ErrorCode::kNotFound, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("does-not-exist"));
  EXPECT_EQ(store().GetTrial("exists-0"), std::nullopt);
  EXPECT_EQ(store().GetTrial("orphan-0"), std::nullopt);
  EXPECT_THAT(store().ListTrials("exists"), IsEmpty());
  EXPECT_THAT(store().ListTrials("does-not-exist"), IsEmpty());
}

TEST_P(StoreConformanceTest, CreateTrialsWithAnEmptyBatchDoesNothing) {
  store().CreateExperiment(Record("empty"));
  store().CreateTrials({});
  EXPECT_THAT(store().ListTrials("empty"), IsEmpty());
}

TEST_P(StoreConformanceTest, ListTrialsIsInSequenceOrderAndPerExperiment) {
  store().CreateExperiment(Record("seq"));
  store().CreateExperiment(Record("other"));
  // Names sort differently from sequences, and batches arrive out of order.
  std::vector<Trial> late{MakeTrial("seq", "seq-a", 3), MakeTrial("seq", "seq-b", 1)};
  std::vector<Trial> early{MakeTrial("seq", "seq-c", 0), MakeTrial("seq", "seq-d", 2)};
  std::vector<Trial> other{MakeTrial("other", "other-0", 0)};
  store().CreateTrials(late);
  store().CreateTrials(other);
  store().CreateTrials(early);
  EXPECT_THAT(Names(store().ListTrials("seq")), ElementsAre("seq-c", "seq-b", "seq-d", "seq-a"));
  EXPECT_THAT(Names(store().ListTrials("other")), ElementsAre("other-0"));
}

TEST_P(StoreConformanceTest, ManyTrialsInOneBatch) {
  store().CreateExperiment(Record("wide"));
  constexpr int kCount = 2'000;
  std::vector<Trial> trials;
  for (int i = kCount - 1; i >= 0; --i) {
    trials.push_back(MakeTrial("wide", "wide-" + std::to_string(i), i));
  }
  store().CreateTrials(trials);
  auto listed = store().ListTrials("wide");
  ASSERT_EQ(listed.size(), static_cast<size_t>(kCount));
  for (int i = 0; i < kCount; ++i) {
    ASSERT_EQ(listed[i].sequence, i);
    ASSERT_EQ(listed[i].name, "wide-" + std::to_string(i));
  }
}

TEST_P(StoreConformanceTest, UpdateTrialWritesStateAndAppendsObservationsTogether) {
  store().CreateExperiment(Record("update"));
  Trial trial = MakeTrial("update", "update-0", 0);
  store().CreateTrials({&trial, 1});

  trial.status = TrialStatus::kRunning;
  trial.reason = "";
  trial.message = "started";
  trial.attempt = 1;
  trial.started_at = At(5'000'001);
  trial.labels["node"] = "gpu-3";
  trial.objective = 0.75;
  trial.metrics = {{"loss", 0.75, 0.9, 0.75, 2}};
  std::vector<Observation> first{{"loss", 0.9, At(5'100'001)}, {"loss", 0.75, At(5'200'001)}};
  store().UpdateTrial(trial, first);
  EXPECT_EQ(DescribeTrial(store().GetTrial("update-0")), Describe(trial));
  // The observations went to the attempt the update set, not the previous one.
  EXPECT_THAT(Describe(store().GetObservations("update-0", NoMetric(), 1)),
              ElementsAreArray(Describe(first)));
  EXPECT_THAT(store().GetObservations("update-0", NoMetric(), 0), IsEmpty());

  trial.status = TrialStatus::kSucceeded;
  trial.reason = trial_reason::kSucceeded;
  trial.message = "exit code 0";
  trial.completed_at = At(9'000'009);
  trial.objective = 0.5;
  trial.metrics = {{"loss", 0.5, 0.9, 0.5, 3}, {"accuracy", 0.8, 0.8, 0.8, 1}};
  std::vector<Observation> second{{"loss", 0.5, At(8'000'001)}, {"accuracy", 0.8, At(8'000'001)}};
  store().UpdateTrial(trial, second);
  EXPECT_EQ(DescribeTrial(store().GetTrial("update-0")), Describe(trial));
  std::vector<Observation> all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_THAT(Describe(store().GetObservations("update-0", NoMetric(), std::nullopt)),
              ElementsAreArray(Describe(all)));

  // Optional state can be cleared (a trial requeued after a crash).
  trial.status = TrialStatus::kPending;
  trial.reason = trial_reason::kRequeued;
  trial.message.clear();
  trial.attempt = 2;
  trial.objective.reset();
  trial.metrics.clear();
  trial.labels.clear();
  trial.started_at.reset();
  trial.completed_at.reset();
  store().UpdateTrial(trial, {});
  EXPECT_EQ(DescribeTrial(store().GetTrial("update-0")), Describe(trial));
  auto listed = store().ListTrials("update");
  ASSERT_EQ(listed.size(), 1u);
  EXPECT_EQ(Describe(listed[0]), Describe(trial));
  // Earlier attempts keep their observations.
  EXPECT_EQ(store().GetObservations("update-0", NoMetric(), std::nullopt).size(), 4u);
}

TEST_P(StoreConformanceTest, UpdateTrialOfUnknownTrialIsNotFoundAndStoresNoObservation) {
  store().CreateExperiment(Record("ghost"));
  Trial ghost = MakeTrial("ghost", "ghost-0", 0);
  std::vector<Observation> observations{{"loss", 1, At(1)}};
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { store().UpdateTrial(ghost, observations); }, ErrorCode::kNotFound,
                          &message));
  EXPECT_THAT(message, ::testing::HasSubstr("ghost-0"));
  EXPECT_EQ(store().GetTrial("ghost-0"), std::nullopt);
  EXPECT_THAT(store().GetObservations("ghost-0", NoMetric(), std::nullopt), IsEmpty());
  // Created later, the trial starts with no observations.
  store().CreateTrials({&ghost, 1});
  EXPECT_THAT(store().GetObservations("ghost-0", NoMetric(), std::nullopt), IsEmpty());
}

TEST_P(StoreConformanceTest, AppendObservationsToUnknownTrialIsNotFound) {
  std::vector<Observation> observations{{"loss", 1, At(1)}};
  EXPECT_TRUE(ThrowsError([&] { store().AppendObservations("nobody", 0, observations); },
                          ErrorCode::kNotFound));
  EXPECT_THAT(store().GetObservations("nobody", NoMetric(), std::nullopt), IsEmpty());
}

TEST_P(StoreConformanceTest, NonFiniteValuesAreRefusedAndNothingIsWritten) {
  store().CreateExperiment(Record("finite"));
  Trial trial = MakeTrial("finite", "finite-0", 0);
  store().CreateTrials({&trial, 1});
  const double kBad[] = {std::nan(""), INFINITY, -INFINITY};
  for (double bad : kBad) {
    std::vector<Observation> observations{{"loss", 1, At(1)}, {"loss", bad, At(2)}};
    EXPECT_TRUE(ThrowsError([&] { store().AppendObservations("finite-0", 0, observations); },
                            ErrorCode::kInvalidArgument));
    Trial changed = trial;
    changed.status = TrialStatus::kSucceeded;
    EXPECT_TRUE(ThrowsError([&] { store().UpdateTrial(changed, observations); },
                            ErrorCode::kInvalidArgument));
    changed.objective = bad;
    EXPECT_TRUE(
        ThrowsError([&] { store().UpdateTrial(changed, {}); }, ErrorCode::kInvalidArgument));
  }
  EXPECT_THAT(store().GetObservations("finite-0", NoMetric(), std::nullopt), IsEmpty());
  EXPECT_EQ(store().GetTrial("finite-0")->status, trial.status);
}

// ---------------------------------------------------------------------------------------------
// Cross-validated trials: fold results and the final evaluation.

TEST_P(StoreConformanceTest, FoldResultsRoundTripThroughUpdateTrialGetTrialAndListTrials) {
  store().CreateExperiment(Record("cv"));
  std::vector<Trial> trials{MakeTrial("cv", "cv-0", 0), MakeTrial("cv", "cv-1", 1)};
  store().CreateTrials(trials);
  auto expect_stored = [&](const Trial& want) {
    SCOPED_TRACE(want.name);
    std::optional<Trial> got = store().GetTrial(want.name);
    ASSERT_TRUE(got.has_value());
    EXPECT_TRUE(got->folds == want.folds) << Describe(*got);
    EXPECT_TRUE(got->final_evaluation == want.final_evaluation) << Describe(*got);
    EXPECT_EQ(Describe(*got), Describe(want));
    for (const Trial& listed : store().ListTrials("cv")) {
      if (listed.name != want.name) continue;
      EXPECT_TRUE(listed.folds == want.folds) << Describe(listed);
      EXPECT_TRUE(listed.final_evaluation == want.final_evaluation) << Describe(listed);
      EXPECT_EQ(Describe(listed), Describe(want));
    }
  };
  expect_stored(trials[0]);  // not cross-validated: no folds, no final evaluation

  // The fold jobs start, each with its own status, job and times.
  Trial& trial = trials[0];
  trial.status = TrialStatus::kRunning;
  trial.started_at = At(1'000'001);
  trial.folds = {PendingFold(0), PendingFold(1), PendingFold(2)};
  for (auto& fold : trial.folds)
    fold.status = TrialStatus::kRunning;
  trial.folds[0].started_at = At(1'000'003);
  trial.folds[0].job = "local:4242";
  store().UpdateTrial(trial, {});
  expect_stored(trial);

  trial.folds[0] = FullFold(0, 5);
  trial.folds[1] = FullFold(1, 9);
  trial.folds[1].status = TrialStatus::kFailed;
  trial.folds[1].objective.reset();
  trial.folds[1].metrics.clear();
  trial.folds[1].message = HostileStrings()[0] + HostileStrings()[10];
  trial.folds[2].status = TrialStatus::kPending;  // preempted: re-runs alone, as attempt 1
  trial.folds[2].attempt = 1;
  trial.folds[2].message = trial_reason::kPreempted;
  trial.folds[2].job = HostileStrings()[18];
  trial.objective = *trial.folds[0].objective;
  trial.metrics = trial.folds[0].metrics;
  store().UpdateTrial(trial, {});
  expect_stored(trial);
  expect_stored(trials[1]);  // its neighbour is untouched

  // The final evaluation is stored apart from the folds.
  trial.folds[2] = FullFold(2, 13);
  trial.status = TrialStatus::kSucceeded;
  trial.completed_at = At(20'000'001);
  trial.final_evaluation = FullFold(kFinalJob, 17);
  trial.final_evaluation->objective = -0.0;
  store().UpdateTrial(trial, {});
  expect_stored(trial);

  // And both can be cleared again.
  trial.final_evaluation.reset();
  store().UpdateTrial(trial, {});
  expect_stored(trial);
  trial.folds.clear();
  trial.final_evaluation = PendingFold(kFinalJob);
  store().UpdateTrial(trial, {});
  expect_stored(trial);
  trial.final_evaluation.reset();
  store().UpdateTrial(trial, {});
  expect_stored(trial);

  // CreateTrials stores them too (a trial restored from another store).
  Trial created = FullTrial("cv", "cv-2", 2);
  store().CreateTrials({&created, 1});
  expect_stored(created);
}

TEST_P(StoreConformanceTest, UnstorableFoldResultsAreRefusedAndNothingIsWritten) {
  store().CreateExperiment(Record("cv-bad"));
  Trial trial = FullTrial("cv-bad", "cv-bad-0", 0);
  store().CreateTrials({&trial, 1});
  const std::vector<Observation> observations{{"loss", 1, At(1), 0}};

  std::vector<std::pair<std::string, std::function<void(Trial&)>>> damages;
  const double kInfinity = std::numeric_limits<double>::infinity();
  for (double bad : {std::nan(""), kInfinity, -kInfinity}) {
    const std::string value = Num(bad);
    damages.push_back({"fold objective " + value, [=](Trial& t) { t.folds[0].objective = bad; }});
    damages.push_back(
        {"fold metric min " + value, [=](Trial& t) { t.folds[1].metrics[0].min = bad; }});
    damages.push_back(
        {"fold metric latest " + value, [=](Trial& t) { t.folds[0].metrics[1].latest = bad; }});
    damages.push_back(
        {"final objective " + value, [=](Trial& t) { t.final_evaluation->objective = bad; }});
    damages.push_back(
        {"final metric max " + value, [=](Trial& t) { t.final_evaluation->metrics[0].max = bad; }});
  }
  // What the cross_validation column could not read back.
  damages.push_back({"fold index -3", [](Trial& t) { t.folds[1].index = -3; }});
  damages.push_back({"negative fold attempt", [](Trial& t) { t.folds[2].attempt = -1; }});
  damages.push_back(
      {"fold time before 1678", [](Trial& t) { t.folds[0].started_at = Timestamp::min(); }});
  damages.push_back({"final time after 2261",
                     [](Trial& t) { t.final_evaluation->completed_at = Timestamp::max(); }});

  for (const auto& [what, damage] : damages) {
    SCOPED_TRACE(what);
    Trial changed = trial;
    changed.status = TrialStatus::kSucceeded;
    damage(changed);
    std::string message;
    EXPECT_TRUE(ThrowsError([&] { store().UpdateTrial(changed, observations); },
                            ErrorCode::kInvalidArgument, &message));
    EXPECT_THAT(message, ::testing::HasSubstr("cv-bad-0"));
    changed.name = "cv-bad-1";
    changed.sequence = 1;
    EXPECT_TRUE(ThrowsError(
        [&] {
          store().CreateTrials({&changed, 1});
        },
        ErrorCode::kInvalidArgument));
  }
  EXPECT_THAT(store().GetObservations("cv-bad-0", NoMetric(), std::nullopt), IsEmpty());
  EXPECT_EQ(DescribeTrial(store().GetTrial("cv-bad-0")), Describe(trial));
  EXPECT_THAT(Names(store().ListTrials("cv-bad")), ElementsAre("cv-bad-0"));
}

// ---------------------------------------------------------------------------------------------
// Observations.

TEST_P(StoreConformanceTest, ObservationsKeepArrivalOrderWhateverTheirTimestamps) {
  store().CreateExperiment(Record("order"));
  Trial trial = MakeTrial("order", "order-0", 0);
  store().CreateTrials({&trial, 1});
  // Equal and decreasing times (a clock step back, a collector replaying a file) must not reorder.
  std::vector<Observation> first{
      {"loss", 3, At(500)}, {"loss", 2, At(500)}, {"accuracy", 0.1, At(400)}, {"loss", 1, At(100)}};
  std::vector<Observation> second{{"loss", 0.5, At(50)}, {"loss", 0.5, At(50)}};
  store().AppendObservations("order-0", 0, first);
  store().AppendObservations("order-0", 0, second);
  std::vector<Observation> all = first;
  all.insert(all.end(), second.begin(), second.end());
  EXPECT_THAT(Describe(store().GetObservations("order-0", NoMetric(), std::nullopt)),
              ElementsAreArray(Describe(all)));
  EXPECT_THAT(Describe(store().GetObservations("order-0", "loss", std::nullopt)),
              ElementsAre(Describe(first[0]), Describe(first[1]), Describe(first[3]),
                          Describe(second[0]), Describe(second[1])));
}

TEST_P(StoreConformanceTest, GetObservationsFiltersByMetricAndAttempt) {
  store().CreateExperiment(Record("filter"));
  std::vector<Trial> trials{MakeTrial("filter", "filter-0", 0), MakeTrial("filter", "filter-1", 1)};
  store().CreateTrials(trials);
  Observation l0a{"loss", 1.0, At(1)}, a0{"accuracy", 0.1, At(2)}, l0b{"loss", 0.9, At(3)};
  Observation l1{"loss", 0.8, At(4)}, a1{"accuracy", 0.2, At(5)};
  Observation elsewhere{"loss", 42, At(6)};
  store().AppendObservations("filter-0", 0, std::vector<Observation>{l0a, a0});
  store().AppendObservations("filter-1", 0, std::vector<Observation>{elsewhere});
  store().AppendObservations("filter-0", 1, std::vector<Observation>{l1});
  store().AppendObservations("filter-0", 0, std::vector<Observation>{l0b});
  store().AppendObservations("filter-0", 1, std::vector<Observation>{a1});

  auto get = [&](std::optional<std::string> metric, std::optional<int> attempt) {
    return Describe(store().GetObservations("filter-0", metric, attempt));
  };
  EXPECT_THAT(get(std::nullopt, std::nullopt),
              ElementsAre(Describe(l0a), Describe(a0), Describe(l1), Describe(l0b), Describe(a1)));
  EXPECT_THAT(get("loss", std::nullopt), ElementsAre(Describe(l0a), Describe(l1), Describe(l0b)));
  EXPECT_THAT(get(std::nullopt, 0), ElementsAre(Describe(l0a), Describe(a0), Describe(l0b)));
  EXPECT_THAT(get(std::nullopt, 1), ElementsAre(Describe(l1), Describe(a1)));
  EXPECT_THAT(get("accuracy", 1), ElementsAre(Describe(a1)));
  EXPECT_THAT(get("loss", 0), ElementsAre(Describe(l0a), Describe(l0b)));
  EXPECT_THAT(get("loss", 7), IsEmpty());
  EXPECT_THAT(get("los", std::nullopt), IsEmpty());
  EXPECT_THAT(get("LOSS", std::nullopt), IsEmpty());
  EXPECT_THAT(get("", std::nullopt), IsEmpty());
  EXPECT_THAT(Describe(store().GetObservations("filter-1", NoMetric(), std::nullopt)),
              ElementsAre(Describe(elsewhere)));
}

TEST_P(StoreConformanceTest, MetricFilterIsExactNotAPattern) {
  store().CreateExperiment(Record("pattern"));
  Trial trial = MakeTrial("pattern", "pattern-0", 0);
  store().CreateTrials({&trial, 1});
  std::vector<Observation> observations;
  for (const char* metric : {"%", "_", "a%", "ab", "a_", "a\\_", "a\\b", "*", "a.*"}) {
    observations.push_back({metric, static_cast<double>(observations.size()), At(1)});
  }
  store().AppendObservations("pattern-0", 0, observations);
  for (const auto& o : observations) {
    auto got = store().GetObservations("pattern-0", o.metric, std::nullopt);
    EXPECT_THAT(Describe(got), ElementsAre(Describe(o))) << "metric " << o.metric;
  }
}

TEST_P(StoreConformanceTest, ValuesRoundTripExactly) {
  store().CreateExperiment(Record("values"));
  Trial trial = MakeTrial("values", "values-0", 0);
  store().CreateTrials({&trial, 1});
  std::vector<Observation> observations;
  int64_t micros = -1;  // also a time before the epoch
  // -0.0 is left out: SQLite stores an integral REAL as an integer, and 0 has no sign.
  for (double value : {0.0, 0.1 + 0.2, 1.0 / 3, -2.5e-308, 5e-324, 1.7976931348623157e308,
                       -1.7976931348623157e308, 123456789.123456789, 9007199254740991.0}) {
    observations.push_back({"v", value, FromUnixMicros(micros)});
    micros = micros * -7 + 1'234'567;
  }
  store().AppendObservations("values-0", 0, observations);
  auto got = store().GetObservations("values-0", NoMetric(), std::nullopt);
  EXPECT_THAT(Describe(got), ElementsAreArray(Describe(observations)));
}

TEST_P(StoreConformanceTest, ManyObservationsInOneCallAreAllOrNothingToReaders) {
  store().CreateExperiment(Record("bulk"));
  Trial trial = MakeTrial("bulk", "bulk-0", 0);
  store().CreateTrials({&trial, 1});
  constexpr size_t kCount = 20'000;
  std::vector<Observation> observations;
  observations.reserve(kCount);
  for (size_t i = 0; i < kCount; ++i) {
    observations.push_back({i % 2 ? "loss" : "accuracy", static_cast<double>(i) * 0.25,
                            At(static_cast<int64_t>(kCount - i / 3))});
  }

  // Another connection polls while the batch is written: one transaction means it sees none of
  // the batch or all of it, never a part.
  std::unique_ptr<Store> reader = factory_->Reopen();
  std::atomic<bool> written{false};
  std::vector<size_t> seen;
  std::string reader_error;
  std::thread watch([&] {
    try {
      while (!written.load()) {
        seen.push_back(reader->GetObservations("bulk-0", "loss", std::nullopt).size());
      }
      seen.push_back(reader->GetObservations("bulk-0", "loss", std::nullopt).size());
    } catch (const std::exception& e) {
      reader_error = e.what();
    }
  });
  auto start = std::chrono::steady_clock::now();
  try {
    store().AppendObservations("bulk-0", 0, observations);
  } catch (...) {
    written = true;
    watch.join();
    throw;
  }
  auto elapsed = std::chrono::steady_clock::now() - start;
  written = true;
  watch.join();

  EXPECT_EQ(reader_error, "");
  ASSERT_FALSE(seen.empty());
  size_t partial = 0;
  for (size_t n : seen)
    partial += n != 0 && n != kCount / 2;
  EXPECT_EQ(partial, 0u) << "a reader saw part of one AppendObservations call";
  EXPECT_EQ(seen.back(), kCount / 2) << "the other connection does not see the committed batch";

  auto got = store().GetObservations("bulk-0", NoMetric(), std::nullopt);
  ASSERT_EQ(got.size(), kCount);
  size_t misplaced = 0;
  for (size_t i = 0; i < kCount; ++i) {
    misplaced += got[i].metric != observations[i].metric || got[i].value != observations[i].value ||
                 got[i].time != observations[i].time;
  }
  EXPECT_EQ(misplaced, 0u);
  // Generous: a row-per-transaction store with fsync per commit would take minutes; one
  // transaction takes well under a second.
  EXPECT_LT(elapsed, std::chrono::seconds(60));
}

// ---------------------------------------------------------------------------------------------
// Finding and deleting observations (what Katib's DBManager service asks of the store).

ObservationFilter Filter(std::optional<std::string> metric, std::optional<int> attempt,
                         std::optional<Timestamp> from, std::optional<Timestamp> to) {
  ObservationFilter filter;
  filter.metric = std::move(metric);
  filter.attempt = attempt;
  filter.from = from;
  filter.to = to;
  return filter;
}

// Observations of one job of the trial (Observation::fold), optionally of one metric and attempt.
ObservationFilter OfFold(int fold, std::optional<std::string> metric = std::nullopt,
                         std::optional<int> attempt = std::nullopt) {
  ObservationFilter filter = Filter(std::move(metric), attempt, std::nullopt, std::nullopt);
  filter.fold = fold;
  return filter;
}

TEST_P(StoreConformanceTest, FindObservationsFiltersByMetricAttemptAndInclusiveTimeBounds) {
  store().CreateExperiment(Record("find"));
  std::vector<Trial> trials{MakeTrial("find", "find-0", 0), MakeTrial("find", "find-1", 1)};
  store().CreateTrials(trials);
  // Reported out of time order: the result keeps the report order.
  Observation l20{"loss", 0.5, At(20)}, a20{"accuracy", 0.7, At(20)}, l10{"loss", 0.9, At(10)};
  Observation l30{"loss", 0.3, At(30)}, l1{"loss", 0.1, At(20)};
  store().AppendObservations("find-0", 0, std::vector<Observation>{l20, a20, l10, l30});
  store().AppendObservations("find-0", 1, std::vector<Observation>{l1});
  store().AppendObservations("find-1", 0, std::vector<Observation>{{"loss", 42, At(20)}});

  auto find = [&](const ObservationFilter& filter) {
    return Describe(store().FindObservations("find-0", filter));
  };
  const auto none = std::nullopt;
  EXPECT_THAT(find({}), ElementsAre(Describe(l20), Describe(a20), Describe(l10), Describe(l30),
                                    Describe(l1)));
  EXPECT_THAT(find(Filter("loss", 0, none, none)),
              ElementsAre(Describe(l20), Describe(l10), Describe(l30)));
  EXPECT_THAT(find(Filter(none, 1, none, none)), ElementsAre(Describe(l1)));
  EXPECT_THAT(find(Filter("Loss", none, none, none)), IsEmpty());
  // Both bounds are inclusive, to the microsecond.
  EXPECT_THAT(find(Filter(none, 0, At(20), At(20))), ElementsAre(Describe(l20), Describe(a20)));
  EXPECT_THAT(find(Filter(none, 0, At(20), none)),
              ElementsAre(Describe(l20), Describe(a20), Describe(l30)));
  EXPECT_THAT(find(Filter(none, 0, none, At(20))),
              ElementsAre(Describe(l20), Describe(a20), Describe(l10)));
  EXPECT_THAT(find(Filter(none, 0, At(21), none)), ElementsAre(Describe(l30)));
  EXPECT_THAT(find(Filter(none, 0, none, At(19))), ElementsAre(Describe(l10)));
  EXPECT_THAT(find(Filter(none, 0, At(11), At(29))), ElementsAre(Describe(l20), Describe(a20)));
  EXPECT_THAT(find(Filter(none, 0, At(30), At(10))), IsEmpty());
  EXPECT_THAT(find(Filter("loss", none, At(20), At(30))),
              ElementsAre(Describe(l20), Describe(l30), Describe(l1)));
}

TEST_P(StoreConformanceTest, TimeBoundsHoldAcrossTheWholeTimestampRange) {
  store().CreateExperiment(Record("range"));
  Trial trial = MakeTrial("range", "range-0", 0);
  store().CreateTrials({&trial, 1});
  // The earliest and latest microseconds a Timestamp holds, and both sides of the epoch.
  const Timestamp earliest = FromUnixMicros(-9'223'372'036'854'775);
  const Timestamp latest = FromUnixMicros(9'223'372'036'854'775);
  std::vector<Observation> observations{{"t", 1, latest},
                                        {"t", 2, FromUnixMicros(1)},
                                        {"t", 3, FromUnixMicros(-1)},
                                        {"t", 4, earliest},
                                        {"t", 5, FromUnixMicros(0)}};
  store().AppendObservations("range-0", 0, observations);
  auto find = [&](std::optional<Timestamp> from, std::optional<Timestamp> to) {
    return Describe(store().FindObservations("range-0", Filter(std::nullopt, 0, from, to)));
  };
  EXPECT_THAT(find(std::nullopt, std::nullopt), ElementsAreArray(Describe(observations)));
  EXPECT_THAT(
      find(FromUnixMicros(-1), FromUnixMicros(1)),
      ElementsAre(Describe(observations[1]), Describe(observations[2]), Describe(observations[4])));
  EXPECT_THAT(find(std::nullopt, FromUnixMicros(-2)), ElementsAre(Describe(observations[3])));
  EXPECT_THAT(find(earliest, earliest), ElementsAre(Describe(observations[3])));
  EXPECT_THAT(find(latest, std::nullopt), ElementsAre(Describe(observations[0])));
}

TEST_P(StoreConformanceTest, FindObservationsOfTheCurrentAttempt) {
  store().CreateExperiment(Record("current"));
  Trial trial = MakeTrial("current", "current-0", 0);
  store().CreateTrials({&trial, 1});
  Observation first{"loss", 1, At(1)}, second{"loss", 2, At(2)};
  store().AppendObservations("current-0", 0, std::vector<Observation>{first});
  const ObservationFilter current =
      Filter(std::nullopt, kCurrentAttempt, std::nullopt, std::nullopt);
  EXPECT_THAT(Describe(store().FindObservations("current-0", current)),
              ElementsAre(Describe(first)));

  trial.attempt = 1;  // re-run: the first attempt's values are history
  store().UpdateTrial(trial, std::vector<Observation>{second});
  EXPECT_THAT(Describe(store().FindObservations("current-0", current)),
              ElementsAre(Describe(second)));
  trial.attempt = 2;
  store().UpdateTrial(trial, {});
  EXPECT_THAT(store().FindObservations("current-0", current), IsEmpty());
  EXPECT_EQ(store().FindObservations("current-0", {}).size(), 2u);
}

TEST_P(StoreConformanceTest, ObservationsKeepTheirFoldAndFindObservationsFiltersByIt) {
  store().CreateExperiment(Record("folds"));
  std::vector<Trial> trials{MakeTrial("folds", "folds-0", 0), MakeTrial("folds", "folds-1", 1)};
  store().CreateTrials(trials);
  // Fold 0 and the trial's own job on attempt 0, fold 1 on attempts 0 and 1, the final
  // evaluation on attempt 1: through one-row and many-row appends and through UpdateTrial.
  Observation own{"loss", 0.9, At(1), kTrialJob}, f0{"loss", 0.5, At(2), 0};
  Observation f0acc{"accuracy", 0.7, At(3), 0}, f1{"loss", 0.6, At(4), 1};
  Observation f1again{"loss", 0.4, At(5), 1}, f1acc{"accuracy", 0.8, At(6), 1};
  Observation last{"loss", 0.3, At(7), kFinalJob};
  store().AppendObservations("folds-0", 0, std::vector<Observation>{own});
  store().AppendObservations("folds-0", 0, std::vector<Observation>{f0, f0acc, f1});
  store().AppendObservations("folds-1", 0, std::vector<Observation>{{"loss", 42, At(4), 1}});
  Trial trial = trials[0];
  trial.attempt = 1;
  store().UpdateTrial(trial, std::vector<Observation>{f1again, f1acc});
  store().AppendObservations("folds-0", kCurrentAttempt, std::vector<Observation>{last});

  EXPECT_THAT(Describe(store().GetObservations("folds-0", NoMetric(), std::nullopt)),
              ElementsAre(Describe(own), Describe(f0), Describe(f0acc), Describe(f1),
                          Describe(f1again), Describe(f1acc), Describe(last)));
  EXPECT_THAT(Describe(store().GetObservations("folds-0", "loss", 1)),
              ElementsAre(Describe(f1again), Describe(last)));

  auto find = [&](const ObservationFilter& filter) {
    return Describe(store().FindObservations("folds-0", filter));
  };
  EXPECT_THAT(find(OfFold(kTrialJob)), ElementsAre(Describe(own)));
  EXPECT_THAT(find(OfFold(0)), ElementsAre(Describe(f0), Describe(f0acc)));
  EXPECT_THAT(find(OfFold(1)), ElementsAre(Describe(f1), Describe(f1again), Describe(f1acc)));
  EXPECT_THAT(find(OfFold(kFinalJob)), ElementsAre(Describe(last)));
  EXPECT_THAT(find(OfFold(2)), IsEmpty());
  EXPECT_THAT(find(OfFold(1, std::nullopt, 1)), ElementsAre(Describe(f1again), Describe(f1acc)));
  EXPECT_THAT(find(OfFold(1, std::nullopt, 0)), ElementsAre(Describe(f1)));
  EXPECT_THAT(find(OfFold(0, std::nullopt, 1)), IsEmpty());
  EXPECT_THAT(find(OfFold(1, "loss")), ElementsAre(Describe(f1), Describe(f1again)));
  EXPECT_THAT(find(OfFold(1, "accuracy", 1)), ElementsAre(Describe(f1acc)));
  EXPECT_THAT(find(OfFold(0, "accuracy", 0)), ElementsAre(Describe(f0acc)));
  EXPECT_THAT(find(OfFold(0, "accuracy", 1)), IsEmpty());
  EXPECT_THAT(find(OfFold(kFinalJob, "loss", kCurrentAttempt)), ElementsAre(Describe(last)));
  ObservationFilter timed = OfFold(1, std::nullopt, kCurrentAttempt);
  timed.from = timed.to = At(6);
  EXPECT_THAT(find(timed), ElementsAre(Describe(f1acc)));
  EXPECT_THAT(Describe(store().FindObservations("folds-1", OfFold(1))),
              ElementsAre(Describe(Observation{"loss", 42, At(4), 1})));
  EXPECT_TRUE(
      ThrowsError([&] { store().FindObservations("folds-2", OfFold(0)); }, ErrorCode::kNotFound));
}

TEST_P(StoreConformanceTest, FindObservationsOfUnknownTrialIsNotFound) {
  store().CreateExperiment(Record("known"));
  Trial trial = MakeTrial("known", "known-0", 0);
  store().CreateTrials({&trial, 1});
  // A trial without observations is no error.
  EXPECT_THAT(store().FindObservations("known-0", {}), IsEmpty());
  std::string message;
  EXPECT_TRUE(ThrowsError([&] { store().FindObservations("known-1", {}); }, ErrorCode::kNotFound,
                          &message));
  EXPECT_THAT(message, ::testing::HasSubstr("known-1"));
  EXPECT_TRUE(ThrowsError(
      [&] {
        store().FindObservations("known-1",
                                 Filter(std::nullopt, kCurrentAttempt, std::nullopt, std::nullopt));
      },
      ErrorCode::kNotFound));
}

TEST_P(StoreConformanceTest, AppendObservationsToTheCurrentAttempt) {
  store().CreateExperiment(Record("append"));
  Trial trial = FullTrial("append", "append-0", 0);  // attempt 2
  store().CreateTrials({&trial, 1});
  std::vector<Observation> observations{{"loss", 0.5, At(5)}, {"accuracy", 0.8, At(5)}};
  store().AppendObservations("append-0", kCurrentAttempt, observations);
  EXPECT_THAT(Describe(store().GetObservations("append-0", NoMetric(), 2)),
              ElementsAreArray(Describe(observations)));
  std::string message;
  EXPECT_TRUE(
      ThrowsError([&] { store().AppendObservations("append-1", kCurrentAttempt, observations); },
                  ErrorCode::kNotFound, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("append-1"));
}

TEST_P(StoreConformanceTest, DeleteObservationsRemovesEveryAttemptOfOneTrialOnly) {
  store().CreateExperiment(Record("delete"));
  std::vector<Trial> trials{FullTrial("delete", "delete-0", 0), FullTrial("delete", "delete-1", 1)};
  store().CreateTrials(trials);
  std::vector<Observation> observations{{"loss", 1, At(1)}, {"loss", 2, At(2)}};
  store().AppendObservations("delete-0", 0, observations);
  store().AppendObservations("delete-0", 2, observations);
  store().AppendObservations("delete-1", 2, observations);

  EXPECT_EQ(store().DeleteObservations("delete-0"), 4);
  EXPECT_THAT(store().FindObservations("delete-0", {}), IsEmpty());
  EXPECT_THAT(Describe(store().FindObservations("delete-1", {})),
              ElementsAreArray(Describe(observations)));
  // The trial itself, with its objective and metric summaries, stays.
  EXPECT_EQ(DescribeTrial(store().GetTrial("delete-0")), Describe(trials[0]));
  EXPECT_EQ(store().DeleteObservations("delete-0"), 0);
  store().AppendObservations("delete-0", kCurrentAttempt, observations);
  EXPECT_EQ(store().FindObservations("delete-0", {}).size(), 2u);

  std::string message;
  EXPECT_TRUE(
      ThrowsError([&] { store().DeleteObservations("delete-2"); }, ErrorCode::kNotFound, &message));
  EXPECT_THAT(message, ::testing::HasSubstr("delete-2"));
}

TEST_P(StoreConformanceTest, PingAnswersOnAnOpenStore) {
  EXPECT_NO_THROW(store().Ping());
  store().CreateExperiment(Record("ping"));
  EXPECT_NO_THROW(store().Ping());
}

// ---------------------------------------------------------------------------------------------
// Hostile and large values.

TEST_P(StoreConformanceTest, HostileNamesAndValuesAreStoredLiterally) {
  const auto& hostile = HostileStrings();
  std::vector<ExperimentRecord> records;
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string& s = hostile[i];
    ExperimentRecord record = Record(s, At(static_cast<int64_t>(i)));
    record.experiment.metadata.annotations[s] = s;
    record.status.message = s;
    store().CreateExperiment(record);
    records.push_back(record);

    Trial trial = MakeTrial(s, s, 0);
    trial.assignment = {{"lr", s}, {s, s}};
    trial.labels = {{s, s}, {"plain", s}};
    trial.reason = s;
    trial.message = s;
    store().CreateTrials({&trial, 1});
    trial.status = TrialStatus::kSucceeded;
    trial.metrics = {{s, 1, 2, 3, 4}};
    store().UpdateTrial(trial, std::vector<Observation>{{s, 1.5, At(1)}, {"plain", 2.5, At(2)}});
    store().AppendObservations(s, 0, std::vector<Observation>{{s, 3.5, At(3)}});
  }

  auto listed = store().ListExperiments();
  ASSERT_EQ(listed.size(), hostile.size());
  for (size_t i = 0; i < hostile.size(); ++i) {
    const std::string& s = hostile[i];
    SCOPED_TRACE("string " + Json(s).dump());
    EXPECT_EQ(Describe(listed[i]), Describe(records[i]));
    EXPECT_EQ(DescribeRecord(store().GetExperiment(s)), Describe(records[i]));

    auto trial = store().GetTrial(s);
    ASSERT_TRUE(trial.has_value());
    EXPECT_EQ(trial->name, s);
    EXPECT_EQ(trial->experiment, s);
    EXPECT_EQ(trial->reason, s);
    EXPECT_EQ(trial->message, s);
    EXPECT_EQ(AssignmentToJson(trial->assignment).dump(),
              AssignmentToJson({{"lr", s}, {s, s}}).dump());
    EXPECT_EQ(Json(trial->labels).dump(),
              Json(std::map<std::string, std::string>{{s, s}, {"plain", s}}).dump());
    ASSERT_EQ(trial->metrics.size(), 1u);
    EXPECT_EQ(trial->metrics[0].name, s);
    EXPECT_THAT(Names(store().ListTrials(s)), ElementsAre(s));
    EXPECT_THAT(
        Describe(store().GetObservations(s, s, 0)),
        ElementsAre(Describe(Observation{s, 1.5, At(1)}), Describe(Observation{s, 3.5, At(3)})));

    EXPECT_THAT(Describe(store().FindObservations(s, Filter(s, kCurrentAttempt, At(3), At(3)))),
                ElementsAre(Describe(Observation{s, 3.5, At(3)})));

    ExperimentStatus status{ExperimentState::kFailed, s, s, At(4), At(5)};
    store().UpdateExperimentStatus(s, status);
    EXPECT_EQ(Describe(store().GetExperiment(s)->status), Describe(status));
  }
  // Nothing was executed: every table still holds every row.
  EXPECT_EQ(store().ListExperiments().size(), hostile.size());
  for (const std::string& s : hostile)
    EXPECT_EQ(store().DeleteObservations(s), 3) << "trial " << Json(s).dump();
}

TEST_P(StoreConformanceTest, LargeValuesRoundTrip) {
  // 1 MiB of mixed text: ASCII, multi-byte UTF-8, quotes and newlines.
  std::string big;
  while (big.size() < (1u << 20)) {
    big += "line " + std::to_string(big.size()) + ": \xE5\xAE\x9F 'q' \"dq\" \\ ; --\n";
  }
  ExperimentRecord record = Record("large");
  record.status.message = big;
  store().CreateExperiment(record);
  Trial trial = MakeTrial("large", "large-0", 0);
  trial.message = big;
  trial.labels["log-tail"] = big;
  trial.assignment.push_back({"blob", big});
  store().CreateTrials({&trial, 1});

  auto got = store().GetTrial("large-0");
  ASSERT_TRUE(got.has_value());
  EXPECT_EQ(got->message.size(), big.size());
  EXPECT_TRUE(got->message == big);
  EXPECT_TRUE(got->labels["log-tail"] == big);
  EXPECT_TRUE(FindValue(got->assignment, "blob") == big);
  auto experiment = store().GetExperiment("large");
  ASSERT_TRUE(experiment.has_value());
  EXPECT_TRUE(experiment->status.message == big);

  trial.message = big + big;
  trial.status = TrialStatus::kFailed;
  store().UpdateTrial(trial, {});
  EXPECT_TRUE(store().GetTrial("large-0")->message == big + big);
}

// ---------------------------------------------------------------------------------------------
// Connections.

TEST_P(StoreConformanceTest, DataSurvivesClosingAndReopening) {
  ExperimentRecord record = Record("durable", At(77));
  store().CreateExperiment(record);
  Trial trial = FullTrial("durable", "durable-0", 0);
  store().CreateTrials({&trial, 1});
  std::vector<Observation> observations{{"loss", 0.25, At(88)}};
  store().AppendObservations("durable-0", 2, observations);
  store_.reset();

  std::unique_ptr<Store> reopened = factory_->Reopen();
  EXPECT_EQ(DescribeRecord(reopened->GetExperiment("durable")), Describe(record));
  EXPECT_EQ(DescribeTrial(reopened->GetTrial("durable-0")), Describe(trial));
  EXPECT_THAT(Describe(reopened->GetObservations("durable-0", NoMetric(), std::nullopt)),
              ElementsAreArray(Describe(observations)));
}

TEST_P(StoreConformanceTest, ASecondConnectionSeesCommittedData) {
  // Opened and used before the writes, so a connection that keeps reading an old snapshot fails.
  std::unique_ptr<Store> other = factory_->Reopen();
  EXPECT_EQ(other->GetExperiment("shared"), std::nullopt);
  EXPECT_THAT(other->ListExperiments(), IsEmpty());

  ExperimentRecord record = Record("shared", At(1));
  store().CreateExperiment(record);
  Trial trial = MakeTrial("shared", "shared-0", 0);
  store().CreateTrials({&trial, 1});
  EXPECT_EQ(DescribeRecord(other->GetExperiment("shared")), Describe(record));
  EXPECT_EQ(DescribeTrial(other->GetTrial("shared-0")), Describe(trial));

  // And the other way round, through every kind of write.
  trial.status = TrialStatus::kRunning;
  trial.started_at = At(2);
  std::vector<Observation> observations{{"loss", 1, At(3)}};
  other->UpdateTrial(trial, observations);
  other->AppendObservations("shared-0", 0, observations);
  ExperimentStatus status{ExperimentState::kRunning, experiment_reason::kRunning, "", At(2), {}};
  other->UpdateExperimentStatus("shared", status);
  EXPECT_EQ(DescribeTrial(store().GetTrial("shared-0")), Describe(trial));
  EXPECT_EQ(store().GetObservations("shared-0", NoMetric(), std::nullopt).size(), 2u);
  EXPECT_EQ(Describe(store().GetExperiment("shared")->status), Describe(status));
  EXPECT_THAT(Names(store().ListTrials("shared")), ElementsAre("shared-0"));

  // A name taken on one connection is taken on the other.
  EXPECT_TRUE(ThrowsError([&] { other->CreateExperiment(record); }, ErrorCode::kAlreadyExists));
  EXPECT_TRUE(ThrowsError([&] { other->CreateTrials({&trial, 1}); }, ErrorCode::kAlreadyExists));
}

TEST_P(StoreConformanceTest, ConcurrentWritersOnTwoConnectionsLoseNothing) {
  store().CreateExperiment(Record("race"));
  std::unique_ptr<Store> other = factory_->Reopen();
  constexpr int kPerWriter = 60;
  std::latch start(2);
  std::mutex errors_mutex;
  std::vector<std::string> errors;

  auto write = [&](Store& connection, const std::string& prefix, int64_t first_sequence) {
    try {
      start.arrive_and_wait();
      for (int i = 0; i < kPerWriter; ++i) {
        Trial trial = MakeTrial("race", prefix + std::to_string(i), first_sequence + i);
        connection.CreateTrials({&trial, 1});
        connection.AppendObservations(
            trial.name, 0,
            std::vector<Observation>{{"loss", i + 0.5, At(i)}, {"loss", i + 0.25, At(i)}});
        trial.status = TrialStatus::kSucceeded;
        trial.objective = i;
        trial.completed_at = At(i + 1);
        connection.UpdateTrial(trial, std::vector<Observation>{{"accuracy", i / 100.0, At(i)}});
        connection.ListTrials("race");  // reads interleaved with the other writer's commits
      }
    } catch (const std::exception& e) {
      std::lock_guard lock(errors_mutex);
      errors.push_back(prefix + ": " + e.what());
    }
  };
  std::thread a(write, std::ref(store()), "a-", 0);
  std::thread b(write, std::ref(*other), "b-", kPerWriter);
  a.join();
  b.join();
  EXPECT_THAT(errors, IsEmpty());

  for (Store* s : {&store(), other.get()}) {
    auto trials = s->ListTrials("race");
    ASSERT_EQ(trials.size(), 2u * kPerWriter);
    for (int i = 0; i < 2 * kPerWriter; ++i) {
      const Trial& trial = trials[i];
      int n = i % kPerWriter;
      EXPECT_EQ(trial.name, (i < kPerWriter ? "a-" : "b-") + std::to_string(n));
      EXPECT_EQ(trial.status, TrialStatus::kSucceeded) << trial.name;
      EXPECT_EQ(trial.objective, std::optional<double>(n)) << trial.name;
      EXPECT_THAT(Describe(s->GetObservations(trial.name, NoMetric(), std::nullopt)),
                  ElementsAre(Describe(Observation{"loss", n + 0.5, At(n)}),
                              Describe(Observation{"loss", n + 0.25, At(n)}),
                              Describe(Observation{"accuracy", n / 100.0, At(n)})))
          << trial.name;
    }
  }
}

}  // namespace

// Tests that only borrow ConformanceExperiment link these cases without running them.
GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(StoreConformanceTest);

ExperimentRecord ConformanceExperiment(const std::string& name) {
  return Record(name);
}

Trial ConformanceTrial(const std::string& experiment, const std::string& name, int64_t sequence) {
  return MakeTrial(experiment, name, sequence);
}

}  // namespace tuneup::testing
