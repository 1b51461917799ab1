// Katib's own Python SDK (kubeflow-katib, pinned in tests/requirements.txt) as the client of
// tuneup's DBManager over a real socket: its generated descriptor matches our katib_api.proto,
// report_metrics pushes a trial's metrics, KatibClient.get_trial_metrics reads them back, and its
// stub sees our refusals and deletion (tests/support/katib_sdk_client.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "db/sqlite_store.h"
#include "tests/support/dbmanager_cases.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"
#include "tests/support/test_venv.h"

namespace tuneup::testing {
namespace {

using ::testing::ContainsRegex;
using ::testing::HasSubstr;

TEST(DbManagerKatibSdkTest, KatibsPythonClientReportsReadsAndDeletes) {
  TestVenv venv = FindTestVenv();
  if (!venv.unavailable.empty()) GTEST_SKIP() << venv.unavailable;
  ASSERT_TRUE(venv.error.empty()) << venv.error;

  TempDir dir;
  SqliteStore store(dir.Join("store.db"));
  CreateExperimentWithTrials(store, "sdk", 1);
  auto server = StartOnFreePort(store);

  google::protobuf::FileDescriptorProto descriptor;
  const google::protobuf::FileDescriptor* file =
      katib_pb::ReportObservationLogRequest::descriptor()->file();
  file->CopyTo(&descriptor);
  file->CopyJsonNameTo(&descriptor);  // as the SDK's generated code carries them
  const std::string descriptor_path = dir.WriteFile("katib_api.pb", descriptor.SerializeAsString());

  ProcessResult result =
      RunProcess({venv.python, SourcePath("tests/support/katib_sdk_client.py"),
                  "127.0.0.1:" + std::to_string(server->port()), "sdk-0", descriptor_path});
  ASSERT_EQ(result.exit_code, 0) << result.Describe();
  const std::string& out = result.out;
  EXPECT_THAT(out, HasSubstr("descriptor: same as the SDK's (package api.v1.beta1, "));
  EXPECT_THAT(out, HasSubstr("services DBManager Suggestion EarlyStopping)"));
  // report_metrics dates both values with the same second; Katib's order keeps them as reported.
  const std::string time = "[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z";
  EXPECT_THAT(
      out, ContainsRegex("metric: " + time + " loss=0.25\nmetric: " + time + " accuracy=0.75\n"));
  EXPECT_THAT(out, HasSubstr("refused: word value: INVALID_ARGUMENT "
                             "observation_log.metric_logs[0].metric.value: value \"low\" of "
                             "metric \"loss\" is not a finite number\n"));
  EXPECT_THAT(out, HasSubstr("refused: unknown trial: NOT_FOUND trial sdk-0-x does not exist\n"));
  EXPECT_THAT(out, HasSubstr("deleted: 0 left\n"));
  EXPECT_THAT(store.GetObservations("sdk-0", std::nullopt, std::nullopt), ::testing::IsEmpty());
}

}  // namespace
}  // namespace tuneup::testing
