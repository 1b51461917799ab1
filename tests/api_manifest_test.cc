// Reading manifests (api/manifest.h, api/yaml_json.h, api/experiment_json.h): YAML and JSON text
// to an Experiment, with every structural problem reported against its field, and back to JSON.
#include <filesystem>
#include <regex>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/experiment_json.h"
#include "api/manifest.h"
#include "api/yaml_json.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::SizeIs;

// A valid manifest in normal form: every field set is one ExperimentToJson writes back, so a
// round trip must give the same document.
constexpr const char* kManifest = R"(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: random-example
  namespace: kubeflow
spec:
  objective:
    type: maximize
    goal: 0.99
    objectiveMetricName: accuracy
  algorithm:
    algorithmName: random
  parallelTrialCount: 3
  maxTrialCount: 12
  maxFailedTrialCount: 3
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: "0.01"
        max: "0.05"
  trialTemplate:
    primaryContainerName: training-container
    trialParameters:
      - name: learningRate
        reference: lr
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training-container
                image: python:3.11
                command:
                  - python3
                  - train.py
                  - "--lr=${trialParameters.learningRate}"
            restartPolicy: Never
)";

// Every field of the Experiment type set, in normal form (see kManifest). Not a valid experiment
// (it has both trialSpec and configMap, parameters and nasConfig): reading does not judge that.
constexpr const char* kFullManifest = R"yaml(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: full
  namespace: team-a
  labels:
    app: tuneup
  annotations:
    note: every field
  uid: 0b0e5b8c-9f5c-4e0e-a9f1-2c1c2d7e8f90
  resourceVersion: "12345"
  generation: 2
spec:
  objective:
    type: minimize
    goal: 0.001
    objectiveMetricName: loss
    additionalMetricNames:
      - accuracy
      - f1
    metricStrategies:
      - name: loss
        value: min
      - name: accuracy
        value: latest
  algorithm:
    algorithmName: grid
    algorithmSettings:
      - name: random_state
        value: "7"
  earlyStopping:
    algorithmName: medianstop
    algorithmSettings:
      - name: min_trials_required
        value: "3"
  parallelTrialCount: 2
  maxTrialCount: 10
  maxFailedTrialCount: 1
  resumePolicy: LongRunning
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: "0.01"
        max: "0.05"
        step: "0.01"
        distribution: logUniform
    - name: optimizer
      parameterType: categorical
      feasibleSpace:
        list:
          - sgd
          - adam
  nasConfig:
    graphConfig:
      numLayers: 3
  metricsCollectorSpec:
    source:
      httpGet:
        path: /metrics
        port: 8080
        host: localhost
        scheme: HTTP
        httpHeaders:
          - name: X-Token
            value: abc
      fileSystemPath:
        path: /var/log/metrics.log
        kind: File
        format: TEXT
      filter:
        metricsFormat:
          - "([\\w-]+)=([\\d.]+)"
    collector:
      kind: Custom
      customCollector:
        name: collector
        image: collector:1
  trialTemplate:
    retain: true
    primaryContainerName: main
    successCondition: status.succeeded
    failureCondition: status.failed
    primaryPodLabels:
      role: master
    trialParameters:
      - name: learningRate
        description: the learning rate
        reference: lr
    trialSpec:
      apiVersion: batch/v1
      kind: Job
    configMap:
      configMapName: templates
      configMapNamespace: kubeflow
      templatePath: job.yaml
)yaml";

std::string Describe(const FieldErrors& errors) {
  std::string out;
  for (const auto& error : errors) {
    out += "\n  " + error.ToString();
  }
  return out.empty() ? "\n  (none)" : out;
}

// `text` with `from` (which must occur exactly once) replaced by `to`.
std::string Replace(const std::string& text, const std::string& from, const std::string& to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << "\"" << from << "\" is not in the manifest";
  if (at == std::string::npos) return text;
  EXPECT_EQ(text.find(from, at + 1), std::string::npos) << "\"" << from << "\" is not unique";
  return text.substr(0, at) + to + text.substr(at + from.size());
}

LoadedExperiment LoadOne(const std::string& text, const std::string& source = "test.yaml") {
  std::vector<LoadedExperiment> loaded = LoadManifestText(text, source);
  EXPECT_THAT(loaded, SizeIs(1));
  if (loaded.empty()) return {};
  return std::move(loaded[0]);
}

// True when `errors` has an error at exactly `path` whose message contains `word`.
bool HasError(const FieldErrors& errors, const std::string& path, const std::string& word) {
  for (const auto& error : errors) {
    if (error.path == path && error.message.find(word) != std::string::npos) return true;
  }
  return false;
}

// The tuneup::Error thrown by `load`, or a failure.
template <typename Load>
Error ThrownError(Load load) {
  try {
    load();
  } catch (const Error& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "threw a non-tuneup exception: " << e.what();
    return Error(ErrorCode::kInternal, e.what());
  }
  ADD_FAILURE() << "did not throw";
  return Error(ErrorCode::kInternal, "did not throw");
}

// --- reading ------------------------------------------------------------------------------------

TEST(ManifestTest, ReadsEveryFieldOfAYamlManifest) {
  LoadedExperiment loaded = LoadOne(kManifest, "examples/random.yaml");
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  EXPECT_EQ(loaded.source, "examples/random.yaml");
  const Experiment& e = loaded.experiment;
  EXPECT_EQ(e.api_version, "kubeflow.org/v1beta1");
  EXPECT_EQ(e.kind, "Experiment");
  EXPECT_EQ(e.metadata.name, "random-example");
  EXPECT_EQ(e.metadata.namespace_, "kubeflow");
  ASSERT_TRUE(e.spec.objective);
  EXPECT_EQ(e.spec.objective->type, "maximize");
  EXPECT_EQ(e.spec.objective->goal, 0.99);
  EXPECT_EQ(e.spec.objective->objective_metric_name, "accuracy");
  ASSERT_TRUE(e.spec.algorithm);
  EXPECT_EQ(e.spec.algorithm->algorithm_name, "random");
  EXPECT_EQ(e.spec.parallel_trial_count, 3);
  EXPECT_EQ(e.spec.max_trial_count, 12);
  EXPECT_EQ(e.spec.max_failed_trial_count, 3);
  ASSERT_THAT(e.spec.parameters, SizeIs(1));
  EXPECT_EQ(e.spec.parameters[0].name, "lr");
  EXPECT_EQ(e.spec.parameters[0].parameter_type, "double");
  EXPECT_EQ(e.spec.parameters[0].feasible_space.min, "0.01");
  EXPECT_EQ(e.spec.parameters[0].feasible_space.max, "0.05");
  ASSERT_TRUE(e.spec.trial_template);
  EXPECT_EQ(e.spec.trial_template->primary_container_name, "training-container");
  ASSERT_TRUE(e.spec.trial_template->trial_parameters);
  ASSERT_THAT(*e.spec.trial_template->trial_parameters, SizeIs(1));
  EXPECT_EQ((*e.spec.trial_template->trial_parameters)[0].reference, "lr");
  ASSERT_TRUE(e.spec.trial_template->trial_spec);
  EXPECT_EQ((*e.spec.trial_template->trial_spec)["kind"], "Job");
  // Nothing is defaulted while reading: that is ApplyKatibDefaults' job.
  EXPECT_EQ(e.spec.resume_policy, "");
  EXPECT_FALSE(e.spec.metrics_collector_spec);
  EXPECT_EQ(e.spec.parameters[0].feasible_space.distribution, "");
}

TEST(ManifestTest, ReadsTheSameExperimentFromJson) {
  LoadedExperiment from_yaml = LoadOne(kManifest);
  std::string json_text = ExperimentToJson(from_yaml.experiment).dump(2);
  LoadedExperiment from_json = LoadOne("\n  " + json_text, "test.json");
  ASSERT_THAT(from_json.errors, IsEmpty()) << Describe(from_json.errors);
  EXPECT_EQ(ExperimentToJson(from_json.experiment), ExperimentToJson(from_yaml.experiment));
}

TEST(ManifestTest, JsonNumbersInStringFieldsAreErrorsToo) {
  LoadedExperiment loaded = LoadOne(R"({"apiVersion": "kubeflow.org/v1beta1",
    "kind": "Experiment", "metadata": {"name": "x"},
    "spec": {"parameters": [{"name": "lr", "parameterType": "double",
                             "feasibleSpace": {"min": 0.01, "max": "0.05"}}]}})");
  EXPECT_TRUE(HasError(loaded.errors, "spec.parameters[0].feasibleSpace.min", "quote it"))
      << Describe(loaded.errors);
  EXPECT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
}

TEST(ManifestTest, ReadsEveryDocumentOfAMultiDocumentFile) {
  std::string second = Replace(kManifest, "name: random-example", "name: second");
  std::vector<LoadedExperiment> loaded =
      LoadManifestText(std::string(kManifest) + "---\n" + second, "two.yaml", "/data");
  ASSERT_THAT(loaded, SizeIs(2));
  EXPECT_EQ(loaded[0].experiment.metadata.name, "random-example");
  EXPECT_EQ(loaded[1].experiment.metadata.name, "second");
  EXPECT_EQ(loaded[0].source, "two.yaml (document 1)");
  EXPECT_EQ(loaded[1].source, "two.yaml (document 2)");
  EXPECT_EQ(loaded[0].directory, "/data");
  EXPECT_EQ(loaded[1].directory, "/data");
  EXPECT_THAT(loaded[0].errors, IsEmpty());
  EXPECT_THAT(loaded[1].errors, IsEmpty());
}

TEST(ManifestTest, ErrorsStayWithTheirDocument) {
  std::string broken = Replace(kManifest, "maxTrialCount: 12", "maxTrialCount: twelve");
  std::vector<LoadedExperiment> loaded =
      LoadManifestText(std::string(kManifest) + "---\n" + broken, "two.yaml");
  ASSERT_THAT(loaded, SizeIs(2));
  EXPECT_THAT(loaded[0].errors, IsEmpty());
  EXPECT_TRUE(HasError(loaded[1].errors, "spec.maxTrialCount", "must be an integer"));
}

TEST(ManifestTest, LeadingDocumentMarkerIsOneDocument) {
  LoadedExperiment loaded = LoadOne(std::string("---\n") + kManifest, "one.yaml");
  EXPECT_THAT(loaded.errors, IsEmpty());
  EXPECT_EQ(loaded.source, "one.yaml");  // no "(document 1)" when there is only one
  EXPECT_EQ(loaded.experiment.metadata.name, "random-example");
}

TEST(ManifestTest, EmptyDocumentsAreSkipped) {
  std::string text = std::string("# leading comment\n---\n---\n") + kManifest + "---\n...\n";
  LoadedExperiment loaded = LoadOne(text);
  EXPECT_THAT(loaded.errors, IsEmpty());
}

TEST(ManifestTest, NoDocumentGivesAnEmptyList) {
  EXPECT_THAT(LoadManifestText("", "empty.yaml"), IsEmpty());
  EXPECT_THAT(LoadManifestText("# only a comment\n", "empty.yaml"), IsEmpty());
  EXPECT_THAT(LoadManifestText("---\n---\n", "empty.yaml"), IsEmpty());
}

// --- scalars: Katib writes numbers as strings ---------------------------------------------------

TEST(ManifestTest, QuotedScalarsAreStrings) {
  std::string text = Replace(kManifest, "max: \"0.05\"", "max: '0.05'\n        step: \"1e-2\"");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  const FeasibleSpace& fs = loaded.experiment.spec.parameters[0].feasible_space;
  EXPECT_EQ(fs.min, "0.01");
  EXPECT_EQ(fs.max, "0.05");
  EXPECT_EQ(fs.step, "1e-2");  // as written, not reformatted
}

TEST(ManifestTest, PlainNumberWhereKatibWantsAStringSaysToQuoteIt) {
  LoadedExperiment loaded = LoadOne(Replace(kManifest, "min: \"0.01\"", "min: 0.01"));
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].path, "spec.parameters[0].feasibleSpace.min");
  EXPECT_THAT(loaded.errors[0].message, HasSubstr("must be a string, got number 0.01"));
  EXPECT_THAT(loaded.errors[0].message, HasSubstr("quote it: \"0.01\""));
}

TEST(ManifestTest, PlainIntegerAndBooleanScalarsSayToQuoteThem) {
  std::string text = Replace(kManifest, "max: \"0.05\"", "max: 5\n        step: true");
  LoadedExperiment loaded = LoadOne(text);
  EXPECT_THAT(loaded.errors, SizeIs(2)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, "spec.parameters[0].feasibleSpace.max", "quote it: \"5\""));
  EXPECT_TRUE(
      HasError(loaded.errors, "spec.parameters[0].feasibleSpace.step", "quote it: \"true\""));
}

TEST(ManifestTest, PlainNumbersInAListNameTheItem) {
  std::string text =
      Replace(kManifest, "      feasibleSpace:\n        min: \"0.01\"\n        max: \"0.05\"",
              "      feasibleSpace:\n        list: [\"1\", 2, '3']");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, "spec.parameters[0].feasibleSpace.list[1]", "quote it"));
  EXPECT_THAT(loaded.experiment.spec.parameters[0].feasible_space.list,
              ::testing::ElementsAre("1", "3"));
}

TEST(ManifestTest, YamlCoreSchemaResolvesPlainScalars) {
  std::vector<Json> documents = ParseYamlDocuments(
      "a: 3\nb: 0.5\nc: true\nd: ~\ne: null\nf: \"3\"\ng: yes\nh: 1e3\ni: !!str 7\nj: -2\n"
      "k: 0x1F\nl: .inf\nm: 3.\nn: 'true'\n",
      "scalars.yaml");
  ASSERT_THAT(documents, SizeIs(1));
  const Json& d = documents[0];
  EXPECT_TRUE(d["a"].is_number_integer());
  EXPECT_EQ(d["a"], 3);
  EXPECT_TRUE(d["b"].is_number_float());
  EXPECT_EQ(d["c"], true);
  EXPECT_TRUE(d["d"].is_null());
  EXPECT_TRUE(d["e"].is_null());
  EXPECT_EQ(d["f"], "3");
  EXPECT_EQ(d["g"], "yes");  // YAML 1.2: yes is text, not a boolean
  EXPECT_EQ(d["h"], 1000.0);
  EXPECT_EQ(d["i"], "7");
  EXPECT_EQ(d["j"], -2);
  EXPECT_EQ(d["k"], 31);
  EXPECT_EQ(d["l"], std::numeric_limits<double>::infinity());
  EXPECT_EQ(d["m"], 3.0);
  EXPECT_EQ(d["n"], "true");
}

TEST(ManifestTest, TagThatDoesNotFitTheScalarIsASyntaxError) {
  Error error = ThrownError([] { ParseYamlDocuments("a: !!int abc\n", "tags.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("tags.yaml:1:"));
  EXPECT_THAT(error.what(), HasSubstr("tag:yaml.org,2002:int"));
}

TEST(ManifestTest, NullValuesCountAsAbsent) {
  std::string text =
      Replace(kManifest, "    goal: 0.99\n", "    goal: ~\n    additionalMetricNames:\n");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  EXPECT_FALSE(loaded.experiment.spec.objective->goal);
  EXPECT_THAT(loaded.experiment.spec.objective->additional_metric_names, IsEmpty());
}

// --- wrong types --------------------------------------------------------------------------------

struct TypeCase {
  std::string name;
  std::string from;  // a unique piece of kManifest
  std::string to;
  std::string path;  // the field the error must name
  std::string word;  // a key word of its message
};

void PrintTo(const TypeCase& c, std::ostream* os) {
  *os << c.name;
}

class WrongTypeTest : public ::testing::TestWithParam<TypeCase> {};

TEST_P(WrongTypeTest, NamesTheField) {
  const TypeCase& c = GetParam();
  LoadedExperiment loaded = LoadOne(Replace(kManifest, c.from, c.to));
  EXPECT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, c.path, c.word))
      << "want " << c.path << ": ..." << c.word << "...; got" << Describe(loaded.errors);
}

INSTANTIATE_TEST_SUITE_P(
    Fields, WrongTypeTest,
    ::testing::Values(
        TypeCase{"ParallelAsString", "parallelTrialCount: 3", "parallelTrialCount: \"3\"",
                 "spec.parallelTrialCount", "must be an integer, got string \"3\""},
        TypeCase{"MaxTrialAsFraction", "maxTrialCount: 12", "maxTrialCount: 1.5",
                 "spec.maxTrialCount", "must be an integer, got number 1.5"},
        TypeCase{"MaxTrialBeyond32Bits", "maxTrialCount: 12", "maxTrialCount: 3000000000",
                 "spec.maxTrialCount", "32-bit integer"},
        TypeCase{"MaxFailedAsBoolean", "maxFailedTrialCount: 3", "maxFailedTrialCount: true",
                 "spec.maxFailedTrialCount", "must be an integer, got boolean true"},
        TypeCase{"ParametersNotAList", "  parameters:\n    - name: lr",
                 "  parameters:\n    lr:\n      name: lr", "spec.parameters",
                 "must be a list, got an object"},
        TypeCase{"ParameterNotAnObject", "  parameters:\n    - name: lr",
                 "  parameters:\n    - lr\n    - name: lr", "spec.parameters[0]",
                 "must be an object"},
        TypeCase{"FeasibleSpaceNotAnObject",
                 "      feasibleSpace:\n        min: \"0.01\"\n        max: \"0.05\"",
                 "      feasibleSpace: [\"0.01\", \"0.05\"]", "spec.parameters[0].feasibleSpace",
                 "must be an object"},
        TypeCase{"ParameterNameAsNumber", "    - name: lr", "    - name: 7",
                 "spec.parameters[0].name", "quote it"},
        TypeCase{"ObjectiveNotAnObject",
                 "  objective:\n    type: maximize\n    goal: 0.99\n"
                 "    objectiveMetricName: accuracy\n",
                 "  objective: maximize\n", "spec.objective", "must be an object"},
        TypeCase{"GoalAsString", "goal: 0.99", "goal: high", "spec.objective.goal",
                 "must be a number, got string \"high\""},
        TypeCase{"AdditionalMetricsNotAList", "    goal: 0.99\n",
                 "    goal: 0.99\n    additionalMetricNames: loss\n",
                 "spec.objective.additionalMetricNames", "must be a list of strings"},
        TypeCase{"MetricStrategiesNotAList", "    goal: 0.99\n",
                 "    goal: 0.99\n    metricStrategies: max\n", "spec.objective.metricStrategies",
                 "must be a list"},
        TypeCase{"AlgorithmSettingsNotAList", "    algorithmName: random\n",
                 "    algorithmName: random\n    algorithmSettings:\n      random_state: \"1\"\n",
                 "spec.algorithm.algorithmSettings", "must be a list of {name, value}"},
        TypeCase{"AlgorithmSettingValueAsNumber", "    algorithmName: random\n",
                 "    algorithmName: random\n    algorithmSettings:\n      - name: random_state\n"
                 "        value: 1\n",
                 "spec.algorithm.algorithmSettings[0].value", "quote it: \"1\""},
        TypeCase{"RetainAsString", "    primaryContainerName: training-container\n",
                 "    primaryContainerName: training-container\n    retain: \"yes\"\n",
                 "spec.trialTemplate.retain", "must be true or false"},
        TypeCase{"TrialParametersNotAList",
                 "    trialParameters:\n      - name: learningRate\n"
                 "        reference: lr\n",
                 "    trialParameters:\n      learningRate: lr\n",
                 "spec.trialTemplate.trialParameters", "must be a list"},
        TypeCase{"PrimaryPodLabelValueAsNumber", "    primaryContainerName: training-container\n",
                 "    primaryContainerName: training-container\n    primaryPodLabels:\n"
                 "      replica: 0\n",
                 "spec.trialTemplate.primaryPodLabels.replica", "quote it: \"0\""},
        TypeCase{"ConfigMapNotAnObject", "    primaryContainerName: training-container\n",
                 "    primaryContainerName: training-container\n    configMap: templates\n",
                 "spec.trialTemplate.configMap", "must be an object"},
        TypeCase{"LabelsNotAMap", "  namespace: kubeflow\n",
                 "  namespace: kubeflow\n  labels: [a, b]\n", "metadata.labels",
                 "must be a mapping of strings to strings"},
        TypeCase{"MetadataNameAsNumber", "  name: random-example", "  name: 42", "metadata.name",
                 "quote it"},
        TypeCase{"MetadataNotAnObject",
                 "metadata:\n  name: random-example\n  namespace: kubeflow\n",
                 "metadata: random-example\n", "metadata", "must be an object"},
        TypeCase{"ResumePolicyAsList", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  resumePolicy: [Never]\n", "spec.resumePolicy",
                 "must be a string, got a list"},
        TypeCase{"NasConfigNotAnObject", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  nasConfig: darts\n", "spec.nasConfig",
                 "must be an object"},
        TypeCase{"CollectorNotAnObject", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  metricsCollectorSpec:\n    collector: StdOut\n",
                 "spec.metricsCollectorSpec.collector", "must be an object"},
        TypeCase{"PrometheusPortAsList", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  metricsCollectorSpec:\n    source:\n      httpGet:\n"
                 "        port: [8080]\n",
                 "spec.metricsCollectorSpec.source.httpGet.port",
                 "must be an integer or a port name"},
        TypeCase{"FilterFormatsNotAList", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  metricsCollectorSpec:\n    source:\n      filter:\n"
                 "        metricsFormat: \"(\\\\w+)=(\\\\d+)\"\n",
                 "spec.metricsCollectorSpec.source.filter.metricsFormat",
                 "must be a list of strings"},
        TypeCase{"EarlyStoppingNotAnObject", "  maxFailedTrialCount: 3\n",
                 "  maxFailedTrialCount: 3\n  earlyStopping: medianstop\n", "spec.earlyStopping",
                 "must be an object"}),
    [](const ::testing::TestParamInfo<TypeCase>& info) { return info.param.name; });

TEST(ManifestTest, SpecThatIsNotAnObjectIsReported) {
  std::string text = std::string(kManifest).substr(0, std::string(kManifest).find("spec:")) +
                     "spec:\n  - parameters\n";
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_TRUE(
      HasError(loaded.errors, "spec", "must be an object (a mapping of fields), got a list"));
}

TEST(ManifestTest, TrialSpecThatIsNotAnObjectIsReported) {
  std::string text =
      std::string(kManifest).substr(0, std::string(kManifest).find("    trialSpec:")) +
      "    trialSpec: job.yaml\n";
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, "spec.trialTemplate.trialSpec",
                       "must be an object, got string \"job.yaml\""));
  EXPECT_FALSE(loaded.experiment.spec.trial_template->trial_spec);
}

TEST(ManifestTest, DocumentThatIsNotAnObjectIsReported) {
  LoadedExperiment loaded = LoadOne("- apiVersion: kubeflow.org/v1beta1\n");
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].path, "");
  EXPECT_THAT(loaded.errors[0].message, HasSubstr("must be an object"));
}

TEST(ManifestTest, EveryWrongTypeIsReportedAtOnce) {
  std::string text = Replace(kManifest, "parallelTrialCount: 3", "parallelTrialCount: \"3\"");
  text = Replace(text, "min: \"0.01\"", "min: 0.01");
  text = Replace(text, "goal: 0.99", "goal: high");
  LoadedExperiment loaded = LoadOne(text);
  EXPECT_THAT(loaded.errors, SizeIs(3)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, "spec.parallelTrialCount", "integer"));
  EXPECT_TRUE(HasError(loaded.errors, "spec.parameters[0].feasibleSpace.min", "quote it"));
  EXPECT_TRUE(HasError(loaded.errors, "spec.objective.goal", "number"));
  // What could be read is kept.
  EXPECT_EQ(loaded.experiment.spec.max_trial_count, 12);
  EXPECT_EQ(loaded.experiment.spec.parameters[0].feasible_space.max, "0.05");
}

// --- unknown fields -----------------------------------------------------------------------------

struct UnknownCase {
  std::string name;
  std::string from;
  std::string to;
  std::string path;
};

void PrintTo(const UnknownCase& c, std::ostream* os) {
  *os << c.name;
}

class UnknownFieldTest : public ::testing::TestWithParam<UnknownCase> {};

TEST_P(UnknownFieldTest, IsReportedWithItsPath) {
  const UnknownCase& c = GetParam();
  LoadedExperiment loaded = LoadOne(Replace(kManifest, c.from, c.to));
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].ToString(), c.path + ": unknown field");
}

INSTANTIATE_TEST_SUITE_P(
    Fields, UnknownFieldTest,
    ::testing::Values(
        UnknownCase{"MisspeltParallelTrialCount", "parallelTrialCount: 3", "parallelTrialcount: 3",
                    "spec.parallelTrialcount"},
        UnknownCase{"TopLevel", "kind: Experiment\n", "kind: Experiment\nstatu: {}\n", "statu"},
        UnknownCase{"InObjective", "goal: 0.99", "goals: 0.99", "spec.objective.goals"},
        UnknownCase{"InAlgorithm", "algorithmName: random", "algorithmName: random\n    name: x",
                    "spec.algorithm.name"},
        UnknownCase{"InParameter", "parameterType: double",
                    "parameterType: double\n      type: double", "spec.parameters[0].type"},
        UnknownCase{"InFeasibleSpace", "max: \"0.05\"", "maximum: \"0.05\"\n        max: \"0.05\"",
                    "spec.parameters[0].feasibleSpace.maximum"},
        UnknownCase{"InTrialTemplate", "primaryContainerName: training-container",
                    "primaryContainerName: training-container\n    trialParameter: []",
                    "spec.trialTemplate.trialParameter"},
        UnknownCase{"InTrialParameter", "        reference: lr",
                    "        reference: lr\n        ref: lr",
                    "spec.trialTemplate.trialParameters[0].ref"},
        UnknownCase{"InCollector", "  maxFailedTrialCount: 3\n",
                    "  maxFailedTrialCount: 3\n  metricsCollectorSpec:\n    collector:\n"
                    "      knd: File\n",
                    "spec.metricsCollectorSpec.collector.knd"},
        UnknownCase{"InFileSystemPath", "  maxFailedTrialCount: 3\n",
                    "  maxFailedTrialCount: 3\n  metricsCollectorSpec:\n    source:\n"
                    "      fileSystemPath:\n        file: /a\n",
                    "spec.metricsCollectorSpec.source.fileSystemPath.file"},
        UnknownCase{"InAlgorithmSetting", "    algorithmName: random\n",
                    "    algorithmName: random\n    algorithmSettings:\n      - name: a\n"
                    "        val: b\n",
                    "spec.algorithm.algorithmSettings[0].val"}),
    [](const ::testing::TestParamInfo<UnknownCase>& info) { return info.param.name; });

// A trialSpec is an arbitrary Kubernetes object: the loader keeps it as written and the batch/v1
// Job rules (api/validate_trial_template.cc) judge it.
TEST(ManifestTest, UnknownFieldsInsideTrialSpecAreLeftToValidation) {
  LoadedExperiment loaded = LoadOne(Replace(kManifest, "command:", "comand:"));
  EXPECT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
}

// --- syntax errors ------------------------------------------------------------------------------

TEST(ManifestTest, YamlSyntaxErrorNamesFileLineAndColumn) {
  std::string text = Replace(kManifest, "  namespace: kubeflow\n", "  namespace: kubeflow: x\n");
  Error error = ThrownError([&] { LoadManifestText(text, "bad.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^bad\\.yaml:5:[0-9]+: ")))
      << error.what();
}

TEST(ManifestTest, UnclosedFlowSequenceIsASyntaxError) {
  std::string text = Replace(kManifest, "  namespace: kubeflow\n", "  labels: [a, b\n");
  Error error = ThrownError([&] { LoadManifestText(text, "bad.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^bad\\.yaml:[0-9]+:[0-9]+: ")))
      << error.what();
}

TEST(ManifestTest, TabIndentationIsASyntaxError) {
  std::string text = Replace(kManifest, "  namespace: kubeflow\n", "\tnamespace: kubeflow\n");
  Error error = ThrownError([&] { LoadManifestText(text, "tabs.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^tabs\\.yaml:[0-9]+:[0-9]+: ")))
      << error.what();
}

TEST(ManifestTest, DuplicatedYamlKeyIsAnErrorAtTheSecondKey) {
  std::string text =
      Replace(kManifest, "  maxTrialCount: 12\n", "  maxTrialCount: 12\n  maxTrialCount: 50\n");
  Error error = ThrownError([&] { LoadManifestText(text, "dup.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("dup.yaml:15:3: duplicated key \"maxTrialCount\""));
}

TEST(ManifestTest, DuplicatedKeyInANestedListItem) {
  std::string text =
      Replace(kManifest, "        reference: lr\n", "        reference: lr\n        name: lr\n");
  Error error = ThrownError([&] { LoadManifestText(text, "dup.yaml"); });
  EXPECT_THAT(error.what(), HasSubstr("duplicated key \"name\""));
}

TEST(ManifestTest, SameKeyInDifferentObjectsIsFine) {
  // "name" appears in metadata, parameters, trialParameters and containers.
  EXPECT_THAT(LoadOne(kManifest).errors, IsEmpty());
}

TEST(ManifestTest, JsonSyntaxErrorNamesFileLineAndColumn) {
  std::string text = "{\n  \"apiVersion\": \"kubeflow.org/v1beta1\",\n  \"kind\": ,\n}\n";
  Error error = ThrownError([&] { LoadManifestText(text, "bad.json"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^bad\\.json:3:11: "))) << error.what();
}

TEST(ManifestTest, DuplicatedJsonKeyIsAnError) {
  std::string text =
      "{\"apiVersion\": \"kubeflow.org/v1beta1\", \"kind\": \"Experiment\",\n"
      " \"metadata\": {\"name\": \"a\"},\n"
      " \"spec\": {\"maxTrialCount\": 5, \"maxTrialCount\": 50}}\n";
  Error error = ThrownError([&] { LoadManifestText(text, "dup.json"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("dup.json"));
  EXPECT_THAT(error.what(), HasSubstr("duplicated key \"maxTrialCount\""));
}

TEST(ManifestTest, SameJsonKeyInDifferentObjectsIsFine) {
  std::string text =
      "{\"apiVersion\": \"kubeflow.org/v1beta1\", \"kind\": \"Experiment\",\n"
      " \"metadata\": {\"name\": \"a\"},\n"
      " \"spec\": {\"parameters\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}}\n";
  LoadedExperiment loaded = LoadOne(text, "ok.json");
  EXPECT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  ASSERT_THAT(loaded.experiment.spec.parameters, SizeIs(2));
  EXPECT_EQ(loaded.experiment.spec.parameters[1].name, "b");
}

// --- text encoding -----------------------------------------------------------------------------

TEST(ManifestTest, Utf8TextIsKept) {
  std::string text = Replace(kManifest, "image: python:3.11",
                             "image: python:3.11\n                workingDir: /données/日本/😀");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  Json out = ExperimentToJson(loaded.experiment);
  EXPECT_EQ(out["spec"]["trialTemplate"]["trialSpec"]["spec"]["template"]["spec"]["containers"][0]
               ["workingDir"],
            "/données/日本/😀");
  EXPECT_NO_THROW(out.dump());
}

// JSON strings must be UTF-8: a Latin-1 byte used to pass the YAML reader and throw from the JSON
// library much later, when the trial template was printed.
TEST(ManifestTest, Latin1TextIsAnErrorAtItsLine) {
  std::string text = Replace(kManifest, "image: python:3.11", "image: caf\xe9:latest");
  Error error = ThrownError([&] { LoadManifestText(text, "latin1.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("latin1.yaml:35:24: not valid UTF-8"));
}

TEST(ManifestTest, InvalidUtf8InAKeyIsAnError) {
  std::string text =
      Replace(kManifest, "  namespace: kubeflow\n", "  namespace: kubeflow\n  \xff: x\n");
  Error error = ThrownError([&] { LoadManifestText(text, "key.yaml"); });
  EXPECT_THAT(error.what(), HasSubstr("key.yaml:6:3: not valid UTF-8"));
}

TEST(ManifestTest, Utf8EncodingMistakesAreErrors) {
  // A stray continuation byte, an overlong '/', a surrogate, a code point beyond U+10FFFF and a
  // sequence cut short.
  for (const char* bad : {"\x80", "\xc0\xaf", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe6\x97"}) {
    SCOPED_TRACE(::testing::PrintToString(std::string(bad)));
    std::string text =
        Replace(kManifest, "image: python:3.11", std::string("image: a") + bad + "b");
    Error error = ThrownError([&] { LoadManifestText(text, "bad.yaml"); });
    EXPECT_THAT(error.what(), HasSubstr("not valid UTF-8"));
  }
}

TEST(ManifestTest, InvalidUtf8InJsonIsAnErrorAtItsPosition) {
  std::string text = "{\"apiVersion\": \"kubeflow.org/v1beta1\",\n \"kind\": \"Exp\xe9\"}";
  Error error = ThrownError([&] { LoadManifestText(text, "latin1.json"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^latin1\\.json:2:[0-9]+: ")))
      << error.what();
}

// --- limits: a manifest is untrusted input to a service ---------------------------------------

// Nine levels of ten aliases each: 555 bytes that would expand to a billion values.
TEST(ManifestTest, AliasBombIsRejected) {
  std::string text =
      "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nspec:\n  nasConfig:\n"
      "    l0: &l0 [x, x, x, x, x, x, x, x, x, x]\n";
  for (int i = 1; i < 9; ++i) {
    std::string alias = "*l" + std::to_string(i - 1);
    text += "    l" + std::to_string(i) + ": &l" + std::to_string(i) + " [" + alias;
    for (int j = 1; j < 10; ++j) {
      text += ", " + alias;
    }
    text += "]\n";
  }
  Error error = ThrownError([&] { LoadManifestText(text, "bomb.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::regex_search(error.what(), std::regex("^bomb\\.yaml:[0-9]+:[0-9]+: ")))
      << error.what();
  EXPECT_THAT(error.what(), HasSubstr("too many values"));
}

TEST(ManifestTest, ModestAliasesAreExpanded) {
  std::string text = Replace(kManifest, "      feasibleSpace:\n", "      feasibleSpace: &space\n");
  text = Replace(text, "  trialTemplate:\n",
                 "    - name: momentum\n      parameterType: double\n      feasibleSpace: *space\n"
                 "  trialTemplate:\n");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  ASSERT_THAT(loaded.experiment.spec.parameters, SizeIs(2));
  EXPECT_EQ(loaded.experiment.spec.parameters[1].feasible_space.max, "0.05");
}

TEST(ManifestTest, DeeplyNestedYamlIsRejected) {
  std::string text =
      "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nspec:\n  nasConfig:\n"
      "    a: " +
      std::string(300, '[') + std::string(300, ']') + "\n";
  Error error = ThrownError([&] { LoadManifestText(text, "deep.yaml"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("deep.yaml:5:"));
}

// Copying and printing a JSON value recurse: without a limit this overflowed the stack.
TEST(ManifestTest, DeeplyNestedJsonIsRejected) {
  std::string text = R"({"apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
    "spec": {"nasConfig": {"a": )" +
                     std::string(200000, '[') + std::string(200000, ']') + "}}}";
  Error error = ThrownError([&] { LoadManifestText(text, "deep.json"); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(error.what(), HasSubstr("deep.json: document is nested too deeply"));
}

TEST(ManifestTest, ReasonablyNestedJsonIsRead) {
  std::string text = R"({"apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
    "metadata": {"name": "a"}, "spec": {"nasConfig": {"a": )" +
                     std::string(150, '[') + std::string(150, ']') + "}}}";
  LoadedExperiment loaded = LoadOne(text, "nested.json");
  EXPECT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  EXPECT_TRUE(loaded.experiment.spec.nas_config);
}

// --- apiVersion, kind, spec, status, metadata ---------------------------------------------------

TEST(ManifestTest, WrongApiVersion) {
  LoadedExperiment loaded =
      LoadOne(Replace(kManifest, "kubeflow.org/v1beta1", "kubeflow.org/v1alpha3"));
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].ToString(),
            "apiVersion: is \"kubeflow.org/v1alpha3\"; must be kubeflow.org/v1beta1");
}

TEST(ManifestTest, MissingApiVersionAndKind) {
  LoadedExperiment loaded =
      LoadOne(Replace(kManifest, "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\n", ""));
  ASSERT_THAT(loaded.errors, SizeIs(2)) << Describe(loaded.errors);
  EXPECT_TRUE(HasError(loaded.errors, "apiVersion", "must be kubeflow.org/v1beta1"));
  EXPECT_TRUE(HasError(loaded.errors, "kind", "must be Experiment"));
}

TEST(ManifestTest, WrongKind) {
  LoadedExperiment loaded = LoadOne(Replace(kManifest, "kind: Experiment", "kind: Trial"));
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].ToString(), "kind: is \"Trial\"; must be Experiment");
}

TEST(ManifestTest, MissingSpec) {
  std::string text = std::string(kManifest).substr(0, std::string(kManifest).find("spec:"));
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, SizeIs(1)) << Describe(loaded.errors);
  EXPECT_EQ(loaded.errors[0].ToString(), "spec: must be specified");
}

TEST(ManifestTest, StatusIsAcceptedAndIgnored) {
  std::string text = std::string(kManifest) +
                     "status:\n  conditions:\n    - type: Running\n      status: \"True\"\n"
                     "  trials: 3\n  currentOptimalTrial: {}\n";
  LoadedExperiment loaded = LoadOne(text);
  EXPECT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  Json out = ExperimentToJson(loaded.experiment);
  EXPECT_FALSE(out.contains("status"));
  EXPECT_EQ(out, ExperimentToJson(LoadOne(kManifest).experiment));
}

TEST(ManifestTest, ExtraMetadataFieldsAreKept) {
  std::string text =
      Replace(kManifest, "  namespace: kubeflow\n",
              "  namespace: kubeflow\n  uid: 3f1c\n  resourceVersion: \"991\"\n  generation: 4\n"
              "  creationTimestamp: \"2026-01-02T03:04:05Z\"\n  finalizers: [a/b]\n"
              "  labels:\n    team: ml\n  annotations:\n    note: kept\n");
  LoadedExperiment loaded = LoadOne(text);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  const ObjectMeta& meta = loaded.experiment.metadata;
  EXPECT_EQ(meta.labels.at("team"), "ml");
  EXPECT_EQ(meta.annotations.at("note"), "kept");
  EXPECT_EQ(meta.other["uid"], "3f1c");
  EXPECT_EQ(meta.other["resourceVersion"], "991");
  EXPECT_EQ(meta.other["generation"], 4);
  EXPECT_EQ(meta.other["finalizers"], Json::array({"a/b"}));
  EXPECT_FALSE(meta.other.contains("name"));
  EXPECT_FALSE(meta.other.contains("labels"));
  Json out = ExperimentToJson(loaded.experiment);
  EXPECT_EQ(out["metadata"]["uid"], "3f1c");
  EXPECT_EQ(out["metadata"]["creationTimestamp"], "2026-01-02T03:04:05Z");
  EXPECT_EQ(out["metadata"]["labels"]["team"], "ml");
  EXPECT_EQ(out["metadata"]["name"], "random-example");
}

// --- files --------------------------------------------------------------------------------------

TEST(ManifestFileTest, ReadsAFileAndRecordsItsDirectory) {
  testing::TempDir dir;
  std::string path = dir.WriteFile("sub/experiment.yaml", kManifest);
  std::vector<LoadedExperiment> loaded = LoadManifestFile(path);
  ASSERT_THAT(loaded, SizeIs(1));
  EXPECT_THAT(loaded[0].errors, IsEmpty());
  EXPECT_EQ(loaded[0].source, path);
  EXPECT_EQ(std::filesystem::path(loaded[0].directory),
            std::filesystem::weakly_canonical(dir.path() / "sub"));
  EXPECT_TRUE(std::filesystem::path(loaded[0].directory).is_absolute());
}

TEST(ManifestFileTest, ReadsAJsonFile) {
  testing::TempDir dir;
  std::string path =
      dir.WriteFile("experiment.json", ExperimentToJson(LoadOne(kManifest).experiment).dump());
  std::vector<LoadedExperiment> loaded = LoadManifestFile(path);
  ASSERT_THAT(loaded, SizeIs(1));
  EXPECT_THAT(loaded[0].errors, IsEmpty()) << Describe(loaded[0].errors);
  EXPECT_EQ(loaded[0].experiment.metadata.name, "random-example");
}

TEST(ManifestFileTest, SyntaxErrorNamesThePath) {
  testing::TempDir dir;
  std::string path = dir.WriteFile("bad.yaml", "apiVersion: a\n  kind: b\n");
  Error error = ThrownError([&] { LoadManifestFile(path); });
  EXPECT_EQ(error.code(), ErrorCode::kInvalidArgument);
  EXPECT_TRUE(std::string(error.what()).starts_with(path + ":2:")) << error.what();
}

TEST(ManifestFileTest, MissingFileIsAnIoError) {
  testing::TempDir dir;
  Error error = ThrownError([&] { LoadManifestFile(dir.Join("nope.yaml")); });
  EXPECT_EQ(error.code(), ErrorCode::kIo);
  EXPECT_THAT(error.what(), HasSubstr("nope.yaml: no such file"));
}

TEST(ManifestFileTest, DirectoryIsAnIoError) {
  testing::TempDir dir;
  Error error = ThrownError([&] { LoadManifestFile(dir.path().string()); });
  EXPECT_EQ(error.code(), ErrorCode::kIo);
  EXPECT_THAT(error.what(), HasSubstr("not a regular file"));
}

TEST(ManifestFileTest, EmptyFileHasNoDocuments) {
  testing::TempDir dir;
  EXPECT_THAT(LoadManifestFile(dir.WriteFile("empty.yaml", "")), IsEmpty());
}

// --- round trip ---------------------------------------------------------------------------------

// ExperimentToJson(ExperimentFromJson(x)) reads back without errors to the same JSON.
void ExpectStableRoundTrip(const Experiment& experiment) {
  Json once = ExperimentToJson(experiment);
  FieldErrors errors;
  Experiment again = ExperimentFromJson(once, errors);
  EXPECT_THAT(errors, IsEmpty()) << Describe(errors);
  Json twice = ExperimentToJson(again);
  EXPECT_EQ(twice, once);
  EXPECT_EQ(twice.dump(), once.dump());  // keys sorted: the same text, byte for byte
}

TEST(RoundTripTest, NormalFormManifestComesBackUnchanged) {
  Json document = ParseYamlDocuments(kManifest, "m.yaml").at(0);
  LoadedExperiment loaded = LoadOne(kManifest);
  EXPECT_EQ(ExperimentToJson(loaded.experiment), document);
  ExpectStableRoundTrip(loaded.experiment);
}

TEST(RoundTripTest, EveryFieldComesBackUnchanged) {
  Json document = ParseYamlDocuments(kFullManifest, "full.yaml").at(0);
  LoadedExperiment loaded = LoadOne(kFullManifest);
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  EXPECT_EQ(ExperimentToJson(loaded.experiment), document)
      << ExperimentToJson(loaded.experiment).dump(2);
  ExpectStableRoundTrip(loaded.experiment);
}

TEST(RoundTripTest, EmptyFieldsAreOmitted) {
  LoadedExperiment loaded = LoadOne(
      "apiVersion: kubeflow.org/v1beta1\nkind: Experiment\nmetadata:\n  name: a\n"
      "  labels: {}\nspec:\n  resumePolicy: \"\"\n  algorithm:\n    algorithmSettings: []\n"
      "  trialTemplate:\n    retain: false\n    trialParameters: []\n");
  ASSERT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
  Json out = ExperimentToJson(loaded.experiment);
  EXPECT_EQ(out, Json::parse(R"({"apiVersion": "kubeflow.org/v1beta1", "kind": "Experiment",
      "metadata": {"name": "a"},
      "spec": {"algorithm": {}, "trialTemplate": {"trialParameters": []}}})"));
  ExpectStableRoundTrip(loaded.experiment);
}

TEST(RoundTripTest, KatibExamplesAreStable) {
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(KATIB_EXAMPLES_DIR)) {
    if (entry.path().extension() != ".yaml") continue;
    SCOPED_TRACE(entry.path().filename().string());
    ++files;
    for (const LoadedExperiment& loaded : LoadManifestFile(entry.path().string())) {
      EXPECT_THAT(loaded.errors, IsEmpty()) << Describe(loaded.errors);
      ExpectStableRoundTrip(loaded.experiment);
    }
  }
  EXPECT_GT(files, 0);
}

}  // namespace
}  // namespace tuneup
