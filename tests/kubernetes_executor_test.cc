// The Kubernetes executor against a fake API server (tests/support/fake_kube_api.h) on the same
// event loop: the Job manifest field by field, status transitions, logs, eviction and preemption,
// deletion on Kill, Adopt, authentication and TLS, API errors and retries, watches.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/kubernetes_executor.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>

#include <boost/asio/io_context.hpp>

#include "api/manifest.h"
#include "common/error.h"
#include "controller/kube_client.h"
#include "controller/manifest_check.h"
#include "controller/trial_job.h"
#include "tests/support/fake_kube_api.h"
#include "tests/support/run_until.h"

namespace tuneup {
namespace {

using namespace std::chrono_literals;
using testing::FakeKubeApi;
using testing::FakeKubeOptions;
using testing::RunUntil;

constexpr const char* kNs = "team-a";

Experiment LoadExperiment() {
  std::string yaml = R"y(apiVersion: kubeflow.org/v1beta1
kind: Experiment
metadata:
  name: kexp
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
    trialSpec:
      apiVersion: batch/v1
      kind: Job
      metadata:
        labels: {team: vision}
        annotations: {note: kept}
      spec:
        template:
          spec:
            containers:
              - name: sidecar
                image: busybox
                command: [sleep, "3600"]
              - name: main
                image: registry.example/train:1.2
                command: [python3, train.py]
                args: ["--lr=${trialParameters.learningRate}", "--opt", "${trialParameters.optimizer}", "$(MODE)"]
                env:
                  - {name: MODE, value: fast}
                  - {name: OPT, value: "${trialParameters.optimizer}"}
)y";
  auto loaded = LoadManifestText(yaml, "k.yaml", "/manifests");
  ManifestCheck check = CheckExperiment(std::move(loaded.at(0)), AlgorithmRegistry::Default());
  EXPECT_TRUE(check.errors.empty()) << check.errors.at(0).ToString();
  return check.experiment;
}

// A value a shell would act on, which must reach the container literally.
const std::string kNastyValue = "sgd; rm -rf ~ $(touch /tmp/x) `id` \"'*";

TrialJob RenderJob(const std::string& trial = "kexp-0001", int attempt = 0,
                   Priority priority = Priority::kNormal) {
  static const Experiment experiment = LoadExperiment();
  Assignment assignment = {{"lr", "0.05"}, {"opt", kNastyValue}};
  RenderRequest request{&experiment, trial, &assignment, "/work/trials/" + trial, "/manifests"};
  TrialJob job = RenderTrialJob(request);
  job.attempt = attempt;
  job.priority = priority;
  return job;
}

struct Capture {
  std::string out;
  std::optional<JobResult> result;
  int exits = 0;
  std::optional<std::string> identity;
};

JobCallbacks CallbacksFor(Capture& capture) {
  return JobCallbacks{[&capture](OutputStream stream, std::string_view bytes) {
                        EXPECT_EQ(stream, OutputStream::kStdout);
                        EXPECT_FALSE(capture.result) << "output after exit";
                        capture.out.append(bytes);
                      },
                      [&capture](const JobResult& result) {
                        ++capture.exits;
                        capture.result = result;
                      }};
}

KubeConfig ConfigFor(const FakeKubeApi& api, const std::string& token = "") {
  KubeConfig config;
  SetServer(config, api.url(), "test");
  config.token = token;
  config.source = "test";
  return config;
}

class KubernetesExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    api_ = std::make_unique<FakeKubeApi>(io_, fake_options_);
    KubernetesOptions options;
    options.log_drain_timeout = 2s;
    options.log_retry_delay = 50ms;
    options_ = options;
  }

  KubernetesExecutor& Executor() {
    if (!executor_)
      executor_ = std::make_unique<KubernetesExecutor>(io_, options_, ConfigFor(*api_));
    return *executor_;
  }

  bool Until(const std::function<bool()>& done, std::chrono::milliseconds limit = 5s) {
    return RunUntil(io_, done, limit);
  }

  // Launches, waits for the Job and its pod, returns the pod's name.
  std::string LaunchAndWaitForPod(Capture& capture, const TrialJob& job) {
    Executor().Launch(job, CallbacksFor(capture));
    const std::string name = KubernetesJobName(job.trial, job.attempt);
    EXPECT_TRUE(Until([&] { return !api_->PodsOf(kNs, name).empty() || capture.result; }));
    return api_->PodsOf(kNs, name).empty() ? "" : api_->PodsOf(kNs, name).front();
  }

  Json CreatedJob(size_t index = 0) {
    auto posts = api_->RequestsTo("POST", "/apis/batch/v1/namespaces/team-a/jobs");
    EXPECT_GT(posts.size(), index);
    return posts.size() > index ? Json::parse(posts[index].body) : Json();
  }

  boost::asio::io_context io_;
  FakeKubeOptions fake_options_;
  std::unique_ptr<FakeKubeApi> api_;
  KubernetesOptions options_;
  std::unique_ptr<KubernetesExecutor> executor_;
};

TEST_F(KubernetesExecutorTest, JobManifestIsTheRenderedTrialSpecWithKatibLabels) {
  api_->AddPriorityClass("tuneup-low");
  Capture capture;
  TrialJob job = RenderJob("kexp-0001", 0, Priority::kLow);
  LaunchAndWaitForPod(capture, job);
  Json sent = CreatedJob();
  EXPECT_EQ(sent["apiVersion"], "batch/v1");
  EXPECT_EQ(sent["kind"], "Job");
  EXPECT_EQ(sent["metadata"]["name"], "kexp-0001");
  EXPECT_EQ(sent["metadata"]["namespace"], "team-a");
  const Json labels = sent["metadata"]["labels"];
  EXPECT_EQ(labels, (Json{{"team", "vision"},
                          {"katib.kubeflow.org/experiment", "kexp"},
                          {"katib.kubeflow.org/trial", "kexp-0001"},
                          {"tuneup.dev/attempt", "0"}}));
  EXPECT_EQ(sent["metadata"]["annotations"]["note"], "kept");
  EXPECT_EQ(sent["metadata"]["annotations"][kLaunchIdAnnotation].get<std::string>().size(), 32u);
  EXPECT_FALSE(sent["metadata"].contains("ownerReferences"));
  EXPECT_EQ(sent["spec"]["backoffLimit"], 0);
  const Json pod_template = sent["spec"]["template"];
  EXPECT_EQ(pod_template["metadata"]["labels"], (Json{{"katib.kubeflow.org/experiment", "kexp"},
                                                      {"katib.kubeflow.org/trial", "kexp-0001"},
                                                      {"tuneup.dev/attempt", "0"}}));
  EXPECT_EQ(pod_template["spec"]["restartPolicy"], "Never");
  EXPECT_EQ(pod_template["spec"]["priorityClassName"], "tuneup-low");
  const Json containers = pod_template["spec"]["containers"];
  ASSERT_EQ(containers.size(), 2u);
  EXPECT_EQ(containers[0],
            (Json{{"name", "sidecar"}, {"image", "busybox"}, {"command", {"sleep", "3600"}}}));
  const Json& main = containers[1];
  EXPECT_EQ(main["name"], "main");
  EXPECT_EQ(main["image"], "registry.example/train:1.2");
  EXPECT_EQ(main["command"], (Json{"python3", "train.py"}));
  // Parameters substituted, the value literal (one element, metacharacters and all), $(MODE)
  // left for the kubelet.
  EXPECT_EQ(main["args"], (Json{"--lr=0.05", "--opt", kNastyValue, "$(MODE)"}));
  EXPECT_EQ(main["env"], (Json{{{"name", "MODE"}, {"value", "fast"}},
                               {{"name", "OPT"}, {"value", kNastyValue}},
                               {{"name", "KATIB_TRIAL_NAME"}, {"value", "kexp-0001"}},
                               {{"name", "TUNEUP_TRIAL_NAME"}, {"value", "kexp-0001"}},
                               {{"name", "TUNEUP_EXPERIMENT_NAME"}, {"value", "kexp"}},
                               {{"name", "PYTHONUNBUFFERED"}, {"value", "1"}}}));
  // Nothing else was added at the top level.
  EXPECT_EQ(sent.size(), 4u) << sent.dump(2);
  EXPECT_EQ(sent["spec"].size(), 2u) << sent.dump(2);
}

TEST_F(KubernetesExecutorTest, AFoldJobIsNamedForItsFoldAndLabelledWithItsTrial) {
  static const Experiment experiment = LoadExperiment();
  Assignment assignment = {{"lr", "0.05"}, {"opt", "sgd"}};
  RenderRequest request{&experiment, "kexp-0001", &assignment, "/work/trials/kexp-0001/fold-2",
                        "/manifests"};
  request.job_name = "kexp-0001-fold-2";
  request.extra_env = {{"TUNEUP_FOLD", "2"}, {"TUNEUP_FOLDS", "5"}, {"TUNEUP_REPEAT", "0"}};
  request.annotations["tuneup.dev/fold"] = "2";
  Capture capture;
  LaunchAndWaitForPod(capture, RenderTrialJob(request));
  Json sent = CreatedJob();
  EXPECT_EQ(sent["metadata"]["name"], "kexp-0001-fold-2");
  EXPECT_EQ(sent["metadata"]["labels"]["katib.kubeflow.org/trial"], "kexp-0001");
  EXPECT_EQ(sent["metadata"]["annotations"]["tuneup.dev/fold"], "2");
  const Json& env = sent["spec"]["template"]["spec"]["containers"][1]["env"];
  auto value = [&](const std::string& name) {
    for (const auto& var : env)
      if (var["name"] == name) return var["value"].get<std::string>();
    return std::string("(unset)");
  };
  EXPECT_EQ(value("KATIB_TRIAL_NAME"), "kexp-0001");
  EXPECT_EQ(value("TUNEUP_FOLD"), "2");
  EXPECT_EQ(value("TUNEUP_FOLDS"), "5");
  EXPECT_EQ(value("TUNEUP_REPEAT"), "0");
  EXPECT_EQ(value("TUNEUP_FINAL"), "(unset)");
}

TEST_F(KubernetesExecutorTest, NormalPriorityKeepsTheManifestsClassAndLaterAttemptsGetASuffix) {
  Capture capture;
  LaunchAndWaitForPod(capture, RenderJob("kexp-0002", 3));
  Json sent = CreatedJob();
  EXPECT_EQ(sent["metadata"]["name"], "kexp-0002-a3");
  EXPECT_EQ(sent["metadata"]["labels"]["tuneup.dev/attempt"], "3");
  EXPECT_FALSE(sent["spec"]["template"]["spec"].contains("priorityClassName"));
}

TEST_F(KubernetesExecutorTest, JobNames) {
  EXPECT_EQ(KubernetesJobName("exp-abc", 0), "exp-abc");
  EXPECT_EQ(KubernetesJobName("exp-abc", 12), "exp-abc-a12");
  std::string long_name(70, 'x');
  std::string cut = KubernetesJobName(long_name, 0);
  EXPECT_EQ(cut.size(), 63u);
  std::string cut_attempt = KubernetesJobName(long_name, 2);
  EXPECT_EQ(cut_attempt.size(), 63u);
  EXPECT_TRUE(cut_attempt.ends_with("-a2"));
  EXPECT_NE(KubernetesJobName(long_name + "1", 0), KubernetesJobName(long_name + "2", 0));
}

TEST_F(KubernetesExecutorTest, OtherKindsAreRefusedNamingTheKind) {
  TrialJob job = RenderJob();
  job.rendered_spec["apiVersion"] = "kubeflow.org/v1";
  job.rendered_spec["kind"] = "TFJob";
  Capture capture;
  Executor().Launch(job, CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("kubeflow.org/v1 TFJob"), std::string::npos)
      << capture.result->message;
  EXPECT_TRUE(api_->requests().empty());
}

TEST_F(KubernetesExecutorTest, PendingRunningSucceededWithLogs) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  ASSERT_FALSE(pod.empty());
  EXPECT_EQ(Executor().running(), 1u);
  // Pending: no log is read yet, and the job waits.
  io_.run_for(100ms);
  EXPECT_TRUE(api_->RequestsTo("GET", "/log").empty());
  EXPECT_EQ(Executor().waiting(), 1u);
  api_->SetPodRunning(kNs, pod);
  ASSERT_TRUE(Until([&] { return !api_->RequestsTo("GET", "/log").empty(); }));
  EXPECT_EQ(Executor().waiting(), 0u);
  auto log_request = api_->RequestsTo("GET", "/log").front();
  EXPECT_EQ(log_request.path, "/api/v1/namespaces/team-a/pods/" + pod + "/log");
  EXPECT_EQ(log_request.query["container"], "main");
  EXPECT_EQ(log_request.query["follow"], "true");
  api_->AppendLog(kNs, pod, "epoch=1 loss=0.5\n");
  ASSERT_TRUE(Until([&] { return capture.out == "epoch=1 loss=0.5\n"; })) << capture.out;
  api_->AppendLog(kNs, pod, "epoch=2 loss=0.25\n");
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.out, "epoch=1 loss=0.5\nepoch=2 loss=0.25\n");
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kExited);
  EXPECT_TRUE(capture.result->succeeded());
  EXPECT_EQ(Executor().running(), 0u);
  // The watches end with the last job, so the loop can return.
  EXPECT_TRUE(Until([&] { return api_->open_watches() == 0; }));
  io_.restart();
  EXPECT_TRUE(Until([&] { return io_.poll() == 0; }, 3s));
}

TEST_F(KubernetesExecutorTest, ABrokenLogStreamIsReopenedWithoutRepeatingOutput) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "epoch=1\n");
  ASSERT_TRUE(Until([&] { return capture.out == "epoch=1\n"; }));
  api_->BreakLogStreams(kNs, pod);
  api_->AppendLog(kNs, pod, "epoch=2\n");
  ASSERT_TRUE(Until([&] { return api_->RequestsTo("GET", "/log").size() == 2; }));
  ASSERT_TRUE(Until([&] { return capture.out == "epoch=1\nepoch=2\n"; })) << capture.out;
  api_->AppendLog(kNs, pod, "epoch=3\n");
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.out, "epoch=1\nepoch=2\nepoch=3\n");
  EXPECT_TRUE(capture.result->succeeded());
}

TEST_F(KubernetesExecutorTest, FailedContainerReportsItsExitCode) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "Traceback: boom\n");
  api_->FinishPod(kNs, pod, 3);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kExited);
  EXPECT_EQ(capture.result->exit_code, 3);
  EXPECT_EQ(capture.result->signal, 0);
  EXPECT_EQ(capture.out, "Traceback: boom\n");
  EXPECT_EQ(capture.exits, 1);
}

TEST_F(KubernetesExecutorTest, AFastPodThatEndedBeforeItWasSeenRunningStillHasItsLog) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "loss=0.1\n");
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.out, "loss=0.1\n");
  EXPECT_TRUE(capture.result->succeeded());
}

struct Disruption {
  std::string reason;
  JobResult::Kind kind;
};

class KubernetesDisruptionTest : public KubernetesExecutorTest,
                                 public ::testing::WithParamInterface<Disruption> {};

TEST_P(KubernetesDisruptionTest, DisruptionTargetIsPreemptionOrInfrastructure) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "epoch=1\n");
  ASSERT_TRUE(Until([&] { return !capture.out.empty(); }));
  api_->DisruptPod(kNs, pod, GetParam().reason);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, GetParam().kind) << capture.result->message;
  EXPECT_NE(capture.result->message.find(GetParam().reason), std::string::npos);
  // The Job is removed, so its controller does not go on with it.
  ASSERT_TRUE(Until([&] { return !api_->job(kNs, "kexp-0001"); }));
  auto deletes = api_->RequestsTo("DELETE", "/jobs/kexp-0001");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].query["propagationPolicy"], "Background");
}

INSTANTIATE_TEST_SUITE_P(
    Reasons, KubernetesDisruptionTest,
    ::testing::Values(Disruption{"EvictionByEvictionAPI", JobResult::Kind::kPreempted},
                      Disruption{"PreemptionByScheduler", JobResult::Kind::kPreempted},
                      Disruption{"DeletionByTaintManager", JobResult::Kind::kPreempted},
                      Disruption{"TerminationByKubelet", JobResult::Kind::kPreempted},
                      Disruption{"DeletionByPodGC", JobResult::Kind::kInfrastructureFailed}),
    [](const auto& info) { return info.param.reason; });

TEST_F(KubernetesExecutorTest, KubeletEvictionIsPreemption) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  api_->EvictPodByKubelet(kNs, pod);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kPreempted) << capture.result->message;
}

TEST_F(KubernetesExecutorTest, APodDeletedBySomeoneElseIsPreemption) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  ASSERT_TRUE(Until([&] { return !api_->RequestsTo("GET", "/log").empty(); }));
  api_->DeletePod(kNs, pod);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kPreempted) << capture.result->message;
}

TEST_F(KubernetesExecutorTest, APodDeletedAndAlreadyReplacedIsStillPreemption) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  ASSERT_TRUE(Until([&] { return !api_->RequestsTo("GET", "/log").empty(); }));
  // The Job controller replaces the pod before tuneup hears of the deletion.
  api_->DeletePod(kNs, pod);
  api_->SetPodRunning(kNs, api_->AddPod(kNs, "kexp-0001"));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kPreempted) << capture.result->message;
  EXPECT_NE(capture.result->message.find(pod), std::string::npos) << capture.result->message;
}

TEST_F(KubernetesExecutorTest, AJobDeletedBySomeoneElseIsKilled) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  ASSERT_TRUE(Until([&] { return api_->open_watches() == 2; }));
  api_->DeleteJob(kNs, "kexp-0001");
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kKilled) << capture.result->message;
}

TEST_F(KubernetesExecutorTest, KillDeletesTheJobInTheBackground) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  api_->SetPodRunning(kNs, pod);
  Executor().Kill("kexp-0001");
  Executor().Kill("kexp-0001");  // a second request changes nothing
  Executor().Kill("unknown");
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kKilled);
  auto deletes = api_->RequestsTo("DELETE", "/apis/batch/v1/namespaces/team-a/jobs/kexp-0001");
  ASSERT_EQ(deletes.size(), 1u);
  EXPECT_EQ(deletes[0].query["propagationPolicy"], "Background");
  EXPECT_EQ(Json::parse(deletes[0].body)["propagationPolicy"], "Background");
  EXPECT_FALSE(api_->job(kNs, "kexp-0001"));
  EXPECT_TRUE(api_->PodsOf(kNs, "kexp-0001").empty());
  io_.run_for(100ms);
  EXPECT_EQ(capture.exits, 1);
}

TEST_F(KubernetesExecutorTest, KillAllNowDeletesEveryJob) {
  Capture a, b;
  LaunchAndWaitForPod(a, RenderJob("kexp-0001"));
  LaunchAndWaitForPod(b, RenderJob("kexp-0002"));
  Executor().KillAllNow();
  ASSERT_TRUE(Until([&] { return a.result && b.result; }));
  EXPECT_EQ(a.result->kind, JobResult::Kind::kKilled);
  EXPECT_EQ(b.result->kind, JobResult::Kind::kKilled);
  EXPECT_EQ(api_->job_count(), 0u);
}

TEST_F(KubernetesExecutorTest, TheJobIsCreatedOnlyOnRelease) {
  Capture capture;
  std::function<void()> release;
  JobCallbacks callbacks = CallbacksFor(capture);
  callbacks.on_created = [&](const std::string& identity, std::function<void()> r) {
    capture.identity = identity;
    release = std::move(r);
  };
  Executor().Launch(RenderJob(), std::move(callbacks));
  ASSERT_TRUE(Until([&] { return capture.identity.has_value(); }));
  EXPECT_EQ(*capture.identity, "team-a/kexp-0001");
  io_.run_for(200ms);
  EXPECT_TRUE(api_->RequestsTo("POST", "/jobs").empty());
  EXPECT_EQ(api_->job_count(), 0u);
  release();
  ASSERT_TRUE(Until([&] { return api_->job(kNs, "kexp-0001").has_value(); }));
  const std::string pod = api_->PodsOf(kNs, "kexp-0001").at(0);
  api_->SetPodRunning(kNs, pod);
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_TRUE(capture.result->succeeded());
}

TEST_F(KubernetesExecutorTest, KillBeforeReleaseNeverCreatesTheJob) {
  Capture capture;
  std::function<void()> release;
  JobCallbacks callbacks = CallbacksFor(capture);
  callbacks.on_created = [&](const std::string& identity, std::function<void()> r) {
    capture.identity = identity;
    release = std::move(r);
  };
  Executor().Launch(RenderJob(), std::move(callbacks));
  ASSERT_TRUE(Until([&] { return capture.identity.has_value(); }));
  Executor().Kill("kexp-0001");
  release();
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kKilled);
  io_.run_for(100ms);
  EXPECT_EQ(api_->job_count(), 0u);
}

TEST_F(KubernetesExecutorTest, AdoptAbsentJobIsNeverStarted) {
  Capture capture;
  Executor().Adopt(RenderJob(), "team-a/kexp-0001", CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kNeverStarted);
  EXPECT_EQ(api_->RequestsTo("GET", "/apis/batch/v1/namespaces/team-a/jobs/kexp-0001").size(), 1u);
}

TEST_F(KubernetesExecutorTest, AdoptUnreadableIdentityIsLaunchFailed) {
  Capture capture;
  Executor().Adopt(RenderJob(), "12345", CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
}

// A Job as an earlier controller process created it.
Json EarlierJob(const TrialJob& job) {
  return BuildKubernetesJob(job, KubernetesJobSettings{}, "earlier-launch").job;
}

TEST_F(KubernetesExecutorTest, AdoptRunningJobReplaysItsLogAndFollowsIt) {
  TrialJob job = RenderJob();
  api_->AddJob(EarlierJob(job));
  const std::string pod = api_->PodsOf(kNs, "kexp-0001").at(0);
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "line 1\n");
  Capture capture;
  Executor().Adopt(job, "team-a/kexp-0001", CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.out == "line 1\n"; })) << capture.out;
  api_->AppendLog(kNs, pod, "line 2\n");
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.out, "line 1\nline 2\n");
  EXPECT_TRUE(capture.result->succeeded());
  EXPECT_TRUE(api_->RequestsTo("POST", "/jobs").empty());
}

TEST_F(KubernetesExecutorTest, AdoptFinishedJobReportsHowItEnded) {
  TrialJob job = RenderJob();
  api_->AddJob(EarlierJob(job));
  const std::string pod = api_->PodsOf(kNs, "kexp-0001").at(0);
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "loss=0.3\n");
  api_->FinishPod(kNs, pod, 2);
  Capture capture;
  Executor().Adopt(job, "team-a/kexp-0001", CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kExited);
  EXPECT_EQ(capture.result->exit_code, 2);
  EXPECT_EQ(capture.out, "loss=0.3\n");
}

TEST_F(KubernetesExecutorTest, ALeftoverJobWithTheSameNameIsNotTakenForOurs) {
  TrialJob job = RenderJob();
  api_->AddJob(EarlierJob(job));
  Capture capture;
  Executor().Launch(job, CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("already exists"), std::string::npos)
      << capture.result->message;
}

TEST_F(KubernetesExecutorTest, ACreateRefusedWith4xxIsLaunchFailedWithTheServersMessage) {
  api_->FailNext("POST", "/jobs", 422);
  Capture capture;
  Executor().Launch(RenderJob(), CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("422"), std::string::npos) << capture.result->message;
  EXPECT_NE(capture.result->message.find("injected failure 422"), std::string::npos)
      << capture.result->message;
  EXPECT_EQ(api_->RequestsTo("POST", "/jobs").size(), 1u);  // not retried
}

TEST_F(KubernetesExecutorTest, ServerErrorsAreRetried) {
  api_->FailNext("POST", "/jobs", 503, 2);
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  ASSERT_FALSE(pod.empty());
  EXPECT_EQ(api_->RequestsTo("POST", "/jobs").size(), 3u);
  api_->SetPodRunning(kNs, pod);
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_TRUE(capture.result->succeeded());
}

TEST_F(KubernetesExecutorTest, PodsThatCannotBeListedFailTheTrialInsteadOfHanging) {
  api_->FailNext("GET", "/api/v1/namespaces/team-a/pods", 403, 1000);
  Capture capture;
  Executor().Launch(RenderJob(), CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("403 Forbidden"), std::string::npos)
      << capture.result->message;
  EXPECT_NE(capture.result->message.find("RBAC"), std::string::npos) << capture.result->message;
  EXPECT_TRUE(Until([&] { return api_->job_count() == 0; }));
}

TEST_F(KubernetesExecutorTest, AMissingPriorityClassIsLaunchFailed) {
  Capture capture;
  Executor().Launch(RenderJob("kexp-0001", 0, Priority::kLow), CallbacksFor(capture));
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("PriorityClass \"tuneup-low\""), std::string::npos)
      << capture.result->message;
  EXPECT_TRUE(api_->RequestsTo("POST", "/jobs").empty());
}

TEST_F(KubernetesExecutorTest, OneWatchPerKindAndNamespaceForAllTrials) {
  Capture captures[3];
  std::string pods[3];
  for (int i = 0; i < 3; ++i) {
    pods[i] = LaunchAndWaitForPod(captures[i], RenderJob("kexp-000" + std::to_string(i + 1)));
  }
  for (int i = 0; i < 3; ++i) {
    api_->SetPodRunning(kNs, pods[i]);
    api_->FinishPod(kNs, pods[i], i);
  }
  ASSERT_TRUE(
      Until([&] { return captures[0].result && captures[1].result && captures[2].result; }));
  for (int i = 0; i < 3; ++i)
    EXPECT_EQ(captures[i].result->exit_code, i);
  auto job_watches = api_->RequestsTo("GET", "/apis/batch/v1/namespaces/team-a/jobs");
  auto pod_watches = api_->RequestsTo("GET", "/api/v1/namespaces/team-a/pods");
  size_t job_lists = 0, job_watch_count = 0, pod_watch_count = 0;
  for (auto& r : job_watches) {
    EXPECT_EQ(r.query["labelSelector"], "tuneup.dev/attempt");
    (r.query["watch"] == "true" ? job_watch_count : job_lists)++;
  }
  for (auto& r : pod_watches)
    pod_watch_count += r.query["watch"] == "true";
  EXPECT_EQ(job_lists, 1u);
  EXPECT_EQ(job_watch_count, 1u);
  EXPECT_EQ(pod_watch_count, 1u);
  // No per-trial polling: the Jobs were never fetched one by one.
  EXPECT_TRUE(api_->RequestsTo("GET", "/jobs/kexp-0001").empty());
}

TEST_F(KubernetesExecutorTest, AnExpiredWatchIsReplacedByAFreshList) {
  Capture capture;
  const std::string pod = LaunchAndWaitForPod(capture, RenderJob());
  ASSERT_TRUE(Until([&] { return api_->open_watches() == 2; }));
  api_->CompactHistory();  // closes the watches; resuming them gets 410 Gone
  api_->SetPodRunning(kNs, pod);
  api_->AppendLog(kNs, pod, "loss=1\n");
  api_->FinishPod(kNs, pod, 0);
  ASSERT_TRUE(Until([&] { return capture.result.has_value(); }));
  EXPECT_TRUE(capture.result->succeeded());
  EXPECT_EQ(capture.out, "loss=1\n");
  size_t lists = 0;
  for (const auto& r : api_->RequestsTo("GET", "/api/v1/namespaces/team-a/pods"))
    lists += r.query.count("watch") == 0;
  EXPECT_EQ(lists, 2u);
}

// --- authentication and TLS ---

class KubernetesTlsTest : public ::testing::Test {
 protected:
  KubernetesTlsTest() : certificate_(testing::MakeTestCertificate()) {
    FakeKubeOptions options;
    options.cert_pem = certificate_.cert_pem;
    options.key_pem = certificate_.key_pem;
    options.token = "s3cret";
    api_ = std::make_unique<FakeKubeApi>(io_, options);
  }

  std::optional<JobResult> LaunchWith(const KubeConfig& config, Capture& capture) {
    KubernetesOptions options;
    KubernetesExecutor executor(io_, options, config);
    executor.Launch(RenderJob(), CallbacksFor(capture));
    RunUntil(io_, [&] { return capture.result.has_value() || api_->job_count() > 0; });
    if (!capture.result) executor.Kill("kexp-0001");
    RunUntil(io_, [&] { return capture.result.has_value(); });
    return capture.result;
  }

  boost::asio::io_context io_;
  testing::TestCertificate certificate_;
  std::unique_ptr<FakeKubeApi> api_;
};

TEST_F(KubernetesTlsTest, TheBearerTokenIsSentOverVerifiedTls) {
  KubeConfig config = ConfigFor(*api_, "s3cret");
  config.ca_pem = certificate_.cert_pem;
  Capture capture;
  LaunchWith(config, capture);
  ASSERT_GE(api_->RequestsTo("POST", "/jobs").size(), 1u);
  EXPECT_EQ(api_->RequestsTo("POST", "/jobs")[0].authorization, "Bearer s3cret");
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kKilled);  // it was created, then stopped
}

TEST_F(KubernetesTlsTest, AServerCertificateFromAnotherCaIsRejected) {
  KubeConfig config = ConfigFor(*api_, "s3cret");
  config.ca_pem = testing::MakeTestCertificate().cert_pem;  // another self-signed CA
  Capture capture;
  LaunchWith(config, capture);
  ASSERT_TRUE(capture.result);
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("TLS handshake"), std::string::npos)
      << capture.result->message;
  EXPECT_TRUE(api_->requests().empty());  // nothing reached the server's HTTP layer
}

TEST_F(KubernetesTlsTest, AWrongTokenIsAClearError) {
  KubeConfig config = ConfigFor(*api_, "wrong");
  config.ca_pem = certificate_.cert_pem;
  Capture capture;
  LaunchWith(config, capture);
  ASSERT_TRUE(capture.result);
  EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result->message.find("401 Unauthorized"), std::string::npos)
      << capture.result->message;
}

TEST(KubernetesClientCertificateTest, AClientCertificateAuthenticates) {
  boost::asio::io_context io;
  testing::TestCertificate server = testing::MakeTestCertificate();
  testing::TestCertificate client = testing::MakeTestCertificate("10.9.8.7");
  FakeKubeOptions options;
  options.cert_pem = server.cert_pem;
  options.key_pem = server.key_pem;
  options.client_ca_pem = client.cert_pem;
  FakeKubeApi api(io, options);
  KubeConfig config = ConfigFor(api);
  config.ca_pem = server.cert_pem;
  for (bool with_certificate : {false, true}) {
    if (with_certificate) {
      config.client_cert_pem = client.cert_pem;
      config.client_key_pem = client.key_pem;
    }
    KubernetesExecutor executor(io, KubernetesOptions{}, config);
    Capture capture;
    executor.Launch(RenderJob(), CallbacksFor(capture));
    ASSERT_TRUE(RunUntil(io, [&] { return capture.result || api.job_count() > 0; }));
    if (!with_certificate) {
      ASSERT_TRUE(capture.result);
      EXPECT_EQ(capture.result->kind, JobResult::Kind::kLaunchFailed);
      // TLS 1.3: the server refuses after the handshake, with an alert.
      EXPECT_NE(capture.result->message.find("certificate required"), std::string::npos)
          << capture.result->message;
      EXPECT_EQ(api.job_count(), 0u);
    } else {
      EXPECT_EQ(api.job_count(), 1u);
      executor.Kill("kexp-0001");
      ASSERT_TRUE(RunUntil(io, [&] { return capture.result.has_value(); }));
    }
  }
}

TEST(KubernetesClientCertificateTest, UnusableTlsMaterialIsNamed) {
  boost::asio::io_context io;
  KubeConfig config;
  SetServer(config, "https://127.0.0.1:1", "test");
  config.source = "kubeconfig k";
  config.client_cert_pem = "-----BEGIN CERTIFICATE-----\nnot really\n-----END CERTIFICATE-----\n";
  config.client_key_pem = "-----BEGIN PRIVATE KEY-----\nno\n-----END PRIVATE KEY-----\n";
  try {
    KubernetesExecutor executor(io, KubernetesOptions{}, config);
    ADD_FAILURE() << "an unusable client certificate was accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("kubeconfig k: client-certificate: not usable"),
              std::string::npos)
        << e.what();
  }
}

TEST_F(KubernetesTlsTest, InsecureSkipTlsVerifyAcceptsAnyCertificate) {
  KubeConfig config = ConfigFor(*api_, "s3cret");
  config.insecure_skip_tls_verify = true;
  Capture capture;
  LaunchWith(config, capture);
  EXPECT_GE(api_->RequestsTo("POST", "/jobs").size(), 1u);
}

}  // namespace
}  // namespace tuneup
