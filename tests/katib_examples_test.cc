// Katib's own example Experiments (tests/data/katib-examples, unchanged from upstream) through
// CheckManifestFile: each must get a clean, precise answer. Valid ones are valid, the ones tuneup
// cannot run say which field stops them, and the ones Katib itself rejects are rejected for
// Katib's reason. Never an exception, never a vague message.
//
// The table below is the expectation for every file. The test walks the directory, so a file
// added to it without an expectation fails until its row is written.
#include <algorithm>
#include <cctype>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "controller/manifest_check.h"
#include "suggestion/registry.h"

namespace tuneup {
namespace {

using ::testing::ElementsAre;
using ::testing::ElementsAreArray;
using ::testing::IsEmpty;

constexpr size_t kExampleCount = 25;

enum class Verdict {
  kRunnable,     // valid, and tuneup runs it here as it is
  kUnsupported,  // valid, but `fields` keep it from running here
  kInvalid,      // rejected: `fields` name the errors
};

struct Expectation {
  Verdict verdict;
  // The field paths of ManifestCheck::unsupported (kUnsupported) or ::errors (kInvalid), in the
  // order they are reported.
  std::vector<std::string> fields;
};

constexpr const char* kAlgorithm = "spec.algorithm.algorithmName";
constexpr const char* kTrialKind = "spec.trialTemplate.trialSpec.kind";
constexpr const char* kNasConfig = "spec.nasConfig";

const std::map<std::string, Expectation>& Expectations() {
  static const auto* expectations = new std::map<std::string, Expectation>{
      // Trials are Argo Workflows: they need a cluster.
      {"argo__argo-workflow.yaml", {Verdict::kUnsupported, {kTrialKind}}},
      {"early-stopping__median-stop.yaml", {Verdict::kRunnable, {}}},
      // A batch/v1 Job with a command and random search: nothing the manifest check defers.
      {"fpga__xgboost-example.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__bayesian-optimization.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__cma-es.yaml", {Verdict::kUnsupported, {kAlgorithm}}},
      {"hp-tuning__grid.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__hyperband.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__hyperopt-distribution.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__multivariate-tpe.yaml", {Verdict::kUnsupported, {kAlgorithm}}},
      {"hp-tuning__random.yaml", {Verdict::kRunnable, {}}},
      // Upstream sets maxFailedTrialCount: 3 with maxTrialCount: 2, which Katib's own webhook
      // rejects ("should be less than or equal to spec.maxTrialCount"); Katib's e2e run overrides
      // both counts before submitting it. tuneup applies the same rule.
      {"hp-tuning__simple-pbt.yaml", {Verdict::kInvalid, {"spec.maxFailedTrialCount"}}},
      {"hp-tuning__sobol.yaml", {Verdict::kRunnable, {}}},
      {"hp-tuning__tpe.yaml", {Verdict::kUnsupported, {kAlgorithm}}},
      {"kubeflow-training-operator__mpijob-horovod.yaml", {Verdict::kUnsupported, {kTrialKind}}},
      {"kubeflow-training-operator__pytorchjob-mnist.yaml", {Verdict::kUnsupported, {kTrialKind}}},
      {"kubeflow-training-operator__tfjob-mnist-with-summaries.yaml",
       {Verdict::kUnsupported, {kTrialKind}}},
      {"kubeflow-training-operator__xgboostjob-lightgbm.yaml",
       {Verdict::kUnsupported, {kTrialKind}}},
      // Katib's custom collector is an image without a command, with an env value from the pod.
      {"metrics-collector__custom-metrics-collector.yaml",
       {Verdict::kUnsupported,
        {"spec.metricsCollectorSpec.collector.customCollector.command",
         "spec.metricsCollectorSpec.collector.customCollector.env[0].valueFrom"}}},
      {"metrics-collector__file-metrics-collector-with-json-format.yaml", {Verdict::kRunnable, {}}},
      {"metrics-collector__file-metrics-collector.yaml", {Verdict::kRunnable, {}}},
      // Neural architecture search: never run by tuneup, so invalid, naming both the algorithm
      // and the nasConfig.
      {"nas__darts-cpu.yaml", {Verdict::kInvalid, {kAlgorithm, kNasConfig}}},
      {"nas__darts-gpu.yaml", {Verdict::kInvalid, {kAlgorithm, kNasConfig}}},
      {"nas__enas-cpu.yaml", {Verdict::kInvalid, {kAlgorithm, kNasConfig}}},
      {"resume-experiment__long-running-resume.yaml", {Verdict::kRunnable, {}}},
      {"trial-template__trial-configmap-source.yaml",
       {Verdict::kUnsupported, {kAlgorithm, "spec.trialTemplate.configMap"}}},
  };
  return *expectations;
}

// Every *.yaml file of the examples directory, by file name, sorted.
std::vector<std::string> ExampleFiles() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(KATIB_EXAMPLES_DIR)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yaml") {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::string Describe(const FieldErrors& errors) {
  std::string out;
  for (const auto& error : errors) {
    out += "\n  " + error.ToString();
  }
  return out.empty() ? "\n  (none)" : out;
}

std::vector<std::string> Paths(const FieldErrors& errors) {
  std::vector<std::string> paths;
  for (const auto& error : errors) {
    paths.push_back(error.path);
  }
  return paths;
}

TEST(KatibExamplesTest, DirectoryHoldsTheExpectedFiles) {
  std::vector<std::string> files = ExampleFiles();
  EXPECT_EQ(files.size(), kExampleCount);
  std::vector<std::string> expected;
  for (const auto& [name, expectation] : Expectations()) {
    expected.push_back(name);
  }
  EXPECT_THAT(files, ElementsAreArray(expected));
}

class KatibExampleTest : public ::testing::TestWithParam<std::string> {};

TEST_P(KatibExampleTest, GetsACleanAnswer) {
  const std::string& name = GetParam();
  auto found = Expectations().find(name);
  ASSERT_NE(found, Expectations().end()) << name << " has no row in the expectation table";
  const Expectation& expectation = found->second;

  std::string path = (std::filesystem::path(KATIB_EXAMPLES_DIR) / name).string();
  std::vector<ManifestCheck> checks;
  ASSERT_NO_THROW(checks = CheckManifestFile(path, AlgorithmRegistry::Default()));
  ASSERT_EQ(checks.size(), 1u);
  const ManifestCheck& check = checks[0];
  EXPECT_EQ(check.source, path);

  switch (expectation.verdict) {
    case Verdict::kRunnable:
      EXPECT_TRUE(check.runnable())
          << "errors:" << Describe(check.errors) << "\nunsupported:" << Describe(check.unsupported);
      // Runnable means the algorithm can really be created for it.
      EXPECT_NO_THROW(AlgorithmRegistry::Default().Create(check.experiment));
      // Only Katib's Hyperband example is suspicious: r_l 2 for a resource fixed at [1, 1].
      if (name == "hp-tuning__hyperband.yaml") {
        EXPECT_THAT(Paths(check.warnings), ElementsAre("spec.algorithm.algorithmSettings"));
      } else {
        EXPECT_TRUE(check.warnings.empty()) << Describe(check.warnings);
      }
      break;
    case Verdict::kUnsupported:
      EXPECT_TRUE(check.valid()) << Describe(check.errors);
      EXPECT_FALSE(check.runnable());
      EXPECT_THAT(Paths(check.unsupported), ElementsAreArray(expectation.fields))
          << Describe(check.unsupported);
      break;
    case Verdict::kInvalid:
      EXPECT_FALSE(check.valid());
      EXPECT_THAT(Paths(check.errors), ElementsAreArray(expectation.fields))
          << Describe(check.errors);
      // An invalid manifest is not also judged for what could run it.
      EXPECT_THAT(check.unsupported, IsEmpty());
      break;
  }
  // Every message says something beyond its path.
  for (const FieldErrors* list : {&check.errors, &check.unsupported}) {
    for (const auto& error : *list) {
      EXPECT_GE(error.message.size(), 20u) << error.ToString();
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Examples, KatibExampleTest, ::testing::ValuesIn(ExampleFiles()),
                         [](const ::testing::TestParamInfo<std::string>& info) {
                           std::string name = info.param.substr(0, info.param.rfind('.'));
                           for (char& c : name) {
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           }
                           return name;
                         });

// --- what the messages say, for the cases a user meets first ------------------------------------

ManifestCheck Check(const std::string& name) {
  std::vector<ManifestCheck> checks = CheckManifestFile(
      (std::filesystem::path(KATIB_EXAMPLES_DIR) / name).string(), AlgorithmRegistry::Default());
  EXPECT_EQ(checks.size(), 1u);
  return checks.empty() ? ManifestCheck{} : checks[0];
}

TEST(KatibExamplesTest, NasIsRejectedAsNas) {
  ManifestCheck check = Check("nas__enas-cpu.yaml");
  ASSERT_EQ(check.errors.size(), 2u) << Describe(check.errors);
  EXPECT_THAT(check.errors[0].message, ::testing::HasSubstr("neural architecture search"));
  EXPECT_THAT(check.errors[1].message, ::testing::HasSubstr("neural architecture search"));
}

TEST(KatibExamplesTest, UnsupportedAlgorithmNamesItAndWhatRuns) {
  ManifestCheck check = Check("hp-tuning__tpe.yaml");
  ASSERT_EQ(check.unsupported.size(), 1u);
  EXPECT_THAT(check.unsupported[0].message, ::testing::HasSubstr("\"tpe\""));
  EXPECT_THAT(check.unsupported[0].message,
              ::testing::HasSubstr("bayesianoptimization, grid, hyperband, random, sobol"));
}

TEST(KatibExamplesTest, KubernetesTrialKindNamesTheKind) {
  ManifestCheck check = Check("kubeflow-training-operator__pytorchjob-mnist.yaml");
  ASSERT_EQ(check.unsupported.size(), 1u);
  EXPECT_THAT(check.unsupported[0].message, ::testing::HasSubstr("kubeflow.org/v1 PyTorchJob"));
  // Katib's defaults for a Kubeflow job were applied before checking.
  EXPECT_EQ(
      check.experiment.spec.trial_template->primary_pod_labels.at("training.kubeflow.org/job-role"),
      "master");
}

TEST(KatibExamplesTest, SimplePbtIsRejectedForItsCounts) {
  ManifestCheck check = Check("hp-tuning__simple-pbt.yaml");
  ASSERT_EQ(check.errors.size(), 1u) << Describe(check.errors);
  EXPECT_EQ(check.errors[0].ToString(),
            "spec.maxFailedTrialCount: is 3; must be less than or equal to spec.maxTrialCount (2)");
}

TEST(KatibExamplesTest, RunnableExamplesAreDefaulted) {
  for (const char* name : {"hp-tuning__random.yaml", "hp-tuning__grid.yaml",
                           "hp-tuning__hyperopt-distribution.yaml"}) {
    SCOPED_TRACE(name);
    ManifestCheck check = Check(name);
    EXPECT_TRUE(check.runnable()) << Describe(check.errors) << Describe(check.unsupported);
    EXPECT_EQ(check.experiment.spec.resume_policy, "Never");
    EXPECT_EQ(check.experiment.spec.metrics_collector_spec->collector->kind, "StdOut");
    EXPECT_FALSE(check.experiment.spec.trial_template->success_condition.empty());
    for (const auto& parameter : check.experiment.spec.parameters) {
      EXPECT_FALSE(parameter.feasible_space.distribution.empty()) << parameter.name;
    }
  }
}

}  // namespace
}  // namespace tuneup
