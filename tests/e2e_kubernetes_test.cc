// `tuneup run --executor kubernetes` end to end: the tuneup binary talks HTTPS with a bearer
// token to the fake API server (tests/support/fake_kube_api.h) in kubelet mode, which runs each
// Job's container as a local process and serves its output as the pod log. Real manifests, real
// trial programs, the real store.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "tests/support/e2e_run.h"
#include "tests/support/fake_kube_api.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using testing::Contains;
using testing::FakeKubeApi;
using testing::FakeKubeOptions;
using testing::Json;
using testing::ProcessResult;
using testing::ReadFile;

// The fake API server on its own thread for as long as it lives; inspect it after Stop().
class ClusterThread {
 public:
  explicit ClusterThread(FakeKubeOptions options)
      : api_(std::make_unique<FakeKubeApi>(io_, std::move(options))),
        work_(io_.get_executor()),
        thread_([this] { io_.run(); }) {}
  ~ClusterThread() { Stop(); }

  void Stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_.stop();
    thread_.join();
  }
  FakeKubeApi& api() { return *api_; }

 private:
  boost::asio::io_context io_;
  std::unique_ptr<FakeKubeApi> api_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

class E2eKubernetesTest : public testing::E2eRunTest {
 protected:
  // Starts the cluster (HTTPS, token) running containers from `kubelet_root`, and writes a
  // kubeconfig for it.
  void StartCluster(const std::string& kubelet_root) {
    testing::TestCertificate certificate = testing::MakeTestCertificate();
    FakeKubeOptions options;
    options.cert_pem = certificate.cert_pem;
    options.key_pem = certificate.key_pem;
    options.token = "e2e-token";
    options.kubelet = true;
    options.kubelet_root = kubelet_root;
    cluster_ = std::make_unique<ClusterThread>(options);
    dir_.WriteFile("ca.pem", certificate.cert_pem);
    dir_.WriteFile("kubeconfig",
                   "apiVersion: v1\nkind: Config\ncurrent-context: fake\n"
                   "clusters:\n  - name: fake\n    cluster:\n      server: " +
                       cluster_->api().url() +
                       "\n      certificate-authority: ca.pem\n"
                       "users:\n  - name: me\n    user:\n      token: e2e-token\n"
                       "contexts:\n  - name: fake\n    context: {cluster: fake, user: "
                       "me, namespace: ignored}\n");
  }

  std::vector<std::string> KubeArgs() const {
    return {"--executor", "kubernetes", "--kubeconfig", dir_.Join("kubeconfig")};
  }

  std::unique_ptr<ClusterThread> cluster_;
};

TEST_F(E2eKubernetesTest, ShellTrialsRunAsJobsWithLiteralParameterValues) {
  testing::Manifest manifest;
  manifest.max_trials = 4;
  manifest.parallel = 2;
  // A categorical value a shell would act on: it must reach the trial as one literal argument.
  const std::string nasty = "a b;$(touch pwned)`id`'\"*";
  manifest.parameters += R"(    - name: word
      parameterType: categorical
      feasibleSpace: {list: [)" +
                         testing::YamlQuote(nasty) + R"(]}
)";
  manifest.trial_parameters += "      - {name: word, reference: word}\n";
  manifest.command = {"./trial.sh", "${trialParameters.x}", "${trialParameters.word}"};
  WriteManifest(manifest);
  WriteTrial(R"(printf '%s\n' "$2" > "word-$KATIB_TRIAL_NAME"
echo "trial $KATIB_TRIAL_NAME of $TUNEUP_EXPERIMENT_NAME"
echo "loss=$1"
)");
  StartCluster(dir_.path().string());
  ProcessResult result = Run(KubeArgs());
  cluster_->Stop();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.Describe();
  FakeKubeApi& api = cluster_->api();
  auto creates = api.RequestsTo("POST", "/apis/batch/v1/namespaces/default/jobs");
  ASSERT_EQ(creates.size(), 4u);
  std::set<std::string> names;
  for (const auto& create : creates) {
    EXPECT_EQ(create.authorization, "Bearer e2e-token");
    Json job = Json::parse(create.body);
    names.insert(job["metadata"]["name"].get<std::string>());
    EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["args"], nullptr);
    EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["command"][2], nasty);
  }
  EXPECT_EQ(names, (std::set<std::string>{"e2e-0001", "e2e-0002", "e2e-0003", "e2e-0004"}));
  for (const auto& name : names) {
    EXPECT_EQ(ReadFile(dir_.Join("word-" + name)), nasty + "\n") << name;
    EXPECT_FALSE(fs::exists(dir_.Join("pwned")));
    // The pod's log reached the StdOut collector (the trial's loss is stored and shown).
    EXPECT_TRUE(Contains(result.out, name)) << result.out;
  }
  // Completed Jobs stay (nothing is deleted), and only two ran at a time.
  EXPECT_EQ(api.job_count(), 4u);
  EXPECT_TRUE(api.RequestsTo("DELETE", "").empty());
  EXPECT_TRUE(Contains(result.out, "Best trial: e2e-")) << result.out;
}

TEST_F(E2eKubernetesTest, FailingTrialsAreCountedAsFailed) {
  testing::Manifest manifest;
  manifest.max_trials = 3;
  manifest.parallel = 3;
  manifest.max_failed = 3;
  WriteManifest(manifest);
  WriteTrial("echo \"loss=$1\"\nexit 4\n");
  StartCluster(dir_.path().string());
  ProcessResult result = Run(KubeArgs());
  cluster_->Stop();
  EXPECT_EQ(result.exit_code, 1) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "3 trials: 3 Failed")) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "exit code 4")) << result.Describe();
}

TEST_F(E2eKubernetesTest, TheDigitsExampleRunsToCompletion) {
  // examples/digits-mlp as it is, with fewer trials; its workingDir "." is the example's folder
  // on the fake kubelet.
  std::string manifest = ReadFile(testing::SourcePath("examples/digits-mlp/experiment.yaml"));
  ASSERT_TRUE(Contains(manifest, "maxTrialCount: 12"));
  manifest.replace(manifest.find("maxTrialCount: 12"), 17, "maxTrialCount: 4");
  dir_.WriteFile("experiment.yaml", manifest);
  StartCluster(testing::SourcePath("examples/digits-mlp"));
  ProcessResult result = Run(KubeArgs());
  cluster_->Stop();
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  EXPECT_TRUE(Contains(result.out, "4 trials: 4 Succeeded")) << result.out;
  EXPECT_TRUE(Contains(result.out, "Best trial: digits-mlp-")) << result.out;
  EXPECT_EQ(cluster_->api().RequestsTo("POST", "/jobs").size(), 4u);
  // Image as written: tuneup does not touch it.
  Json job = Json::parse(cluster_->api().RequestsTo("POST", "/jobs")[0].body);
  EXPECT_EQ(job["spec"]["template"]["spec"]["containers"][0]["image"],
            "docker.io/library/python:3.11");
}

// Crash safety with Jobs: the Job's name is stored before the Job is created, so tuneup killed at
// any moment finds its Jobs again (running, finished or never created) and no trial runs twice.
TEST_F(E2eKubernetesTest, KilledAtRandomMomentsNoJobRunsTwice) {
  constexpr int kTrials = 9;
  testing::Manifest manifest;
  manifest.max_trials = kTrials;
  manifest.parallel = 3;
  WriteManifest(manifest);
  WriteTrial(testing::LoggingTrialScript(4));
  for (unsigned seed : {3u, 11u, 29u}) {
    SCOPED_TRACE(seed);
    cluster_.reset();
    StartCluster(dir_.path().string());  // a fresh cluster: no Jobs of the same names
    fs::remove_all(workdir());
    fs::remove(dir_.Join("trials.log"));
    int kills = 0;
    ProcessResult result = RunKilledAtRandom(KubeArgs(), seed, 4, kills);
    ASSERT_EQ(result.exit_code, 0) << result.Describe();
    EXPECT_GT(kills, 0);
    EXPECT_TRUE(Contains(result.out, "9 trials: 9 Succeeded")) << result.out;
    ExpectEveryTrialRanOnce(kTrials);
  }
}

TEST_F(E2eKubernetesTest, AnUnusableKubeconfigIsAUsageError) {
  WriteManifest({});
  dir_.WriteFile("kubeconfig", "current-context: x\n");
  ProcessResult result = Run(KubeArgs());
  EXPECT_EQ(result.exit_code, 2) << result.Describe();
  EXPECT_TRUE(Contains(result.err, "--executor kubernetes: kubeconfig " + dir_.Join("kubeconfig")))
      << result.err;
}

}  // namespace
}  // namespace tuneup
