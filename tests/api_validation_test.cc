// Katib's admission rules (api/validate*.cc) and the search-space rules (api/search_space.cc),
// one rejected manifest per rule, plus the settings checks of the algorithms tuneup runs.
//
// Every case starts from one valid manifest and changes one thing, then asserts the complete list
// of errors: each expected field path must be named (with a key word of its message) and nothing
// else may be reported, so a rule that fires on the wrong field, or a cascade of confusing
// follow-up errors, fails the test as surely as a missing rule.
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "api/defaults.h"
#include "api/experiment_json.h"
#include "api/search_space.h"
#include "api/validate.h"
#include "api/yaml_json.h"
#include "suggestion/registry.h"

namespace tuneup {
namespace {

// A complete, valid Experiment: every rule below is broken by mutating a copy of it.
constexpr const char* kBaseManifest = R"(
apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: base-experiment
  namespace: default
spec:
  objective:
    type: minimize
    goal: 0.001
    objectiveMetricName: loss
    additionalMetricNames:
      - accuracy
  algorithm:
    algorithmName: random
  parallelTrialCount: 2
  maxTrialCount: 6
  maxFailedTrialCount: 2
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace:
        min: "0.01"
        max: "0.03"
    - name: momentum
      parameterType: double
      feasibleSpace:
        min: "0.5"
        max: "0.9"
  trialTemplate:
    primaryContainerName: training-container
    trialParameters:
      - name: learningRate
        description: Learning rate for the training model
        reference: lr
      - name: momentum
        description: Momentum for the training model
        reference: momentum
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      spec:
        template:
          spec:
            containers:
              - name: training-container
                image: docker.io/library/python:3.11
                command:
                  - python3
                  - train.py
                args:
                  - "--lr=${trialParameters.learningRate}"
                  - "--momentum=${trialParameters.momentum}"
                env:
                  - name: EPOCHS
                    value: "1"
            restartPolicy: Never
)";

// JSON pointers into the base manifest.
constexpr const char* kTemplate = "/spec/trialTemplate";
constexpr const char* kJob = "/spec/trialTemplate/trialSpec";
constexpr const char* kPodSpec = "/spec/trialTemplate/trialSpec/spec/template/spec";
constexpr const char* kContainer = "/spec/trialTemplate/trialSpec/spec/template/spec/containers/0";
constexpr const char* kCollector = "/spec/metricsCollectorSpec";

// Field paths in messages.
constexpr const char* kJobPath = "spec.trialTemplate.trialSpec";
constexpr const char* kContainerPath =
    "spec.trialTemplate.trialSpec.spec.template.spec.containers[0]";

using Mutation = std::function<void(Json&)>;

struct ExpectedError {
  std::string path;
  std::string word;  // a key word of the message
};

struct RuleCase {
  std::string name;
  Mutation mutate;
  std::vector<ExpectedError> expected;
};

// gtest prints the case name instead of the bytes of the struct.
void PrintTo(const RuleCase& c, std::ostream* os) {
  *os << c.name;
}

std::string P(const std::string& base, const std::string& rest) {
  return base + rest;
}

Json BaseDocument() {
  static const Json document = ParseYamlDocuments(kBaseManifest, "base.yaml").at(0);
  return document;
}

void Set(Json& document, const std::string& pointer, Json value) {
  document[Json::json_pointer(pointer)] = std::move(value);
}

void Erase(Json& document, const std::string& pointer) {
  Json::json_pointer p(pointer);
  Json& parent = document[p.parent_pointer()];
  if (parent.is_array()) {
    parent.erase(std::stoul(p.back()));
  } else {
    parent.erase(p.back());
  }
}

void Append(Json& document, const std::string& pointer, Json value) {
  document[Json::json_pointer(pointer)].push_back(std::move(value));
}

std::string Describe(const FieldErrors& errors) {
  std::string out;
  for (const auto& error : errors) {
    out += "\n  " + error.ToString();
  }
  return out.empty() ? "\n  (none)" : out;
}

// Reads, defaults and validates `document` the way the controller does. The mutation must only
// break an admission rule: a loader error would mean the case tests the wrong layer.
FieldErrors Validate(const Json& document) {
  FieldErrors load_errors;
  Experiment experiment = ExperimentFromJson(document, load_errors);
  EXPECT_TRUE(load_errors.empty()) << "the loader rejected the case:" << Describe(load_errors);
  ApplyKatibDefaults(experiment);
  return ValidateExperiment(experiment);
}

TEST(CrossValidationCountsTest, ParallelTrialCountCountsFoldJobs) {
  // 6 trials of 5 x 2 fold jobs: up to 60 jobs may run at once.
  Json document = BaseDocument();
  Set(document, "/metadata/annotations/tuneup.dev~1cv-folds", "5");
  Set(document, "/metadata/annotations/tuneup.dev~1cv-repeats", "2");
  Set(document, "/spec/parallelTrialCount", 60);
  EXPECT_TRUE(Validate(document).empty()) << Describe(Validate(document));
  Set(document, "/spec/parallelTrialCount", 61);
  EXPECT_FALSE(Validate(document).empty());
}

Experiment LoadValid(const Json& document) {
  FieldErrors errors;
  Experiment experiment = ExperimentFromJson(document, errors);
  ApplyKatibDefaults(experiment);
  FieldErrors rules = ValidateExperiment(experiment);
  errors.insert(errors.end(), rules.begin(), rules.end());
  EXPECT_TRUE(errors.empty()) << "expected a valid experiment:" << Describe(errors);
  return experiment;
}

// Asserts that `errors` is exactly `expected`: same count, each expected path present with its
// key word (in any order).
void ExpectExactly(const FieldErrors& errors, const std::vector<ExpectedError>& expected) {
  EXPECT_EQ(errors.size(), expected.size()) << "errors:" << Describe(errors);
  for (const auto& want : expected) {
    bool found = false;
    for (const auto& error : errors) {
      if (error.path == want.path && error.message.find(want.word) != std::string::npos) {
        found = true;
      }
    }
    EXPECT_TRUE(found) << "no error at \"" << want.path << "\" mentioning \"" << want.word
                       << "\"; errors:" << Describe(errors);
  }
}

std::string CaseName(const ::testing::TestParamInfo<RuleCase>& info) {
  return info.param.name;
}

TEST(ValidationBaseTest, BaseManifestIsValid) {
  FieldErrors errors = Validate(BaseDocument());
  EXPECT_TRUE(errors.empty()) << Describe(errors);
}

TEST(ValidationBaseTest, BaseManifestIsValidForGridWithSteps) {
  Json document = BaseDocument();
  Set(document, "/spec/algorithm/algorithmName", "grid");
  Set(document, "/spec/parameters/0/feasibleSpace/step", "0.01");
  Set(document, "/spec/parameters/1/feasibleSpace/step", "0.1");
  Experiment experiment = LoadValid(document);
  EXPECT_TRUE(AlgorithmRegistry::Default().ValidateSettings(experiment).empty());
}

// --- rules that reject -------------------------------------------------------------------------

class RejectedTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(RejectedTest, NamesTheField) {
  const RuleCase& c = GetParam();
  Json document = BaseDocument();
  c.mutate(document);
  ExpectExactly(Validate(document), c.expected);
}

std::vector<RuleCase> MetadataAndCountCases() {
  const std::string retries = "/metadata/annotations/tuneup.dev~1infrastructure-retries";
  return {
      {"InfrastructureRetriesNotANumber",
       [=](Json& d) { Set(d, retries, "three"); },
       {{"metadata.annotations[tuneup.dev/infrastructure-retries]",
         "a whole number from 0 to 1000, got \"three\""}}},
      {"InfrastructureRetriesNegative",
       [=](Json& d) { Set(d, retries, "-1"); },
       {{"metadata.annotations[tuneup.dev/infrastructure-retries]", "got \"-1\""}}},
      {"InfrastructureRetriesTooMany",
       [=](Json& d) { Set(d, retries, "1001"); },
       {{"metadata.annotations[tuneup.dev/infrastructure-retries]", "got \"1001\""}}},
      {"PriorityUnknown",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1priority", "urgent"); },
       {{"metadata.annotations[tuneup.dev/priority]",
         "must be one of low, normal, high, got \"urgent\""}}},
      {"SlurmPartitionWithSpace",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1slurm-partition", "gpu a100"); },
       {{"metadata.annotations[tuneup.dev/slurm-partition]",
         "comma-separated partition names of letters, digits"}}},
      {"SlurmQosList",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1slurm-qos", "a,b"); },
       {{"metadata.annotations[tuneup.dev/slurm-qos]", "got \"a,b\""}}},
      {"SlurmAccountShellText",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1slurm-account", "$(id)"); },
       {{"metadata.annotations[tuneup.dev/slurm-account]", "got \"$(id)\""}}},
      {"SlurmTimeWords",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1slurm-time", "1 hour"); },
       {{"metadata.annotations[tuneup.dev/slurm-time]", "must be a Slurm time limit"}}},
      {"SlurmTimeTooManyParts",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1slurm-time", "1:2:3:4"); },
       {{"metadata.annotations[tuneup.dev/slurm-time]", "got \"1:2:3:4\""}}},
      {"CvFoldsOne",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1cv-folds", "1"); },
       {{"metadata.annotations[tuneup.dev/cv-folds]", "a whole number from 2 to 100, got \"1\""}}},
      {"CvFoldsWord",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1cv-folds", "five"); },
       {{"metadata.annotations[tuneup.dev/cv-folds]", "got \"five\""}}},
      {"CvRepeatsZero",
       [](Json& d) {
         Set(d, "/metadata/annotations/tuneup.dev~1cv-folds", "5");
         Set(d, "/metadata/annotations/tuneup.dev~1cv-repeats", "0");
       },
       {{"metadata.annotations[tuneup.dev/cv-repeats]", "from 1 to 100, got \"0\""}}},
      {"CvRaceNotABoolean",
       [](Json& d) {
         Set(d, "/metadata/annotations/tuneup.dev~1cv-folds", "5");
         Set(d, "/metadata/annotations/tuneup.dev~1cv-race", "yes");
       },
       {{"metadata.annotations[tuneup.dev/cv-race]", "must be \"true\" or \"false\""}}},
      {"CvParallelAboveMaxTrialsTimesFolds",
       [](Json& d) {
         Set(d, "/metadata/annotations/tuneup.dev~1cv-folds", "5");
         Set(d, "/spec/parallelTrialCount", 31);
       },
       {{"spec.parallelTrialCount",
         "less than or equal to spec.maxTrialCount (6) times the fold jobs of a trial (5)"}}},
      {"CvFinalWithoutFolds",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1cv-final", "true"); },
       {{"metadata.annotations[tuneup.dev/cv-final]", "needs tuneup.dev/cv-folds"}}},
      {"UnknownTuneupAnnotation",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1prioirty", "low"); },
       {{"metadata.annotations[tuneup.dev/prioirty]", "unknown tuneup annotation"}}},
      {"NameEmpty",
       [](Json& d) { Set(d, "/metadata/name", ""); },
       {{"metadata.name", "must be specified"}}},
      {"NameMissing",
       [](Json& d) { Erase(d, "/metadata/name"); },
       {{"metadata.name", "must be specified"}}},
      {"NameUppercase",
       [](Json& d) { Set(d, "/metadata/name", "MyExperiment"); },
       {{"metadata.name", "lower case"}}},
      {"NameTooLong",
       [](Json& d) { Set(d, "/metadata/name", std::string(41, 'a')); },
       {{"metadata.name", "at most 40 characters"}}},
      {"NameUnderscore",
       [](Json& d) { Set(d, "/metadata/name", "my_experiment"); },
       {{"metadata.name", "invalid"}}},
      {"NameStartsWithDigit",
       [](Json& d) { Set(d, "/metadata/name", "1experiment"); },
       {{"metadata.name", "start with a letter"}}},
      {"NameEndsWithDash",
       [](Json& d) { Set(d, "/metadata/name", "experiment-"); },
       {{"metadata.name", "end with a letter or digit"}}},
      {"NameWithDot",
       [](Json& d) { Set(d, "/metadata/name", "my.experiment"); },
       {{"metadata.name", "invalid"}}},
      {"MaxFailedNegative",
       [](Json& d) { Set(d, "/spec/maxFailedTrialCount", -1); },
       {{"spec.maxFailedTrialCount", "must not be less than 0"}}},
      // maxTrialCount 0 also puts the other counts above it: three errors, each on its field.
      {"MaxTrialZero",
       [](Json& d) { Set(d, "/spec/maxTrialCount", 0); },
       {{"spec.maxTrialCount", "greater than 0"},
        {"spec.maxFailedTrialCount", "less than or equal to spec.maxTrialCount"},
        {"spec.parallelTrialCount", "less than or equal to spec.maxTrialCount"}}},
      {"MaxTrialNegative",
       [](Json& d) {
         Set(d, "/spec/maxTrialCount", -5);
         Erase(d, "/spec/maxFailedTrialCount");
         Erase(d, "/spec/parallelTrialCount");
       },
       {{"spec.maxTrialCount", "greater than 0"},
        {"spec.parallelTrialCount", "less than or equal to spec.maxTrialCount"}}},
      {"ParallelZero",
       [](Json& d) { Set(d, "/spec/parallelTrialCount", 0); },
       {{"spec.parallelTrialCount", "greater than 0"}}},
      {"ParallelNegative",
       [](Json& d) { Set(d, "/spec/parallelTrialCount", -1); },
       {{"spec.parallelTrialCount", "greater than 0"}}},
      {"MaxFailedAboveMaxTrial",
       [](Json& d) { Set(d, "/spec/maxFailedTrialCount", 7); },
       {{"spec.maxFailedTrialCount", "less than or equal to spec.maxTrialCount (6)"}}},
      {"ParallelAboveMaxTrial",
       [](Json& d) { Set(d, "/spec/parallelTrialCount", 7); },
       {{"spec.parallelTrialCount", "less than or equal to spec.maxTrialCount (6)"}}},
      // The default parallelTrialCount (3) is checked like a written one.
      {"DefaultParallelAboveMaxTrial",
       [](Json& d) {
         Erase(d, "/spec/parallelTrialCount");
         Set(d, "/spec/maxTrialCount", 2);
         Set(d, "/spec/maxFailedTrialCount", 1);
       },
       {{"spec.parallelTrialCount", "is 3"}}},
  };
}

std::vector<RuleCase> ObjectiveAndAlgorithmCases() {
  return {
      {"ObjectiveMissing",
       [](Json& d) { Erase(d, "/spec/objective"); },
       {{"spec.objective", "must be specified"}}},
      {"ObjectiveTypeInvalid",
       [](Json& d) { Set(d, "/spec/objective/type", "minimise"); },
       {{"spec.objective.type", "\"minimise\" is invalid"}}},
      {"ObjectiveTypeMissing",
       [](Json& d) { Erase(d, "/spec/objective/type"); },
       {{"spec.objective.type", "must be specified"}}},
      {"ObjectiveMetricNameMissing",
       [](Json& d) { Erase(d, "/spec/objective/objectiveMetricName"); },
       {{"spec.objective.objectiveMetricName", "must be specified"}}},
      {"AdditionalContainsObjective",
       [](Json& d) { Append(d, "/spec/objective/additionalMetricNames", "loss"); },
       {{"spec.objective.additionalMetricNames", "must not contain the objective metric"}}},
      {"AdditionalMetricEmpty",
       [](Json& d) { Set(d, "/spec/objective/additionalMetricNames/0", ""); },
       {{"spec.objective.additionalMetricNames[0]", "must not be empty"}}},
      {"GoalNotFinite",
       [](Json& d) { Set(d, "/spec/objective/goal", std::numeric_limits<double>::infinity()); },
       {{"spec.objective.goal", "finite"}}},
      {"StrategyValueInvalid",
       [](Json& d) {
         Set(d, "/spec/objective/metricStrategies",
             Json::array({{{"name", "loss"}, {"value", "average"}}}));
       },
       {{"spec.objective.metricStrategies[0].value", "\"average\" is invalid"}}},
      {"StrategyNameMissing",
       [](Json& d) {
         Set(d, "/spec/objective/metricStrategies", Json::array({{{"value", "min"}}}));
       },
       {{"spec.objective.metricStrategies[0].name", "must be specified"}}},
      {"AlgorithmMissing",
       [](Json& d) { Erase(d, "/spec/algorithm"); },
       {{"spec.algorithm", "must be specified"}}},
      {"AlgorithmNameEmpty",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", ""); },
       {{"spec.algorithm.algorithmName", "must be specified"}}},
      {"AlgorithmUnknown",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", "bayesian"); },
       {{"spec.algorithm.algorithmName", "unknown algorithm \"bayesian\""}}},
      {"AlgorithmWrongCase",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", "Random"); },
       {{"spec.algorithm.algorithmName", "unknown algorithm"}}},
      {"AlgorithmDarts",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", "darts"); },
       {{"spec.algorithm.algorithmName", "neural architecture search"}}},
      {"AlgorithmEnas",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", "enas"); },
       {{"spec.algorithm.algorithmName", "neural architecture search"}}},
      {"AlgorithmSettingWithoutName",
       [](Json& d) {
         Set(d, "/spec/algorithm/algorithmSettings", Json::array({{{"value", "1"}}}));
       },
       {{"spec.algorithm.algorithmSettings[0].name", "must be specified"}}},
      {"EarlyStoppingUnknown",
       [](Json& d) {
         Set(d, "/spec/earlyStopping", {{"algorithmName", "median"}});
       },
       {{"spec.earlyStopping.algorithmName", "unknown early stopping algorithm \"median\""}}},
      {"EarlyStoppingNameEmpty",
       [](Json& d) { Set(d, "/spec/earlyStopping", Json::object()); },
       {{"spec.earlyStopping.algorithmName", "must be specified"}}},
      {"EarlyStoppingSettingWithoutName",
       [](Json& d) {
         Set(d, "/spec/earlyStopping",
             {{"algorithmName", "medianstop"},
              {"algorithmSettings", Json::array({{{"value", "3"}}})}});
       },
       {{"spec.earlyStopping.algorithmSettings[0].name", "must be specified"}}},
      {"ResumePolicyInvalid",
       [](Json& d) { Set(d, "/spec/resumePolicy", "Always"); },
       {{"spec.resumePolicy", "\"Always\" is invalid"}}},
      {"ResumePolicyWrongCase",
       [](Json& d) { Set(d, "/spec/resumePolicy", "never"); },
       {{"spec.resumePolicy", "invalid"}}},
  };
}

std::vector<RuleCase> TrialTemplateCases() {
  return {
      {"TemplateMissing",
       [](Json& d) { Erase(d, kTemplate); },
       {{"spec.trialTemplate", "must be specified"}}},
      {"PrimaryContainerMissing",
       [](Json& d) { Erase(d, P(kTemplate, "/primaryContainerName")); },
       {{"spec.trialTemplate.primaryContainerName", "must be specified"}}},
      {"PrimaryContainerNotInJob",
       [](Json& d) { Set(d, P(kTemplate, "/primaryContainerName"), "trainer"); },
       {{"spec.trialTemplate.primaryContainerName", "no container named \"trainer\""}}},
      {"TrialParametersMissing",
       [](Json& d) { Erase(d, P(kTemplate, "/trialParameters")); },
       {{"spec.trialTemplate.trialParameters", "must be specified"}}},
      {"TrialSpecAndConfigMap",
       [](Json& d) {
         Set(d, P(kTemplate, "/configMap"),
             {{"configMapName", "templates"},
              {"configMapNamespace", "kubeflow"},
              {"templatePath", "job.yaml"}});
       },
       {{"spec.trialTemplate", "only one of trialSpec or configMap"}}},
      // Without a trialSpec Katib has no kind to default the conditions from.
      {"NeitherTrialSpecNorConfigMap",
       [](Json& d) { Erase(d, kJob); },
       {{"spec.trialTemplate", "one of trialSpec or configMap must be specified"},
        {"spec.trialTemplate", "successCondition and failureCondition"}}},
      {"ConfigMapFieldsMissing",
       [](Json& d) {
         Erase(d, kJob);
         Set(d, P(kTemplate, "/configMap"), {{"configMapName", "templates"}});
         Set(d, P(kTemplate, "/successCondition"), "status.succeeded");
         Set(d, P(kTemplate, "/failureCondition"), "status.failed");
       },
       {{"spec.trialTemplate.configMap", "configMapNamespace and templatePath"}}},
      {"ConditionsMissingForUnknownKind",
       [](Json& d) {
         Set(d, P(kJob, "/apiVersion"), "argoproj.io/v1alpha1");
         Set(d, P(kJob, "/kind"), "Workflow");
       },
       {{"spec.trialTemplate", "successCondition and failureCondition"}}},
      // A trial parameter that is skipped leaves its placeholder unlisted and its search
      // parameter unreferenced: all three are reported.
      {"TrialParameterWithoutName",
       [](Json& d) { Erase(d, P(kTemplate, "/trialParameters/0/name")); },
       {{"spec.trialTemplate.trialParameters[0]", "name and reference must be specified"},
        {kJobPath, "${trialParameters.learningRate} is used"},
        {"spec.parameters[0].name", "not referenced"}}},
      {"TrialParameterWithoutReference",
       [](Json& d) { Erase(d, P(kTemplate, "/trialParameters/0/reference")); },
       {{"spec.trialTemplate.trialParameters[0]", "name and reference must be specified"},
        {kJobPath, "${trialParameters.learningRate} is used"},
        {"spec.parameters[0].name", "not referenced"}}},
      {"TrialParameterNameWithBraces",
       [](Json& d) {
         Set(d, P(kTemplate, "/trialParameters/0/name"), "learning{Rate}");
         Set(d, P(kContainer, "/args/0"), "--lr=${trialParameters.learning{Rate}}");
       },
       {{"spec.trialTemplate.trialParameters[0]", "must not contain '{' or '}'"},
        {kJobPath, "is not listed"},
        {"spec.parameters[0].name", "not referenced"}}},
      {"TrialParameterNameDuplicated",
       [](Json& d) {
         Set(d, P(kTemplate, "/trialParameters/1/name"), "learningRate");
         Set(d, P(kContainer, "/args/1"), "--momentum=${trialParameters.learningRate}");
       },
       {{"spec.trialTemplate.trialParameters[1].name", "\"learningRate\" is duplicated"},
        {"spec.parameters[1].name", "not referenced"}}},
      {"TrialParameterReferenceDuplicated",
       [](Json& d) { Set(d, P(kTemplate, "/trialParameters/1/reference"), "lr"); },
       {{"spec.trialTemplate.trialParameters[1].reference", "\"lr\" is duplicated"},
        {"spec.parameters[1].name", "not referenced"}}},
      {"TrialParameterReferenceUnknown",
       [](Json& d) { Set(d, P(kTemplate, "/trialParameters/1/reference"), "mom"); },
       {{"spec.trialTemplate.trialParameters[1].reference", "\"mom\" is not a parameter"},
        {"spec.parameters[1].name", "not referenced"}}},
      // Only Katib's metadata keys are references to the trial; anything else must be a search
      // parameter.
      {"TrialParameterReferenceUnknownMetadataKey",
       [](Json& d) {
         Append(d, P(kTemplate, "/trialParameters"),
                {{"name", "uid"}, {"reference", "${trialSpec.Uid}"}});
         Append(d, P(kContainer, "/args"), "--uid=${trialParameters.uid}");
       },
       {{"spec.trialTemplate.trialParameters[2].reference",
         "\"${trialSpec.Uid}\" is not a parameter"}}},
      {"TrialParameterNotUsedInTemplate",
       [](Json& d) {
         Append(d, P(kTemplate, "/trialParameters"),
                {{"name", "trialName"}, {"reference", "${trialSpec.Name}"}});
       },
       {{"spec.trialTemplate.trialParameters[2].name", "\"trialName\" is not used"}}},
      {"TemplatePlaceholderNotListed",
       [](Json& d) { Append(d, P(kContainer, "/args"), "--epochs=${trialParameters.epochs}"); },
       {{kJobPath, "${trialParameters.epochs} is used but \"epochs\" is not listed"}}},
      {"TemplatePlaceholderInEnvNotListed",
       [](Json& d) { Set(d, P(kContainer, "/env/0/value"), "${trialParameters.epochs}"); },
       {{kJobPath, "\"epochs\" is not listed"}}},
      {"SearchParameterNotReferenced",
       [](Json& d) {
         Append(d, "/spec/parameters",
                {{"name", "dropout"},
                 {"parameterType", "double"},
                 {"feasibleSpace", {{"min", "0.1"}, {"max", "0.5"}}}});
       },
       {{"spec.parameters[2].name", "\"dropout\" is not referenced"}}},
      {"TrialSpecMetadataName",
       [](Json& d) {
         Set(d, P(kJob, "/metadata"), {{"name", "my-job"}});
       },
       {{"spec.trialTemplate.trialSpec.metadata", "name and namespace must be omitted"}}},
      {"TrialSpecMetadataNamespace",
       [](Json& d) {
         Set(d, P(kJob, "/metadata"), {{"namespace", "default"}});
       },
       {{"spec.trialTemplate.trialSpec.metadata", "name and namespace must be omitted"}}},
      {"TrialSpecApiVersionMissing",
       [](Json& d) { Erase(d, P(kJob, "/apiVersion")); },
       {{kJobPath, "apiVersion and kind must be specified"}}},
      // Without a kind there are no default conditions either.
      {"TrialSpecKindMissing",
       [](Json& d) { Erase(d, P(kJob, "/kind")); },
       {{kJobPath, "apiVersion and kind must be specified"},
        {"spec.trialTemplate", "successCondition and failureCondition"}}},
      {"JobUnknownField",
       [](Json& d) { Set(d, P(kJob, "/metdata"), Json::object()); },
       {{"spec.trialTemplate.trialSpec.metdata", "unknown field"}}},
      {"JobSpecUnknownField",
       [](Json& d) { Set(d, P(kJob, "/spec/backofLimit"), 3); },
       {{"spec.trialTemplate.trialSpec.spec.backofLimit", "unknown field"}}},
      {"PodTemplateUnknownField",
       [](Json& d) { Set(d, P(kJob, "/spec/template/labels"), Json::object()); },
       {{"spec.trialTemplate.trialSpec.spec.template.labels", "unknown field"}}},
      {"PodSpecUnknownField",
       [](Json& d) {
         Erase(d, P(kPodSpec, "/restartPolicy"));
         Set(d, P(kPodSpec, "/restartpolicy"), "Never");
       },
       {{"spec.trialTemplate.trialSpec.spec.template.spec.restartpolicy", "unknown field"}}},
      {"ContainerUnknownField",
       [](Json& d) {
         Set(d, P(kContainer, "/comand"), d[Json::json_pointer(P(kContainer, "/command"))]);
         Erase(d, P(kContainer, "/command"));
       },
       {{P(kContainerPath, ".comand"), "unknown field"}}},
      {"ContainerArgNotString",
       [](Json& d) { Append(d, P(kContainer, "/args"), 5); },
       {{P(kContainerPath, ".args[2]"), "quote it"}}},
      {"ContainerCommandBoolean",
       [](Json& d) { Append(d, P(kContainer, "/command"), true); },
       {{P(kContainerPath, ".command[2]"), "must be a string, got boolean true"}}},
      {"ContainerCommandNotList",
       [](Json& d) { Set(d, P(kContainer, "/command"), "python3"); },
       {{P(kContainerPath, ".command"), "must be a list of strings"}}},
      {"ContainerWorkingDirNotString",
       [](Json& d) { Set(d, P(kContainer, "/workingDir"), 1); },
       {{P(kContainerPath, ".workingDir"), "must be a string"}}},
      {"ContainerImageNumber",
       [](Json& d) { Set(d, P(kContainer, "/image"), 3.11); },
       {{P(kContainerPath, ".image"), "must be a string, got number 3.11"}}},
      {"ContainerImagePullPolicyBoolean",
       [](Json& d) { Set(d, P(kContainer, "/imagePullPolicy"), false); },
       {{P(kContainerPath, ".imagePullPolicy"), "must be a string, got boolean false"}}},
      {"EnvValueNumber",
       [](Json& d) { Set(d, P(kContainer, "/env/0/value"), 1); },
       {{P(kContainerPath, ".env[0].value"), "quote it: \"1\""}}},
      {"EnvWithoutName",
       [](Json& d) { Erase(d, P(kContainer, "/env/0/name")); },
       {{P(kContainerPath, ".env[0].name"), "must be specified"}}},
      {"EnvUnknownField",
       [](Json& d) {
         Set(d, P(kContainer, "/env/0"), {{"name", "EPOCHS"}, {"valu", "1"}});
       },
       {{P(kContainerPath, ".env[0].valu"), "unknown field"}}},
      {"EnvNotList",
       [](Json& d) {
         Set(d, P(kContainer, "/env"), {{"EPOCHS", "1"}});
       },
       {{P(kContainerPath, ".env"), "must be a list"}}},
      {"EnvItemNotObject",
       [](Json& d) { Set(d, P(kContainer, "/env/0"), "EPOCHS=1"); },
       {{P(kContainerPath, ".env[0]"), "must be an object"}}},
      {"ContainerWithoutName",
       [](Json& d) { Erase(d, P(kContainer, "/name")); },
       {{P(kContainerPath, ".name"), "must be specified"},
        {"spec.trialTemplate.primaryContainerName", "no container named"}}},
      {"ContainerNotObject",
       [](Json& d) { Append(d, P(kPodSpec, "/containers"), "sidecar"); },
       {{"spec.trialTemplate.trialSpec.spec.template.spec.containers[1]",
         "must be a container object"}}},
      // Without containers no placeholder is used: each trial parameter is reported unused.
      {"ContainersEmpty",
       [](Json& d) { Set(d, P(kPodSpec, "/containers"), Json::array()); },
       {{"spec.trialTemplate.trialSpec.spec.template.spec.containers", "at least one container"},
        {"spec.trialTemplate.trialParameters[0].name", "is not used"},
        {"spec.trialTemplate.trialParameters[1].name", "is not used"}}},
      {"JobWithoutSpec",
       [](Json& d) { Erase(d, P(kJob, "/spec")); },
       {{"spec.trialTemplate.trialSpec.spec", "needs spec.template"},
        {"spec.trialTemplate.trialParameters[0].name", "is not used"},
        {"spec.trialTemplate.trialParameters[1].name", "is not used"}}},
      {"JobWithoutPodTemplate",
       [](Json& d) {
         Set(d, P(kJob, "/spec"),
             {{"backoffLimit", 0},
              {"podTemplate", d[Json::json_pointer(P(kJob, "/spec/template"))]}});
       },
       {{"spec.trialTemplate.trialSpec.spec.podTemplate", "unknown field"},
        {"spec.trialTemplate.trialSpec.spec.template", "must be specified"}}},
      {"PodTemplateWithoutSpec",
       [](Json& d) {
         Set(d, P(kJob, "/spec/template"),
             {{"metadata", Json::object()},
              {"podSpec", d[Json::json_pointer(P(kJob, "/spec/template/spec"))]}});
       },
       {{"spec.trialTemplate.trialSpec.spec.template.podSpec", "unknown field"},
        {"spec.trialTemplate.trialSpec.spec.template.spec", "must be specified"}}},
  };
}

std::vector<RuleCase> ParameterCases() {
  return {
      {"ParametersMissing",
       [](Json& d) { Erase(d, "/spec/parameters"); },
       {{"spec.parameters", "must be specified"}}},
      {"ParametersAndNasConfig",
       [](Json& d) {
         Set(d, "/spec/nasConfig", {{"graphConfig", {{"numLayers", 8}}}});
       },
       {{"spec", "only one of spec.parameters and spec.nasConfig"},
        {"spec.nasConfig", "neural architecture search is not supported"}}},
      {"NasConfigOnly",
       [](Json& d) {
         Erase(d, "/spec/parameters");
         Set(d, "/spec/nasConfig", {{"graphConfig", {{"numLayers", 8}}}});
       },
       {{"spec.nasConfig", "neural architecture search is not supported"}}},
      {"ParameterNameEmpty",
       [](Json& d) { Set(d, "/spec/parameters/0/name", ""); },
       {{"spec.parameters[0].name", "must be specified"},
        {"spec.trialTemplate.trialParameters[0].reference", "\"lr\" is not a parameter"}}},
      {"ParameterNameDuplicated",
       [](Json& d) { Set(d, "/spec/parameters/1/name", "lr"); },
       {{"spec.parameters[1].name", "\"lr\" is duplicated"},
        {"spec.trialTemplate.trialParameters[1].reference", "\"momentum\" is not a parameter"}}},
      {"ParameterTypeInvalid",
       [](Json& d) { Set(d, "/spec/parameters/0/parameterType", "float"); },
       {{"spec.parameters[0].parameterType", "\"float\" is not supported"}}},
      {"ParameterTypeMissing",
       [](Json& d) { Erase(d, "/spec/parameters/0/parameterType"); },
       {{"spec.parameters[0].parameterType", "must be specified"}}},
      {"DistributionInvalid",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/distribution", "gaussian"); },
       {{"spec.parameters[0].feasibleSpace.distribution", "\"gaussian\" is not supported"}}},
      {"ListOnDouble",
       [](Json& d) {
         Set(d, "/spec/parameters/0/feasibleSpace/list", {"0.01", "0.02"});
       },
       {{"spec.parameters[0].feasibleSpace.list", "not supported for parameterType double"}}},
      {"ListOnInt",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"list", {"1", "2"}}});
       },
       {{"spec.parameters[0].feasibleSpace.list", "not supported for parameterType int"},
        {"spec.parameters[0].feasibleSpace.min", "must be specified"},
        {"spec.parameters[0].feasibleSpace.max", "must be specified"}}},
      {"MinMissing",
       [](Json& d) { Erase(d, "/spec/parameters/0/feasibleSpace/min"); },
       {{"spec.parameters[0].feasibleSpace.min", "must be specified for parameterType double"}}},
      {"MaxMissing",
       [](Json& d) { Erase(d, "/spec/parameters/1/feasibleSpace/max"); },
       {{"spec.parameters[1].feasibleSpace.max", "must be specified for parameterType double"}}},
      {"FeasibleSpaceMissing",
       [](Json& d) { Erase(d, "/spec/parameters/0/feasibleSpace"); },
       {{"spec.parameters[0].feasibleSpace.min", "must be specified"},
        {"spec.parameters[0].feasibleSpace.max", "must be specified"}}},
      {"MinNotNumeric",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/min", "abc"); },
       {{"spec.parameters[0].feasibleSpace.min", "\"abc\" is not a finite number"}}},
      {"MaxInfinite",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/max", "inf"); },
       {{"spec.parameters[0].feasibleSpace.max", "\"inf\" is not a finite number"}}},
      {"MinWithSpaces",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/min", " 0.01"); },
       {{"spec.parameters[0].feasibleSpace.min", "is not a finite number"}}},
      {"IntWithFraction",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"min", "1.5"}, {"max", "4"}});
       },
       {{"spec.parameters[0].feasibleSpace.min", "\"1.5\" is not an integer"}}},
      {"IntWithExponent",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"min", "1"}, {"max", "1e3"}});
       },
       {{"spec.parameters[0].feasibleSpace.max", "\"1e3\" is not an integer"}}},
      {"MinAboveMax",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/min", "0.05"); },
       {{"spec.parameters[0].feasibleSpace.max", "(0.03) must be greater than or equal to min"}}},
      {"IntMinAboveMax",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"min", "10"}, {"max", "9"}});
       },
       {{"spec.parameters[0].feasibleSpace.max", "greater than or equal to min (10)"}}},
      {"StepZero",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/step", "0"); },
       {{"spec.parameters[0].feasibleSpace.step", "(0) must be greater than 0"}}},
      {"StepNegative",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/step", "-0.01"); },
       {{"spec.parameters[0].feasibleSpace.step", "must be greater than 0"}}},
      {"StepNotNumeric",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/step", "small"); },
       {{"spec.parameters[0].feasibleSpace.step", "\"small\" is not a finite number"}}},
      {"IntStepNotInteger",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"min", "1"}, {"max", "9"}, {"step", "0.5"}});
       },
       {{"spec.parameters[0].feasibleSpace.step", "\"0.5\" is not an integer"}}},
      {"LogUniformMinZero",
       [](Json& d) {
         Set(d, "/spec/parameters/0/feasibleSpace/min", "0");
         Set(d, "/spec/parameters/0/feasibleSpace/distribution", "logUniform");
       },
       {{"spec.parameters[0].feasibleSpace.min",
         "must be greater than 0 for distribution "
         "logUniform"}}},
      {"LogNormalMinNegative",
       [](Json& d) {
         Set(d, "/spec/parameters/1/feasibleSpace/min", "-0.5");
         Set(d, "/spec/parameters/1/feasibleSpace/distribution", "logNormal");
       },
       {{"spec.parameters[1].feasibleSpace.min",
         "must be greater than 0 for distribution "
         "logNormal"}}},
      {"CategoricalWithMin",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "categorical");
         Set(d, "/spec/parameters/1/feasibleSpace/list", {"sgd", "adam"});
       },
       {{"spec.parameters[1].feasibleSpace", "min, max and step are not supported"}}},
      {"CategoricalWithStepOnly",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "categorical");
         Set(d, "/spec/parameters/1/feasibleSpace", {{"list", {"sgd"}}, {"step", "1"}});
       },
       {{"spec.parameters[1].feasibleSpace", "not supported for parameterType categorical"}}},
      {"CategoricalEmptyList",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "categorical");
         Set(d, "/spec/parameters/1/feasibleSpace", {{"list", Json::array()}});
       },
       {{"spec.parameters[1].feasibleSpace.list", "at least one value"}}},
      {"DiscreteWithoutList",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "discrete");
         Set(d, "/spec/parameters/1/feasibleSpace", Json::object());
       },
       {{"spec.parameters[1].feasibleSpace.list",
         "at least one value for parameterType "
         "discrete"}}},
      {"DiscreteNotNumeric",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "discrete");
         Set(d, "/spec/parameters/1/feasibleSpace", {{"list", {"0.5", "high", "0.9"}}});
       },
       {{"spec.parameters[1].feasibleSpace.list[1]", "\"high\" is not a number"}}},
  };
}

std::vector<RuleCase> MetricsCollectorCases() {
  return {
      {"FileRelativePath",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source", {{"fileSystemPath", {{"path", "metrics.log"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.path", "absolute path"}}},
      {"FileKindDirectory",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source",
               {{"fileSystemPath", {{"path", "/var/log/metrics"}, {"kind", "Directory"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.path", "(kind File)"}}},
      {"FileBadFormat",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source", {{"fileSystemPath", {{"path", "/tmp/m.log"}, {"format", "XML"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.format", "\"XML\" is invalid"}}},
      {"FileJsonWithFilter",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source",
               {{"fileSystemPath", {{"path", "/tmp/m.json"}, {"format", "JSON"}}},
                {"filter", {{"metricsFormat", {"([\\w-]+)=([\\d.]+)"}}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.filter", "must be omitted when the format is JSON"}}},
      {"TfEventKindFile",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "TensorFlowEvent"}}},
              {"source", {{"fileSystemPath", {{"path", "/tmp/events"}, {"kind", "File"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.path", "(kind Directory)"}}},
      {"TfEventRelativePath",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "TensorFlowEvent"}}},
              {"source", {{"fileSystemPath", {{"path", "events/"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.path", "absolute path"}}},
      {"TfEventWithFormat",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "TensorFlowEvent"}}},
              {"source", {{"fileSystemPath", {{"format", "TEXT"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath.format", "must be empty"}}},
      {"PrometheusPortName",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "PrometheusMetric"}}},
              {"source", {{"httpGet", {{"port", "metrics"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.httpGet.port", "positive integer"}}},
      {"PrometheusPortNegative",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "PrometheusMetric"}}},
              {"source", {{"httpGet", {{"port", -1}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.httpGet.port", "positive integer"}}},
      {"PrometheusPathRelative",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "PrometheusMetric"}}},
              {"source", {{"httpGet", {{"path", "metrics"}, {"port", 9090}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.httpGet.path", "must start with '/'"}}},
      {"CustomWithoutContainer",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "Custom"}}}});
       },
       {{"spec.metricsCollectorSpec.collector.customCollector", "must be specified"}}},
      {"CustomRelativePath",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector",
               {{"kind", "Custom"}, {"customCollector", {{"name", "c"}, {"image", "i"}}}}},
              {"source", {{"fileSystemPath", {{"path", "m.log"}, {"kind", "File"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath", "absolute path"}}},
      {"CustomBadPathKind",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector",
               {{"kind", "Custom"}, {"customCollector", {{"name", "c"}, {"image", "i"}}}}},
              {"source", {{"fileSystemPath", {{"path", "/m.log"}, {"kind", "Socket"}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.fileSystemPath", "kind File or Directory"}}},
      {"CollectorKindUnknown",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "Stdout"}}}});
       },
       {{"spec.metricsCollectorSpec.collector.kind", "\"Stdout\" is invalid"}}},
      {"CollectorKindEmpty",
       [](Json& d) {
         Set(d, kCollector, {{"collector", Json::object()}});
       },
       {{"spec.metricsCollectorSpec.collector.kind", "\"\" is invalid"}}},
      {"FilterInvalidRegex",
       [](Json& d) {
         Set(d, kCollector, {{"source", {{"filter", {{"metricsFormat", {"([a-z]+=(\\d+)"}}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.filter.metricsFormat[0]", "invalid filter"}}},
      // Go's regexp (RE2) has no lookahead: Katib's collector could not compile this either.
      {"FilterPerlOnlySyntax",
       [](Json& d) {
         Set(d, kCollector,
             {{"source", {{"filter", {{"metricsFormat", {"(\\w+)(?=:)=(\\d+)"}}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.filter.metricsFormat[0]", "invalid filter"}}},
      {"FilterOneGroup",
       [](Json& d) {
         Set(d, kCollector,
             {{"source", {{"filter", {{"metricsFormat", {"(\\w+)=(\\d+)", "(\\w+)=\\d+"}}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.filter.metricsFormat[1]", "two capturing groups"}}},
      {"FilterNonCapturingGroups",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source", {{"filter", {{"metricsFormat", {"(?:\\w+)=(?:\\d+)"}}}}}}});
       },
       {{"spec.metricsCollectorSpec.source.filter.metricsFormat[0]", "two capturing groups"}}},
  };
}

INSTANTIATE_TEST_SUITE_P(MetadataAndCounts, RejectedTest,
                         ::testing::ValuesIn(MetadataAndCountCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(ObjectiveAndAlgorithm, RejectedTest,
                         ::testing::ValuesIn(ObjectiveAndAlgorithmCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(TrialTemplate, RejectedTest, ::testing::ValuesIn(TrialTemplateCases()),
                         CaseName);
INSTANTIATE_TEST_SUITE_P(Parameters, RejectedTest, ::testing::ValuesIn(ParameterCases()), CaseName);
INSTANTIATE_TEST_SUITE_P(MetricsCollector, RejectedTest,
                         ::testing::ValuesIn(MetricsCollectorCases()), CaseName);

// --- variations that stay valid: the rules above must not over-reach ---------------------------

class AcceptedTest : public ::testing::TestWithParam<RuleCase> {};

TEST_P(AcceptedTest, IsValid) {
  Json document = BaseDocument();
  GetParam().mutate(document);
  FieldErrors errors = Validate(document);
  EXPECT_TRUE(errors.empty()) << Describe(errors);
}

std::vector<RuleCase> AcceptedCases() {
  return {
      {"PriorityLow",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1priority", "low"); },
       {}},
      {"InfrastructureRetriesZero",
       [](Json& d) { Set(d, "/metadata/annotations/tuneup.dev~1infrastructure-retries", "0"); },
       {}},
      {"OtherAnnotationsAreLeftAlone",
       [](Json& d) { Set(d, "/metadata/annotations/example.com~1owner", "team-a"); },
       {}},
      {"NameOf40Characters",
       [](Json& d) { Set(d, "/metadata/name", "a" + std::string(38, '-') + "z"); },
       {}},
      {"NameOfOneLetter", [](Json& d) { Set(d, "/metadata/name", "a"); }, {}},
      {"NoCounts",
       [](Json& d) {
         Erase(d, "/spec/maxTrialCount");
         Erase(d, "/spec/maxFailedTrialCount");
         Set(d, "/spec/parallelTrialCount", 50);
       },
       {}},
      {"CountsAllEqual",
       [](Json& d) {
         Set(d, "/spec/maxTrialCount", 2);
         Set(d, "/spec/parallelTrialCount", 2);
         Set(d, "/spec/maxFailedTrialCount", 2);
       },
       {}},
      {"MaxFailedZero", [](Json& d) { Set(d, "/spec/maxFailedTrialCount", 0); }, {}},
      {"MaximizeWithoutGoal",
       [](Json& d) {
         Set(d, "/spec/objective/type", "maximize");
         Erase(d, "/spec/objective/goal");
       },
       {}},
      {"ExplicitStrategies",
       [](Json& d) {
         Set(d, "/spec/objective/metricStrategies",
             Json::array({{{"name", "loss"}, {"value", "latest"}},
                          {{"name", "accuracy"}, {"value", "max"}}}));
       },
       {}},
      {"EveryKatibAlgorithmName",
       [](Json& d) { Set(d, "/spec/algorithm/algorithmName", "multivariate-tpe"); },
       {}},
      {"EarlyStoppingMedianStop",
       [](Json& d) {
         Set(d, "/spec/earlyStopping", {{"algorithmName", "medianstop"}});
       },
       {}},
      {"ResumeLongRunning", [](Json& d) { Set(d, "/spec/resumePolicy", "LongRunning"); }, {}},
      {"ResumeFromVolume", [](Json& d) { Set(d, "/spec/resumePolicy", "FromVolume"); }, {}},
      {"MetadataReferences",
       [](Json& d) {
         Append(d, P(kTemplate, "/trialParameters"),
                {{"name", "trialName"}, {"reference", "${trialSpec.Name}"}});
         Append(d, P(kTemplate, "/trialParameters"),
                {{"name", "team"}, {"reference", "${trialSpec.Labels[team]}"}});
         Append(d, P(kTemplate, "/trialParameters"),
                {{"name", "owner"}, {"reference", "${trialSpec.Annotations[owner]}"}});
         Append(d, P(kContainer, "/args"), "--name=${trialParameters.trialName}");
         Append(d, P(kContainer, "/args"), "--team=${trialParameters.team}");
         Set(d, P(kContainer, "/env/0/value"), "${trialParameters.owner}");
       },
       {}},
      {"PlaceholderUsedTwice",
       [](Json& d) { Append(d, P(kContainer, "/args"), "--lr2=${trialParameters.learningRate}"); },
       {}},
      {"ConfigMapSource",
       [](Json& d) {
         Erase(d, kJob);
         Set(d, P(kTemplate, "/configMap"),
             {{"configMapName", "templates"},
              {"configMapNamespace", "kubeflow"},
              {"templatePath", "job.yaml"}});
         Set(d, P(kTemplate, "/successCondition"), "status.succeeded");
         Set(d, P(kTemplate, "/failureCondition"), "status.failed");
       },
       {}},
      {"KubeflowJobGetsDefaultConditions",
       [](Json& d) {
         Set(d, kJob,
             {{"apiVersion", "kubeflow.org/v1"},
              {"kind", "PyTorchJob"},
              {"spec",
               {{"args", {"${trialParameters.learningRate}", "${trialParameters.momentum}"}}}}});
       },
       {}},
      // Only batch/v1 Jobs are checked field by field: other kinds are custom resources.
      {"OtherKindIsNotCheckedAsJob",
       [](Json& d) {
         Set(d, P(kJob, "/apiVersion"), "batch/v2");
         Set(d, P(kContainer, "/comand"), Json::array({"python3"}));
         Set(d, P(kTemplate, "/successCondition"), "status.succeeded");
         Set(d, P(kTemplate, "/failureCondition"), "status.failed");
       },
       {}},
      {"JobWithEveryCommonField",
       [](Json& d) {
         Set(d, P(kJob, "/metadata"), {{"labels", {{"team", "ml"}}}});
         Set(d, P(kJob, "/spec/backoffLimit"), 0);
         Set(d, P(kJob, "/spec/template/metadata"), {{"annotations", {{"a", "b"}}}});
         Set(d, P(kPodSpec, "/volumes"), Json::array());
         Set(d, P(kContainer, "/workingDir"), "/work");
         Set(d, P(kContainer, "/resources"), {{"limits", {{"cpu", "1"}}}});
         Append(d, P(kContainer, "/env"),
                {{"name", "POD"}, {"valueFrom", {{"fieldRef", {{"fieldPath", "x"}}}}}});
       },
       {}},
      {"IntDiscreteCategorical",
       [](Json& d) {
         Set(d, "/spec/parameters/0/parameterType", "int");
         Set(d, "/spec/parameters/0/feasibleSpace", {{"min", "-3"}, {"max", "+7"}, {"step", "2"}});
         Set(d, "/spec/parameters/1/parameterType", "discrete");
         Set(d, "/spec/parameters/1/feasibleSpace", {{"list", {"0.5", "1e-3", "-2"}}});
       },
       {}},
      {"CategoricalWithDistribution",
       [](Json& d) {
         Set(d, "/spec/parameters/1/parameterType", "categorical");
         Set(d, "/spec/parameters/1/feasibleSpace",
             {{"list", {"sgd", "adam"}}, {"distribution", "uniform"}});
       },
       {}},
      {"MinEqualsMax", [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/max", "0.01"); }, {}},
      {"LogUniformPositive",
       [](Json& d) { Set(d, "/spec/parameters/0/feasibleSpace/distribution", "logUniform"); },
       {}},
      {"NormalMayBeNegative",
       [](Json& d) {
         Set(d, "/spec/parameters/1/feasibleSpace/min", "-1");
         Set(d, "/spec/parameters/1/feasibleSpace/distribution", "normal");
       },
       {}},
      {"FileCollectorDefaults",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "File"}}}});
       },
       {}},
      {"FileCollectorJson",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "File"}}},
              {"source", {{"fileSystemPath", {{"path", "/m.json"}, {"format", "JSON"}}}}}});
       },
       {}},
      {"TfEventDefaults",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "TensorFlowEvent"}}}});
       },
       {}},
      {"PrometheusDefaults",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "PrometheusMetric"}}}});
       },
       {}},
      {"PrometheusPortAsDigits",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "PrometheusMetric"}}},
              {"source", {{"httpGet", {{"port", "9090"}}}}}});
       },
       {}},
      {"CustomWithContainer",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector",
               {{"kind", "Custom"}, {"customCollector", {{"name", "c"}, {"image", "i"}}}}}});
       },
       {}},
      {"PushCollector",
       [](Json& d) {
         Set(d, kCollector, {{"collector", {{"kind", "Push"}}}});
       },
       {}},
      {"StdOutWithCustomFilter",
       [](Json& d) {
         Set(d, kCollector,
             {{"collector", {{"kind", "StdOut"}}},
              {"source", {{"filter", {{"metricsFormat", {katib::kDefaultMetricsFilter}}}}}}});
       },
       {}},
  };
}

INSTANTIATE_TEST_SUITE_P(Variations, AcceptedTest, ::testing::ValuesIn(AcceptedCases()), CaseName);

// --- every problem at once ----------------------------------------------------------------------

TEST(ValidationTest, ReportsEveryProblemAtOnce) {
  Json document = BaseDocument();
  Set(document, "/metadata/name", "Bad_Name");
  Set(document, "/spec/parallelTrialCount", 0);
  Set(document, "/spec/objective/type", "smallest");
  Set(document, "/spec/algorithm/algorithmName", "annealing");
  Set(document, "/spec/resumePolicy", "Sometimes");
  Set(document, P(kContainer, "/env/0/value"), 3);
  Set(document, "/spec/parameters/0/feasibleSpace/min", "0.5");
  Set(document, "/spec/parameters/1/feasibleSpace/step", "0");
  Set(document, kCollector, {{"collector", {{"kind", "Magic"}}}});
  ExpectExactly(Validate(document), {
                                        {"metadata.name", "invalid"},
                                        {"spec.parallelTrialCount", "greater than 0"},
                                        {"spec.objective.type", "invalid"},
                                        {"spec.algorithm.algorithmName", "unknown algorithm"},
                                        {"spec.resumePolicy", "invalid"},
                                        {P(kContainerPath, ".env[0].value"), "quote it"},
                                        {"spec.parameters[0].feasibleSpace.max", "min (0.5)"},
                                        {"spec.parameters[1].feasibleSpace.step", "greater than 0"},
                                        {"spec.metricsCollectorSpec.collector.kind", "invalid"},
                                    });
}

TEST(ValidationTest, ValidateParametersAloneReportsEveryParameter) {
  Json document = BaseDocument();
  Set(document, "/spec/parameters/0/feasibleSpace/min", "x");
  Set(document, "/spec/parameters/1/parameterType", "real");
  FieldErrors load_errors;
  Experiment experiment = ExperimentFromJson(document, load_errors);
  ASSERT_TRUE(load_errors.empty()) << Describe(load_errors);
  FieldErrors errors;
  ValidateParameters(experiment.spec, errors);
  ExpectExactly(errors, {{"spec.parameters[0].feasibleSpace.min", "not a finite number"},
                         {"spec.parameters[1].parameterType", "\"real\" is not supported"}});
}

TEST(ValidationTest, SearchSpaceLeavesOutBrokenParameters) {
  Json document = BaseDocument();
  Set(document, "/spec/parameters/0/feasibleSpace/step", "-1");
  FieldErrors load_errors;
  Experiment experiment = ExperimentFromJson(document, load_errors);
  ASSERT_TRUE(load_errors.empty());
  FieldErrors errors;
  SearchSpace space = SearchSpace::FromSpec(experiment.spec, errors);
  ASSERT_EQ(space.parameters().size(), 1u);
  EXPECT_EQ(space.parameters()[0].name, "momentum");
  EXPECT_THROW(SearchSpace::FromSpecOrThrow(experiment.spec), Error);
}

TEST(ValidationTest, KnownNameListsAreKatibsPlusOurs) {
  EXPECT_THAT(KnownAlgorithmNames(),
              ::testing::UnorderedElementsAre("random", "grid", "bayesianoptimization", "hyperband",
                                              "tpe", "multivariate-tpe", "cmaes", "sobol", "pbt",
                                              "enas", "darts", "asha"));
  EXPECT_TRUE(IsNasAlgorithm("enas"));
  EXPECT_TRUE(IsNasAlgorithm("darts"));
  EXPECT_FALSE(IsNasAlgorithm("random"));
  EXPECT_THAT(KnownEarlyStoppingNames(), ::testing::ElementsAre("medianstop", "successivehalving"));
}

// --- algorithm settings (suggestion/registry.h) -------------------------------------------------

// Validates `document` fully (it must pass the admission rules), then returns the settings errors
// of its algorithm.
FieldErrors SettingsErrors(const Json& document) {
  Experiment experiment = LoadValid(document);
  return AlgorithmRegistry::Default().ValidateSettings(experiment);
}

Json GridDocument() {
  Json document = BaseDocument();
  Set(document, "/spec/algorithm/algorithmName", "grid");
  // lr: 0.01, 0.02, 0.03; momentum: 0.5 ... 0.9 -> 3 x 5 = 15 points.
  Set(document, "/spec/parameters/0/feasibleSpace/step", "0.01");
  Set(document, "/spec/parameters/1/feasibleSpace/step", "0.1");
  return document;
}

TEST(AlgorithmSettingsTest, RandomAcceptsRandomState) {
  Json document = BaseDocument();
  Set(document, "/spec/algorithm/algorithmSettings",
      Json::array({{{"name", "random_state"}, {"value", "42"}}}));
  EXPECT_TRUE(SettingsErrors(document).empty());
}

TEST(AlgorithmSettingsTest, RandomRejectsUnknownSetting) {
  Json document = BaseDocument();
  Set(document, "/spec/algorithm/algorithmSettings",
      Json::array(
          {{{"name", "random_state"}, {"value", "1"}}, {{"name", "seed"}, {"value", "1"}}}));
  ExpectExactly(SettingsErrors(document), {{"spec.algorithm.algorithmSettings[1].name",
                                            "unknown setting \"seed\" for algorithm random"}});
}

TEST(AlgorithmSettingsTest, RandomStateMustBeANonNegativeInteger) {
  for (const char* value : {"abc", "-1", "1.5", ""}) {
    SCOPED_TRACE(value);
    Json document = BaseDocument();
    Set(document, "/spec/algorithm/algorithmSettings",
        Json::array({{{"name", "random_state"}, {"value", value}}}));
    ExpectExactly(SettingsErrors(document),
                  {{"spec.algorithm.algorithmSettings[0].value",
                    "random_state must be an integer >= 0, got \"" + std::string(value) + "\""}});
  }
}

TEST(AlgorithmSettingsTest, GridAcceptsStepsAndListsAndInts) {
  Json document = GridDocument();
  Append(document, "/spec/parameters",
         {{"name", "layers"},
          {"parameterType", "int"},
          {"feasibleSpace", {{"min", "1"}, {"max", "3"}}}});
  Append(document, "/spec/parameters",
         {{"name", "optimizer"},
          {"parameterType", "categorical"},
          {"feasibleSpace", {{"list", {"sgd", "adam"}}}}});
  Append(document, P(kTemplate, "/trialParameters"), {{"name", "layers"}, {"reference", "layers"}});
  Append(document, P(kTemplate, "/trialParameters"),
         {{"name", "optimizer"}, {"reference", "optimizer"}});
  Append(document, P(kContainer, "/args"), "--layers=${trialParameters.layers}");
  Append(document, P(kContainer, "/args"), "--optimizer=${trialParameters.optimizer}");
  Set(document, "/spec/maxTrialCount", 90);  // 3 x 5 x 3 x 2, the whole grid
  EXPECT_TRUE(SettingsErrors(document).empty());
}

TEST(AlgorithmSettingsTest, GridNeedsAStepOnEveryDouble) {
  Json document = GridDocument();
  Erase(document, "/spec/parameters/1/feasibleSpace/step");
  ExpectExactly(SettingsErrors(document),
                {{"spec.parameters[1].feasibleSpace.step", "grid needs a step"}});
}

TEST(AlgorithmSettingsTest, GridMaxTrialCountAboveGridSize) {
  Json document = GridDocument();
  Set(document, "/spec/maxTrialCount", 15);
  EXPECT_TRUE(SettingsErrors(document).empty());
  Set(document, "/spec/maxTrialCount", 16);
  ExpectExactly(SettingsErrors(document),
                {{"spec.maxTrialCount", "(16) is more than the 15 points of the grid"}});
}

TEST(AlgorithmSettingsTest, GridRejectsUnknownSettingAndBadRandomState) {
  Json document = GridDocument();
  Set(document, "/spec/algorithm/algorithmSettings",
      Json::array(
          {{{"name", "random_state"}, {"value", "-1"}}, {{"name", "step"}, {"value", "1"}}}));
  ExpectExactly(SettingsErrors(document),
                {{"spec.algorithm.algorithmSettings[0].value", "random_state must be an integer"},
                 {"spec.algorithm.algorithmSettings[1].name", "unknown setting \"step\""}});
}

TEST(AlgorithmSettingsTest, AlgorithmsTuneupDoesNotRunAreNotChecked) {
  Json document = BaseDocument();
  Set(document, "/spec/algorithm/algorithmName", "tpe");
  Set(document, "/spec/algorithm/algorithmSettings",
      Json::array({{{"name", "n_startup_trials"}, {"value", "5"}}}));
  EXPECT_TRUE(SettingsErrors(document).empty());
}

}  // namespace
}  // namespace tuneup
