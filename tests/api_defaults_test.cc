// ApplyKatibDefaults (api/defaults.h) against Katib's defaulting webhook
// (pkg/apis/controller/experiments/v1beta1/experiment_defaults.go): what an omitted field becomes,
// and that nothing the user wrote is overwritten.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/defaults.h"
#include "api/experiment_json.h"
#include "api/manifest.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

// Katib's condition strings (experiments/v1beta1/constants.go), spelled out here rather than taken
// from the code under test.
constexpr const char* kComplete = R"(status.conditions.#(type=="Complete")#|#(status=="True")#)";
constexpr const char* kFailed = R"(status.conditions.#(type=="Failed")#|#(status=="True")#)";
constexpr const char* kSucceeded = R"(status.conditions.#(type=="Succeeded")#|#(status=="True")#)";

// A manifest that leaves every defaulted field out.
constexpr const char* kBare = R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: bare
spec:
  objective:
    type: minimize
    objectiveMetricName: loss
  algorithm:
    algorithmName: random
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: "0.01"
        max: "0.05"
    - name: optimizer
      parameterType: categorical
      feasibleSpace:
        list: [sgd, adam]
  trialTemplate:
    primaryContainerName: main
    trialParameters:
      - name: lr
        reference: lr
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
                image: python
                command: [python3, train.py, "${trialParameters.lr}",
                          "${trialParameters.optimizer}"]
)";

std::string Describe(const FieldErrors& errors) {
  std::string out;
  for (const auto& error : errors) {
    out += "\n  " + error.ToString();
  }
  return out;
}

Experiment Load(const std::string& text) {
  std::vector<LoadedExperiment> loaded = LoadManifestText(text, "defaults.yaml");
  EXPECT_EQ(loaded.size(), 1u);
  if (loaded.empty()) return {};
  EXPECT_THAT(loaded[0].errors, IsEmpty()) << Describe(loaded[0].errors);
  return loaded[0].experiment;
}

Experiment Defaulted(Experiment experiment) {
  ApplyKatibDefaults(experiment);
  return experiment;
}

Experiment Bare() {
  return Load(kBare);
}

// The bare manifest with its trialSpec replaced by an object of `kind`.
Experiment WithTrialKind(const std::string& api_version, const std::string& kind) {
  Experiment experiment = Bare();
  experiment.spec.trial_template->trial_spec =
      Json{{"apiVersion", api_version}, {"kind", kind}, {"spec", Json::object()}};
  return experiment;
}

using Strategy = std::pair<std::string, std::string>;

// The metric strategies as (name, value) pairs, in order.
std::vector<Strategy> Strategies(const Experiment& experiment) {
  std::vector<Strategy> out;
  for (const auto& s : experiment.spec.objective->metric_strategies) {
    out.emplace_back(s.name, s.value);
  }
  return out;
}

// --- counts and resume policy -------------------------------------------------------------------

TEST(DefaultsTest, ParallelTrialCountDefaultsToThree) {
  EXPECT_EQ(Defaulted(Bare()).spec.parallel_trial_count, 3);
  EXPECT_EQ(kDefaultParallelTrialCount, 3);
}

TEST(DefaultsTest, ParallelTrialCountWrittenIsKept) {
  Experiment experiment = Bare();
  experiment.spec.parallel_trial_count = 7;
  EXPECT_EQ(Defaulted(experiment).spec.parallel_trial_count, 7);
  // Even an invalid one: validation reports it, defaulting must not hide it.
  experiment.spec.parallel_trial_count = 0;
  EXPECT_EQ(Defaulted(experiment).spec.parallel_trial_count, 0);
}

TEST(DefaultsTest, OtherCountsHaveNoDefault) {
  Experiment experiment = Defaulted(Bare());
  EXPECT_FALSE(experiment.spec.max_trial_count);
  EXPECT_FALSE(experiment.spec.max_failed_trial_count);
}

TEST(DefaultsTest, ResumePolicyDefaultsToNever) {
  EXPECT_EQ(Defaulted(Bare()).spec.resume_policy, "Never");
}

TEST(DefaultsTest, ResumePolicyWrittenIsKept) {
  Experiment experiment = Bare();
  experiment.spec.resume_policy = "LongRunning";
  EXPECT_EQ(Defaulted(experiment).spec.resume_policy, "LongRunning");
  experiment.spec.resume_policy = "Sometimes";  // invalid: left for validation to report
  EXPECT_EQ(Defaulted(experiment).spec.resume_policy, "Sometimes");
}

// --- metric strategies --------------------------------------------------------------------------

TEST(DefaultsTest, MinimizeGivesMinForEveryMetric) {
  Experiment experiment = Bare();
  experiment.spec.objective->additional_metric_names = {"accuracy", "f1"};
  EXPECT_THAT(
      Strategies(Defaulted(experiment)),
      ElementsAre(Strategy{"loss", "min"}, Strategy{"accuracy", "min"}, Strategy{"f1", "min"}));
}

TEST(DefaultsTest, MaximizeGivesMaxForEveryMetric) {
  Experiment experiment = Bare();
  experiment.spec.objective->type = "maximize";
  experiment.spec.objective->objective_metric_name = "accuracy";
  experiment.spec.objective->additional_metric_names = {"loss"};
  EXPECT_THAT(Strategies(Defaulted(experiment)),
              ElementsAre(Strategy{"accuracy", "max"}, Strategy{"loss", "max"}));
}

TEST(DefaultsTest, UnknownObjectiveTypeGivesLatest) {
  for (const char* type : {"", "smallest"}) {
    SCOPED_TRACE(type);
    Experiment experiment = Bare();
    experiment.spec.objective->type = type;
    experiment.spec.objective->additional_metric_names = {"accuracy"};
    EXPECT_THAT(Strategies(Defaulted(experiment)),
                ElementsAre(Strategy{"loss", "latest"}, Strategy{"accuracy", "latest"}));
  }
}

TEST(DefaultsTest, WrittenStrategiesAreUntouched) {
  Experiment experiment = Bare();
  experiment.spec.objective->additional_metric_names = {"accuracy", "f1"};
  experiment.spec.objective->metric_strategies = {{"accuracy", "max"}, {"loss", "latest"}};
  // Written ones keep their value and place; only f1 is added.
  EXPECT_THAT(
      Strategies(Defaulted(experiment)),
      ElementsAre(Strategy{"accuracy", "max"}, Strategy{"loss", "latest"}, Strategy{"f1", "min"}));
}

TEST(DefaultsTest, StrategyForAMetricNotReportedIsKept) {
  Experiment experiment = Bare();
  experiment.spec.objective->metric_strategies = {{"other", "max"}};
  EXPECT_THAT(Strategies(Defaulted(experiment)),
              ElementsAre(Strategy{"other", "max"}, Strategy{"loss", "min"}));
}

TEST(DefaultsTest, RepeatedAdditionalMetricGetsOneStrategy) {
  Experiment experiment = Bare();
  experiment.spec.objective->additional_metric_names = {"accuracy", "accuracy"};
  EXPECT_THAT(Strategies(Defaulted(experiment)),
              ElementsAre(Strategy{"loss", "min"}, Strategy{"accuracy", "min"}));
}

// An empty metric name is a validation error on the name; a strategy named "" would only add a
// second, confusing error on a field the user never wrote.
TEST(DefaultsTest, EmptyMetricNamesGetNoStrategy) {
  Experiment experiment = Bare();
  experiment.spec.objective->objective_metric_name = "";
  experiment.spec.objective->additional_metric_names = {"", "accuracy"};
  EXPECT_THAT(Strategies(Defaulted(experiment)), ElementsAre(Strategy{"accuracy", "min"}));
}

TEST(DefaultsTest, NoObjectiveStaysAbsent) {
  Experiment experiment = Bare();
  experiment.spec.objective.reset();
  EXPECT_FALSE(Defaulted(experiment).spec.objective);
}

TEST(DefaultsTest, StrategyForFindsDefaultedStrategies) {
  Experiment experiment = Bare();
  experiment.spec.objective->additional_metric_names = {"accuracy"};
  experiment.spec.objective->metric_strategies = {{"accuracy", "latest"}};
  experiment = Defaulted(experiment);
  EXPECT_EQ(StrategyFor(*experiment.spec.objective, "loss"), "min");
  EXPECT_EQ(StrategyFor(*experiment.spec.objective, "accuracy"), "latest");
  EXPECT_EQ(StrategyFor(*experiment.spec.objective, "unknown"), "");
}

// --- trial template conditions ------------------------------------------------------------------

TEST(DefaultsTest, JobGetsCompleteAndFailedConditions) {
  TrialTemplate t = *Defaulted(Bare()).spec.trial_template;
  EXPECT_EQ(t.success_condition, kComplete);
  EXPECT_EQ(t.failure_condition, kFailed);
  EXPECT_THAT(t.primary_pod_labels, IsEmpty());  // only Kubeflow jobs have a primary pod label
}

TEST(DefaultsTest, JobConditionsWrittenAreKept) {
  Experiment experiment = Bare();
  experiment.spec.trial_template->success_condition = "status.succeeded>0";
  Experiment defaulted = Defaulted(experiment);
  EXPECT_EQ(defaulted.spec.trial_template->success_condition, "status.succeeded>0");
  EXPECT_EQ(defaulted.spec.trial_template->failure_condition, kFailed);

  experiment = Bare();
  experiment.spec.trial_template->failure_condition = "status.failed>0";
  defaulted = Defaulted(experiment);
  EXPECT_EQ(defaulted.spec.trial_template->success_condition, kComplete);
  EXPECT_EQ(defaulted.spec.trial_template->failure_condition, "status.failed>0");
}

// Katib keys the defaults on kind alone: any apiVersion with kind Job gets the Job conditions.
TEST(DefaultsTest, JobConditionsDependOnKindOnly) {
  TrialTemplate t = *Defaulted(WithTrialKind("batch/v2", "Job")).spec.trial_template;
  EXPECT_EQ(t.success_condition, kComplete);
  EXPECT_EQ(t.failure_condition, kFailed);
}

class KubeflowJobTest : public ::testing::TestWithParam<const char*> {};

TEST_P(KubeflowJobTest, GetsSucceededConditionAndMasterLabel) {
  TrialTemplate t = *Defaulted(WithTrialKind("kubeflow.org/v1", GetParam())).spec.trial_template;
  EXPECT_EQ(t.success_condition, kSucceeded);
  EXPECT_EQ(t.failure_condition, kFailed);
  EXPECT_EQ(t.primary_pod_labels,
            (std::map<std::string, std::string>{{"training.kubeflow.org/job-role", "master"}}));
}

INSTANTIATE_TEST_SUITE_P(Kinds, KubeflowJobTest,
                         ::testing::Values("TFJob", "PyTorchJob", "XGBoostJob", "MPIJob"));

TEST(DefaultsTest, KubeflowJobWrittenLabelsAndConditionsAreKept) {
  Experiment experiment = WithTrialKind("kubeflow.org/v1", "PyTorchJob");
  experiment.spec.trial_template->primary_pod_labels = {{"role", "leader"}};
  experiment.spec.trial_template->success_condition = "status.done";
  experiment.spec.trial_template->failure_condition = "status.broken";
  TrialTemplate t = *Defaulted(experiment).spec.trial_template;
  EXPECT_EQ(t.primary_pod_labels, (std::map<std::string, std::string>{{"role", "leader"}}));
  EXPECT_EQ(t.success_condition, "status.done");
  EXPECT_EQ(t.failure_condition, "status.broken");
}

TEST(DefaultsTest, TrainJobGetsCompleteConditionAndJobSetLabels) {
  TrialTemplate t =
      *Defaulted(WithTrialKind("trainer.kubeflow.org/v1alpha1", "TrainJob")).spec.trial_template;
  EXPECT_EQ(t.success_condition, kComplete);
  EXPECT_EQ(t.failure_condition, kFailed);
  EXPECT_EQ(t.primary_pod_labels, (std::map<std::string, std::string>{
                                      {"jobset.sigs.k8s.io/replicatedjob-name", "node"},
                                      {"batch.kubernetes.io/job-completion-index", "0"}}));
}

TEST(DefaultsTest, OtherKindsGetNoConditions) {
  for (const char* kind : {"Workflow", "PipelineRun", "job", ""}) {
    SCOPED_TRACE(kind);
    TrialTemplate t = *Defaulted(WithTrialKind("argoproj.io/v1alpha1", kind)).spec.trial_template;
    EXPECT_EQ(t.success_condition, "");
    EXPECT_EQ(t.failure_condition, "");
    EXPECT_THAT(t.primary_pod_labels, IsEmpty());
  }
}

TEST(DefaultsTest, ConfigMapSourceGetsNoConditions) {
  Experiment experiment = Bare();
  experiment.spec.trial_template->trial_spec.reset();
  experiment.spec.trial_template->config_map = ConfigMapSource{"templates", "kubeflow", "job.yaml"};
  TrialTemplate t = *Defaulted(experiment).spec.trial_template;
  EXPECT_EQ(t.success_condition, "");
  EXPECT_EQ(t.failure_condition, "");
}

TEST(DefaultsTest, NoTrialTemplateStaysAbsent) {
  Experiment experiment = Bare();
  experiment.spec.trial_template.reset();
  EXPECT_FALSE(Defaulted(experiment).spec.trial_template);
}

// --- metrics collector --------------------------------------------------------------------------

TEST(DefaultsTest, CollectorDefaultsToStdOutWithoutSource) {
  Experiment experiment = Defaulted(Bare());
  ASSERT_TRUE(experiment.spec.metrics_collector_spec);
  ASSERT_TRUE(experiment.spec.metrics_collector_spec->collector);
  EXPECT_EQ(experiment.spec.metrics_collector_spec->collector->kind, "StdOut");
  EXPECT_FALSE(experiment.spec.metrics_collector_spec->collector->custom_collector);
  EXPECT_FALSE(experiment.spec.metrics_collector_spec->source);
}

TEST(DefaultsTest, SpecWithoutCollectorGetsStdOutAndKeepsItsSource) {
  Experiment experiment = Bare();
  experiment.spec.metrics_collector_spec.emplace();
  experiment.spec.metrics_collector_spec->source.emplace();
  experiment.spec.metrics_collector_spec->source->filter = FilterSpec{{"(\\w+):(\\d+)"}};
  Experiment defaulted = Defaulted(experiment);
  EXPECT_EQ(defaulted.spec.metrics_collector_spec->collector->kind, "StdOut");
  ASSERT_TRUE(defaulted.spec.metrics_collector_spec->source->filter);
  EXPECT_THAT(defaulted.spec.metrics_collector_spec->source->filter->metrics_format,
              ElementsAre("(\\w+):(\\d+)"));
  EXPECT_FALSE(defaulted.spec.metrics_collector_spec->source->file_system_path);
}

Experiment WithCollector(const std::string& kind) {
  Experiment experiment = Bare();
  experiment.spec.metrics_collector_spec.emplace();
  experiment.spec.metrics_collector_spec->collector = CollectorSpec{kind, std::nullopt};
  return experiment;
}

TEST(DefaultsTest, FileCollectorGetsKatibFileSource) {
  MetricsCollectorSpec mc = *Defaulted(WithCollector("File")).spec.metrics_collector_spec;
  ASSERT_TRUE(mc.source && mc.source->file_system_path);
  EXPECT_EQ(mc.source->file_system_path->path, "/var/log/katib/metrics.log");
  EXPECT_EQ(mc.source->file_system_path->kind, "File");
  EXPECT_EQ(mc.source->file_system_path->format, "TEXT");
  EXPECT_FALSE(mc.source->http_get);
  EXPECT_FALSE(mc.source->filter);
}

TEST(DefaultsTest, FileCollectorWrittenSourceIsKept) {
  Experiment experiment = WithCollector("File");
  experiment.spec.metrics_collector_spec->source.emplace();
  experiment.spec.metrics_collector_spec->source->file_system_path =
      FileSystemPath{"/out/metrics.json", "", "JSON"};
  MetricsCollectorSpec mc = *Defaulted(experiment).spec.metrics_collector_spec;
  EXPECT_EQ(mc.source->file_system_path->path, "/out/metrics.json");
  EXPECT_EQ(mc.source->file_system_path->kind, "File");
  EXPECT_EQ(mc.source->file_system_path->format, "JSON");
}

TEST(DefaultsTest, TensorFlowEventCollectorGetsDirectoryAndNoFormat) {
  MetricsCollectorSpec mc =
      *Defaulted(WithCollector("TensorFlowEvent")).spec.metrics_collector_spec;
  ASSERT_TRUE(mc.source && mc.source->file_system_path);
  EXPECT_EQ(mc.source->file_system_path->path, "/var/log/katib/tfevent/");
  EXPECT_EQ(mc.source->file_system_path->kind, "Directory");
  EXPECT_EQ(mc.source->file_system_path->format, "");  // Katib rejects a format here
}

TEST(DefaultsTest, TensorFlowEventWrittenPathIsKept) {
  Experiment experiment = WithCollector("TensorFlowEvent");
  experiment.spec.metrics_collector_spec->source.emplace();
  experiment.spec.metrics_collector_spec->source->file_system_path =
      FileSystemPath{"/logs/train", "", ""};
  MetricsCollectorSpec mc = *Defaulted(experiment).spec.metrics_collector_spec;
  EXPECT_EQ(mc.source->file_system_path->path, "/logs/train");
  EXPECT_EQ(mc.source->file_system_path->kind, "Directory");
}

TEST(DefaultsTest, PrometheusCollectorGetsPathAndPort) {
  MetricsCollectorSpec mc =
      *Defaulted(WithCollector("PrometheusMetric")).spec.metrics_collector_spec;
  ASSERT_TRUE(mc.source && mc.source->http_get);
  EXPECT_EQ(mc.source->http_get->path, "/metrics");
  EXPECT_EQ(mc.source->http_get->port, Json(8080));
  EXPECT_FALSE(mc.source->file_system_path);
}

TEST(DefaultsTest, PrometheusPortZeroCountsAsUnset) {
  for (const Json& port : {Json(0), Json("0"), Json("")}) {
    SCOPED_TRACE(port.dump());
    Experiment experiment = WithCollector("PrometheusMetric");
    experiment.spec.metrics_collector_spec->source.emplace();
    experiment.spec.metrics_collector_spec->source->http_get.emplace();
    experiment.spec.metrics_collector_spec->source->http_get->port = port;
    EXPECT_EQ(Defaulted(experiment).spec.metrics_collector_spec->source->http_get->port,
              Json(8080));
  }
}

TEST(DefaultsTest, PrometheusWrittenPathAndPortAreKept) {
  for (const Json& port : {Json(9090), Json("metrics")}) {
    SCOPED_TRACE(port.dump());
    Experiment experiment = WithCollector("PrometheusMetric");
    experiment.spec.metrics_collector_spec->source.emplace();
    experiment.spec.metrics_collector_spec->source->http_get.emplace();
    experiment.spec.metrics_collector_spec->source->http_get->port = port;
    experiment.spec.metrics_collector_spec->source->http_get->path = "/stats";
    HttpGetAction http = *Defaulted(experiment).spec.metrics_collector_spec->source->http_get;
    EXPECT_EQ(http.port, port);
    EXPECT_EQ(http.path, "/stats");
  }
}

TEST(DefaultsTest, OtherCollectorsGetNoSource) {
  for (const char* kind : {"StdOut", "Custom", "Push", "Unknown"}) {
    SCOPED_TRACE(kind);
    MetricsCollectorSpec mc = *Defaulted(WithCollector(kind)).spec.metrics_collector_spec;
    EXPECT_EQ(mc.collector->kind, kind);
    EXPECT_FALSE(mc.source);
  }
}

// --- parameters ---------------------------------------------------------------------------------

TEST(DefaultsTest, EveryParameterGetsUniformDistribution) {
  Experiment experiment = Defaulted(Bare());
  ASSERT_EQ(experiment.spec.parameters.size(), 2u);
  EXPECT_EQ(experiment.spec.parameters[0].feasible_space.distribution, "uniform");
  EXPECT_EQ(experiment.spec.parameters[1].feasible_space.distribution, "uniform");
}

TEST(DefaultsTest, WrittenDistributionIsKept) {
  Experiment experiment = Bare();
  experiment.spec.parameters[0].feasible_space.distribution = "logUniform";
  experiment = Defaulted(experiment);
  EXPECT_EQ(experiment.spec.parameters[0].feasible_space.distribution, "logUniform");
  EXPECT_EQ(experiment.spec.parameters[1].feasible_space.distribution, "uniform");
}

TEST(DefaultsTest, NothingElseChanges) {
  Experiment before = Bare();
  Experiment after = Defaulted(before);
  Json a = ExperimentToJson(before);
  Json b = ExperimentToJson(after);
  // Take the defaulted fields out; what is left must be identical.
  Json& spec = b["spec"];
  spec.erase("parallelTrialCount");
  spec.erase("resumePolicy");
  spec.erase("metricsCollectorSpec");
  spec["objective"].erase("metricStrategies");
  spec["trialTemplate"].erase("successCondition");
  spec["trialTemplate"].erase("failureCondition");
  for (Json& parameter : spec["parameters"]) {
    parameter["feasibleSpace"].erase("distribution");
  }
  EXPECT_EQ(a, b);
}

// --- idempotence --------------------------------------------------------------------------------

void ExpectIdempotent(const Experiment& experiment) {
  Experiment once = Defaulted(experiment);
  Experiment twice = Defaulted(once);
  EXPECT_EQ(ExperimentToJson(twice), ExperimentToJson(once));
}

TEST(DefaultsTest, IsIdempotent) {
  ExpectIdempotent(Bare());
  Experiment experiment = Bare();
  experiment.spec.objective->additional_metric_names = {"accuracy", "accuracy", ""};
  ExpectIdempotent(experiment);
  ExpectIdempotent(WithTrialKind("kubeflow.org/v1", "TFJob"));
  ExpectIdempotent(WithTrialKind("trainer.kubeflow.org/v1alpha1", "TrainJob"));
  ExpectIdempotent(WithCollector("File"));
  ExpectIdempotent(WithCollector("TensorFlowEvent"));
  ExpectIdempotent(WithCollector("PrometheusMetric"));
  ExpectIdempotent(Experiment{});
}

TEST(DefaultsTest, IsIdempotentOnEveryKatibExample) {
  int documents = 0;
  for (const auto& entry : std::filesystem::directory_iterator(KATIB_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    for (const LoadedExperiment& loaded : LoadManifestFile(entry.path().string())) {
      ++documents;
      ExpectIdempotent(loaded.experiment);
    }
  }
  EXPECT_GT(documents, 0);
}

TEST(DefaultsTest, EmptyExperimentGetsTheSpecWideDefaults) {
  Experiment experiment = Defaulted(Experiment{});
  EXPECT_EQ(experiment.spec.parallel_trial_count, 3);
  EXPECT_EQ(experiment.spec.resume_policy, "Never");
  EXPECT_EQ(experiment.spec.metrics_collector_spec->collector->kind, "StdOut");
  EXPECT_FALSE(experiment.spec.objective);
  EXPECT_FALSE(experiment.spec.trial_template);
}

}  // namespace
}  // namespace tuneup
