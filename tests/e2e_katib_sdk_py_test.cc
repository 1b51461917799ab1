// Katib's Python SDK (kubeflow-katib from PyPI, pinned in tests/requirements.txt) against the
// Kubernetes API of `tuneup serve --kube-listen`, through the kubeconfig tuneup writes: it creates
// an Experiment with its own models, waits for Succeeded and reads the optimal hyperparameters
// (tests/support/katib_sdk_kube_client.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <signal.h>

#include <filesystem>
#include <thread>

#include "tests/support/e2e_run.h"
#include "tests/support/test_venv.h"

namespace tuneup::testing {
namespace {

using namespace std::chrono_literals;
using ::testing::ContainsRegex;
using ::testing::HasSubstr;

class E2eKatibSdkTest : public E2eRunTest {};

TEST_F(E2eKatibSdkTest, CreatesWaitsAndReadsTheOptimalHyperparameters) {
  TestVenv venv = FindTestVenv();
  if (!venv.unavailable.empty()) GTEST_SKIP() << venv.unavailable;
  ASSERT_TRUE(venv.error.empty()) << venv.error;

  WriteTrial("echo \"loss=$1\"\n");
  const std::string kubeconfig = dir_.Join("kubeconfig");
  Process serve(Argv({"serve", "--listen", "127.0.0.1:0", "--kube-listen", "127.0.0.1:0",
                      "--write-kubeconfig", kubeconfig, "--workdir", workdir()}),
                Options());
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!std::filesystem::exists(kubeconfig) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(20ms);
  ASSERT_TRUE(std::filesystem::exists(kubeconfig)) << serve.Wait(1s).Describe();

  ProcessResult result =
      RunProcess({venv.python, SourcePath("tests/support/katib_sdk_kube_client.py"), kubeconfig,
                  dir_.Join("trial.sh")},
                 Options(), 180s);
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  const std::string& out = result.out;
  EXPECT_THAT(out, HasSubstr("created: sdk\n"));
  EXPECT_THAT(out, HasSubstr("got: V1beta1Experiment sdk maxTrialCount=4 algorithm=random\n"));
  EXPECT_THAT(out, HasSubstr("refused: "));
  EXPECT_THAT(out, HasSubstr("succeeded: True\n"));
  // The optimum's loss is its learning rate, as the trial prints it.
  EXPECT_THAT(out, ContainsRegex("optimal: sdk-[a-z0-9-]+ lr=([0-9.e-]+) loss=([0-9.e-]+)\n"));
  EXPECT_THAT(out, HasSubstr("trials: 4 Succeeded Succeeded Succeeded Succeeded\n"));
  const size_t at = out.find("optimal: ");
  ASSERT_NE(at, std::string::npos);
  const std::string line = out.substr(at, out.find('\n', at) - at);
  const std::string lr =
      line.substr(line.find("lr=") + 3, line.find(' ', line.find("lr=")) - line.find("lr=") - 3);
  const std::string loss = line.substr(line.find("loss=") + 5);
  EXPECT_DOUBLE_EQ(std::stod(lr), std::stod(loss)) << line;

  serve.Signal(SIGTERM);
  EXPECT_EQ(serve.Wait(60s).exit_code, 0);
}

}  // namespace
}  // namespace tuneup::testing
