// Rendering a trial's job from the trial template: placeholders, metadata, $(VAR), argv.
#include "controller/trial_job.h"

#include <map>
#include <string>

#include <gtest/gtest.h>

#include "api/manifest.h"
#include "common/error.h"
#include "controller/manifest_check.h"

namespace tuneup {
namespace {

Experiment Load(const std::string& containers_yaml, const std::string& extra_parameters = "",
                const std::string& job_metadata = "") {
  std::string yaml = R"y(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: render
  namespace: team-a
spec:
  objective: {type: minimize, objectiveMetricName: loss}
  algorithm: {algorithmName: random}
  parameters:
    - name: lr
      parameterType: double
      feasibleSpace: {min: "0.01", max: "0.1"}
    - name: opt
      parameterType: categorical
      feasibleSpace: {list: ["sgd", "adam"]}
  trialTemplate:
    primaryContainerName: main
    trialParameters:
      - {name: learningRate, reference: lr}
      - {name: optimizer, reference: opt}
)y" + extra_parameters +
                     R"y(    trialSpec:
      apiVersion: batch/v1
      kind: Job
)y" + job_metadata + R"y(      spec:
        template:
          spec:
            containers:
)y" + containers_yaml;
  auto loaded = LoadManifestText(yaml, "render.yaml", "/manifests");
  ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
  EXPECT_TRUE(check.errors.empty()) << check.errors.at(0).ToString();
  return check.experiment;
}

TrialJob Render(const Experiment& experiment, const Assignment& assignment,
                const std::string& trial = "render-0001") {
  RenderRequest request{&experiment, trial, &assignment, "/work/trials/" + trial, "/manifests"};
  return RenderTrialJob(request);
}

std::map<std::string, std::string> EnvOf(const TrialJob& job) {
  return {job.env.begin(), job.env.end()};
}

const std::string kBasicContainer = R"y(              - name: main
                image: python:3.11
                command: ["python3", "train.py"]
                args: ["--lr=${trialParameters.learningRate}", "--opt", "${trialParameters.optimizer}"]
)y";

TEST(TrialJobTest, SubstitutesParametersIntoSeparateArgvElements) {
  Experiment experiment = Load(kBasicContainer);
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", "adam"}});
  EXPECT_EQ(job.argv,
            (std::vector<std::string>{"python3", "train.py", "--lr=0.05", "--opt", "adam"}));
  EXPECT_EQ(job.image, "python:3.11");
  EXPECT_EQ(job.trial, "render-0001");
  EXPECT_EQ(job.experiment, "render");
  EXPECT_EQ(job.working_dir, "/work/trials/render-0001");
}

TEST(TrialJobTest, ShellMetacharactersStayOneLiteralArgument) {
  Experiment experiment = Load(kBasicContainer);
  const std::string hostile = "$(touch /tmp/x); rm -rf ~ `id` && echo ${HOME} | cat > /etc/x 'q\"";
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", hostile}});
  ASSERT_EQ(job.argv.size(), 5u);
  EXPECT_EQ(job.argv[4], hostile);
}

TEST(TrialJobTest, SubstitutedValuesAreNeverSubstitutedAgain) {
  Experiment experiment = Load(kBasicContainer);
  // A value that looks like another placeholder must reach the trial as written.
  TrialJob job = Render(experiment, {{"lr", "${trialParameters.optimizer}"}, {"opt", "adam"}});
  EXPECT_EQ(job.argv[2], "--lr=${trialParameters.optimizer}");
}

TEST(TrialJobTest, TrialMetadataReferences) {
  Experiment experiment = Load(R"y(              - name: main
                image: x
                command: ["run", "${trialParameters.learningRate}", "${trialParameters.optimizer}", "${trialParameters.name}", "${trialParameters.ns}", "${trialParameters.kind}", "${trialParameters.team}"]
)y",
                               R"y(      - {name: name, reference: "${trialSpec.Name}"}
      - {name: ns, reference: "${trialSpec.Namespace}"}
      - {name: kind, reference: "${trialSpec.Kind}"}
      - {name: team, reference: "${trialSpec.Labels[team]}"}
)y",
                               R"y(      metadata:
        labels:
          team: vision
)y");
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", "sgd"}}, "render-0007");
  EXPECT_EQ(job.argv, (std::vector<std::string>{"run", "0.05", "sgd", "render-0007", "team-a",
                                                "Job", "vision"}));
  EXPECT_EQ(job.rendered_spec["metadata"]["name"], "render-0007");
  EXPECT_EQ(job.rendered_spec["metadata"]["namespace"], "team-a");
}

TEST(TrialJobTest, MissingLabelIsAnError) {
  Experiment experiment = Load(R"y(              - name: main
                image: x
                command: ["run", "${trialParameters.learningRate}", "${trialParameters.optimizer}", "${trialParameters.team}"]
)y",
                               R"y(      - {name: team, reference: "${trialSpec.Labels[team]}"}
)y");
  try {
    Render(experiment, {{"lr", "0.05"}, {"opt", "sgd"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Labels[team]"), std::string::npos) << e.what();
  }
}

TEST(TrialJobTest, MissingAssignmentIsAnError) {
  Experiment experiment = Load(kBasicContainer);
  try {
    Render(experiment, {{"lr", "0.05"}});
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    EXPECT_NE(std::string(e.what()).find("opt"), std::string::npos) << e.what();
  }
}

TEST(TrialJobTest, EnvValuesAreSubstitutedAndTuneupVariablesAdded) {
  Experiment experiment = Load(R"y(              - name: main
                image: x
                command: ["run", "${trialParameters.optimizer}"]
                env:
                  - {name: LR, value: "${trialParameters.learningRate}"}
                  - {name: PLAIN, value: "x y"}
)y");
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", "sgd"}});
  auto value_of = [&](const std::string& name) -> std::string {
    std::string found = "(unset)y";
    for (const auto& [key, value] : job.env) {
      if (key == name) found = value;
    }
    return found;
  };
  EXPECT_EQ(value_of("LR"), "0.05");
  EXPECT_EQ(value_of("PLAIN"), "x y");
  EXPECT_EQ(value_of("TUNEUP_TRIAL_DIR"), "/work/trials/render-0001");
  EXPECT_EQ(value_of("TUNEUP_TRIAL_NAME"), "render-0001");
  EXPECT_EQ(value_of("TUNEUP_EXPERIMENT_NAME"), "render");
  EXPECT_EQ(value_of("KATIB_TRIAL_NAME"), "render-0001");
  EXPECT_EQ(value_of("PYTHONUNBUFFERED"), "1");
  // Checkpoint variables only when the request sets them.
  EXPECT_EQ(value_of("TUNEUP_CHECKPOINT_DIR"), "(unset)y");
  EXPECT_EQ(value_of("TUNEUP_RESUME_FROM"), "(unset)y");
}

TEST(TrialJobTest, CheckpointVariablesComeFromTheRequest) {
  Experiment experiment = Load(kBasicContainer);
  Assignment assignment = {{"lr", "0.05"}, {"opt", "sgd"}};
  RenderRequest request{&experiment,  "render-0002",
                        &assignment,  "/work/trials/render-0002",
                        "/manifests", "/work/trials/render-0002/checkpoint",
                        "render-0001"};
  std::map<std::string, std::string> env = EnvOf(RenderTrialJob(request));
  EXPECT_EQ(env.at("TUNEUP_CHECKPOINT_DIR"), "/work/trials/render-0002/checkpoint");
  EXPECT_EQ(env.at("TUNEUP_RESUME_FROM"), "render-0001");
}

TEST(TrialJobTest, ReportingVariablesComeFromTheRequest) {
  Experiment experiment = Load(kBasicContainer);
  Assignment assignment = {{"lr", "0.05"}, {"opt", "sgd"}};
  RenderRequest request{&experiment, "render-0001", &assignment, "/work/trials/render-0001",
                        "/manifests"};
  std::map<std::string, std::string> plain = EnvOf(RenderTrialJob(request));
  EXPECT_FALSE(plain.count("TUNEUP_DB"));
  EXPECT_FALSE(plain.count("TUNEUP_MAX_OBSERVATIONS"));
  EXPECT_FALSE(plain.count("TUNEUP_BINARY"));
  request.store = "/work/tuneup.db";
  request.max_observations = 500;
  request.tuneup_binary = "/opt/tuneup/bin/tuneup";
  std::map<std::string, std::string> env = EnvOf(RenderTrialJob(request));
  EXPECT_EQ(env.at("TUNEUP_DB"), "/work/tuneup.db");
  EXPECT_EQ(env.at("TUNEUP_BINARY"), "/opt/tuneup/bin/tuneup");
  EXPECT_EQ(env.at("TUNEUP_MAX_OBSERVATIONS"), "500");
}

TEST(TrialJobTest, CustomCollectorJobRunsBesideTheTrial) {
  Experiment experiment = Load(kBasicContainer);
  Assignment assignment = {{"lr", "0.05"}, {"opt", "sgd"}};
  RenderRequest request{&experiment, "render-0001", &assignment, "/work/trials/render-0001",
                        "/manifests"};
  request.store = "/work/tuneup.db";
  Json container = Json::parse(R"j({
    "name": "collector", "image": "ghcr.io/x/collector:latest",
    "command": ["python3", "collect.py"],
    "args": ["-m", "$(METRIC)", "--lr=${trialParameters.learningRate}", "$$(METRIC)"],
    "env": [{"name": "METRIC", "value": "loss"}]
  })j");
  TrialJob job = RenderCustomCollectorJob(request, container);
  EXPECT_EQ(job.trial, "render-0001/custom-collector");
  EXPECT_EQ(job.trial_dir, "/work/trials/render-0001/custom-collector");
  EXPECT_EQ(job.working_dir, "/work/trials/render-0001");
  EXPECT_EQ(job.image, "ghcr.io/x/collector:latest");
  // $(VAR) expands as in a pod; trial parameters belong to the trial template only.
  EXPECT_EQ(job.argv,
            (std::vector<std::string>{"python3", "collect.py", "-m", "loss",
                                      "--lr=${trialParameters.learningRate}", "$(METRIC)"}));
  std::map<std::string, std::string> env = EnvOf(job);
  EXPECT_EQ(env.at("KATIB_TRIAL_NAME"), "render-0001");
  EXPECT_EQ(env.at("TUNEUP_TRIAL_DIR"), "/work/trials/render-0001");
  EXPECT_EQ(env.at("TUNEUP_DB"), "/work/tuneup.db");
  EXPECT_EQ(env.at("METRIC"), "loss");

  container.erase("command");
  container.erase("args");
  EXPECT_THROW(RenderCustomCollectorJob(request, container), Error);
}

TEST(TrialJobTest, KubernetesVariableReferencesExpandButNotInsideValues) {
  Experiment experiment = Load(R"y(              - name: main
                image: x
                command: ["run", "$(SCRIPT)", "--opt=${trialParameters.optimizer}", "$$(SCRIPT)", "$(UNDEFINED)"]
                env:
                  - {name: BASE, value: "/opt/model"}
                  - {name: SCRIPT, value: "$(BASE)/train.py"}
                  - {name: LR, value: "${trialParameters.learningRate}"}
)y");
  // A parameter value that looks like $(VAR) is not expanded: it is data, not template.
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", "$(BASE)"}});
  EXPECT_EQ(job.argv, (std::vector<std::string>{"run", "/opt/model/train.py", "--opt=$(BASE)",
                                                "$(SCRIPT)", "$(UNDEFINED)"}));
}

TEST(TrialJobTest, WorkingDirectoryResolution) {
  auto with_dir = [](const std::string& dir) {
    return R"y(              - name: main
                image: x
                workingDir: ")y" +
           dir + R"y("
                command: ["run", "${trialParameters.learningRate}", "${trialParameters.optimizer}"]
)y";
  };
  Assignment assignment{{"lr", "0.05"}, {"opt", "sgd"}};
  EXPECT_EQ(Render(Load(with_dir(".")), assignment).working_dir, "/manifests");
  EXPECT_EQ(Render(Load(with_dir("sub/dir/")), assignment).working_dir, "/manifests/sub/dir");
  EXPECT_EQ(Render(Load(with_dir("../up")), assignment).working_dir, "/up");
  EXPECT_EQ(Render(Load(with_dir("/abs/path")), assignment).working_dir, "/abs/path");
}

TEST(TrialJobTest, OnlyThePrimaryContainerRuns) {
  Experiment experiment = Load(R"y(              - name: sidecar
                image: x
                command: ["sidecar"]
              - name: main
                image: y
                command: ["main", "${trialParameters.learningRate}", "${trialParameters.optimizer}"]
)y");
  TrialJob job = Render(experiment, {{"lr", "0.05"}, {"opt", "sgd"}});
  EXPECT_EQ(job.argv.at(0), "main");
  EXPECT_EQ(job.image, "y");
}

TEST(TrialJobTest, ResourcesAreThePrimaryContainersWithParametersSubstituted) {
  Experiment experiment = Load(R"y(              - name: sidecar
                image: x
                command: ["sidecar"]
                resources: {limits: {cpu: "8"}}
              - name: main
                image: y
                command: ["main", "${trialParameters.learningRate}", "${trialParameters.optimizer}"]
                resources:
                  requests: {memory: 1Gi}
                  limits: {cpu: "${trialParameters.learningRate}"}
)y");
  TrialJob job = Render(experiment, {{"lr", "2"}, {"opt", "sgd"}});
  EXPECT_EQ(job.resources,
            Json::parse(R"({"requests": {"memory": "1Gi"}, "limits": {"cpu": "2"}})"));
  Experiment without = Load(R"y(              - name: main
                image: y
                command: ["main", "${trialParameters.learningRate}", "${trialParameters.optimizer}"]
)y");
  EXPECT_TRUE(Render(without, {{"lr", "2"}, {"opt", "sgd"}}).resources.is_null());
}

}  // namespace
}  // namespace tuneup
