// Naming what differs between a stored experiment and a manifest.
#include "api/experiment_diff.h"

#include <gtest/gtest.h>

namespace tuneup {
namespace {

Experiment Base() {
  Experiment e;
  e.api_version = "kubeflow.org/v1beta1";
  e.kind = "Experiment";
  e.metadata.name = "x";
  e.spec.max_trial_count = 12;
  e.spec.parameters = {{"lr", "double", {"0.1", "0.01", {}, "", "uniform"}}};
  return e;
}

TEST(ExperimentDiffTest, EqualExperimentsHaveNoDifferences) {
  EXPECT_TRUE(DiffExperiments(Base(), Base()).empty());
}

TEST(ExperimentDiffTest, NamesEachDifferingFieldWithBothValues) {
  Experiment changed = Base();
  changed.spec.max_trial_count = 20;
  changed.spec.parameters[0].feasible_space.max = "0.2";
  changed.spec.parallel_trial_count = 4;
  auto lines = DiffExperiments(Base(), changed);
  ASSERT_EQ(lines.size(), 3u);
  EXPECT_EQ(lines[0], "spec.maxTrialCount: 12 -> 20");
  EXPECT_EQ(lines[1], "spec.parallelTrialCount: (unset) -> 4");
  EXPECT_EQ(lines[2], "spec.parameters[0].feasibleSpace.max: \"0.1\" -> \"0.2\"");
}

TEST(ExperimentDiffTest, ServerSideMetadataIsIgnored) {
  Experiment changed = Base();
  changed.metadata.other["uid"] = "1234";
  changed.metadata.other["resourceVersion"] = "7";
  EXPECT_TRUE(DiffExperiments(Base(), changed).empty());
  changed.metadata.annotations["tuneup.dev/cv-folds"] = "5";
  EXPECT_EQ(DiffExperiments(Base(), changed).size(), 1u);
}

TEST(ExperimentDiffTest, ListsOfDifferentLengthAreOneDifferenceAndTheLimitHolds) {
  Experiment changed = Base();
  changed.spec.parameters.push_back({"m", "double", {"1", "0", {}, "", "uniform"}});
  auto lines = DiffExperiments(Base(), changed);
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0].rfind("spec.parameters: ", 0), 0u) << lines[0];
  Experiment labelled = Base();
  labelled.metadata.labels["team"] = "a";
  Experiment relabelled = labelled;
  for (int i = 0; i < 30; ++i)
    relabelled.metadata.labels["l" + std::to_string(i)] = "v";
  EXPECT_EQ(DiffExperiments(labelled, relabelled).size(), 20u) << "the default limit";
  EXPECT_EQ(DiffExperiments(labelled, relabelled, 5).size(), 5u);
}

}  // namespace
}  // namespace tuneup
