// Wire compatibility with Katib's clients: Python stubs generated from rpc/katib_api.proto by
// Debian's grpc_tools (/usr/bin/python3, as a Katib component generates them from Katib's
// api.proto) call tuneup's Suggestion service over a real socket
// (tests/support/katib_suggestion_client.py).
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <string>

#include "api/experiment.h"
#include "db/sqlite_store.h"
#include "rpc/server.h"
#include "tests/support/process.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

TEST(RpcPythonClientTest, KatibStubsGetSuggestionsFromEveryAlgorithmAndValidateSettings) {
  testing::TempDir dir;
  const std::string stubs = dir.Join("stubs");
  std::filesystem::create_directories(stubs);
  testing::ProcessOptions options;
  options.working_dir = dir.path().string();
  testing::ProcessResult generated = testing::RunProcess(
      {"/usr/bin/python3", "-m", "grpc_tools.protoc", "-I", testing::SourcePath("rpc"),
       "--python_out=" + stubs, "--grpc_python_out=" + stubs,
       testing::SourcePath("rpc/katib_api.proto")},
      options, std::chrono::seconds(60));
  ASSERT_EQ(generated.exit_code, 0) << generated.Describe();

  SqliteStore store(dir.Join("tuneup.db"));
  RpcServerOptions server_options;
  server_options.address = "127.0.0.1:0";
  auto server = RpcServer::Start(store, server_options);
  testing::ProcessResult client = testing::RunProcess(
      {"/usr/bin/python3", testing::SourcePath("tests/support/katib_suggestion_client.py"), stubs,
       std::to_string(server->port())},
      options, std::chrono::seconds(120));
  ASSERT_EQ(client.exit_code, 0) << client.Describe();
  Json out = Json::parse(client.out);

  for (const char* algorithm : {"random", "grid", "bayesianoptimization", "hyperband"}) {
    SCOPED_TRACE(algorithm);
    const Json& result = out.at(algorithm);
    EXPECT_EQ(result.at("algorithm"), algorithm);
    const Json& calls = result.at("calls");
    ASSERT_EQ(calls.size(), 2u);
    std::set<std::string> seen;
    size_t given = 0;
    for (const auto& call : calls) {
      for (const auto& proposal : call) {
        const Json& a = proposal.at("assignments");
        const double lr = std::stod(a.at("lr").get<std::string>());
        EXPECT_GE(lr, 0.01);
        EXPECT_LE(lr, 0.1);
        const int epochs = std::stoi(a.at("num-epochs").get<std::string>());
        EXPECT_GE(epochs, 1);
        EXPECT_LE(epochs, 9);
        EXPECT_THAT(a.at("optimizer").get<std::string>(), ::testing::AnyOf("sgd", "adam"));
        seen.insert(a.dump());
        ++given;
      }
    }
    if (std::string(algorithm) != "hyperband") {
      EXPECT_EQ(calls[0].size(), 3u);
      EXPECT_EQ(calls[1].size(), 2u);
      EXPECT_EQ(seen.size(), given) << "an assignment was given twice";
    } else {
      EXPECT_GT(calls[0].size(), 0u);
      EXPECT_FALSE(calls[0][0].at("labels").empty()) << "Hyperband labels its trials";
    }
  }
  EXPECT_THAT(
      out.at("validate_bad").get<std::string>(),
      ::testing::AllOf(::testing::HasSubstr("INVALID_ARGUMENT"), ::testing::HasSubstr("acq_func")));
  EXPECT_EQ(out.at("validate_good"), "OK");
}

}  // namespace
}  // namespace tuneup
