// Katib's EarlyStopping service (rpc/early_stopping_service.h) over a real socket: the median
// rule from the observation logs of a DBManager (this server's, reached by address, or its own
// store), settings validation, and SetTrialStatus.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/sqlite_store.h"
#include "rpc/server.h"
#include "tests/support/dbmanager_cases.h"
#include "tests/support/rpc_client.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::HasSubstr;
namespace katib_pb = testing::katib_pb;

class RpcEarlyStoppingTest : public ::testing::Test {
 protected:
  RpcEarlyStoppingTest() : store_(dir_.Join("tuneup.db")) {
    testing::CreateExperimentWithTrials(store_, "es", 5);  // es-0 .. es-4, Running
    server_ = testing::StartOnFreePort(store_);
    client_ = std::make_unique<testing::RpcClient>(server_->port());
    channel_ = grpc::CreateChannel("127.0.0.1:" + std::to_string(server_->port()),
                                   grpc::InsecureChannelCredentials());
    stub_ = katib_pb::EarlyStopping::NewStub(channel_);
  }

  void Report(const std::string& trial, const std::vector<std::string>& accuracies) {
    std::vector<testing::LogEntry> entries;
    int second = 0;
    for (const auto& value : accuracies) {
      entries.push_back({"2026-12-07T10:00:0" + std::to_string(second++) + "Z", "accuracy", value});
    }
    ASSERT_TRUE(client_->Report(trial, entries).ok());
  }

  // medianstop (min_trials_required 3, start_step 2) on maximised accuracy; trials es-0 ..
  // es-<succeeded - 1> Succeeded, es-4 Running.
  katib_pb::GetEarlyStoppingRulesRequest Request(int succeeded, const std::string& address) {
    katib_pb::GetEarlyStoppingRulesRequest request;
    katib_pb::Experiment* experiment = request.mutable_experiment();
    experiment->set_name("es");
    katib_pb::ParameterSpec* p =
        experiment->mutable_spec()->mutable_parameter_specs()->add_parameters();
    p->set_name("lr");
    p->set_parameter_type(katib_pb::DOUBLE);
    p->mutable_feasible_space()->set_min("0.01");
    p->mutable_feasible_space()->set_max("0.1");
    experiment->mutable_spec()->mutable_objective()->set_type(katib_pb::MAXIMIZE);
    experiment->mutable_spec()->mutable_objective()->set_objective_metric_name("accuracy");
    experiment->mutable_spec()->mutable_algorithm()->set_algorithm_name("random");
    katib_pb::EarlyStoppingSpec* es = experiment->mutable_spec()->mutable_early_stopping();
    es->set_algorithm_name("medianstop");
    for (auto [name, value] : {std::pair{"min_trials_required", "3"}, {"start_step", "2"}}) {
      katib_pb::EarlyStoppingSetting* setting = es->add_algorithm_settings();
      setting->set_name(name);
      setting->set_value(value);
    }
    for (int i = 0; i < 5; ++i) {
      katib_pb::Trial* trial = request.add_trials();
      trial->set_name("es-" + std::to_string(i));
      trial->mutable_status()->set_condition(i < succeeded ? katib_pb::TrialStatus::SUCCEEDED
                                                           : katib_pb::TrialStatus::RUNNING);
    }
    request.set_db_manager_address(address);
    return request;
  }

  grpc::Status Rules(const katib_pb::GetEarlyStoppingRulesRequest& request,
                     katib_pb::GetEarlyStoppingRulesReply* reply) {
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(30));
    return stub_->GetEarlyStoppingRules(&context, request, reply);
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(server_->port()); }

  testing::TempDir dir_;
  SqliteStore store_;
  std::unique_ptr<RpcServer> server_;
  std::unique_ptr<testing::RpcClient> client_;
  std::shared_ptr<grpc::Channel> channel_;
  std::unique_ptr<katib_pb::EarlyStopping::Stub> stub_;
};

TEST_F(RpcEarlyStoppingTest, TheRuleIsTheMedianOfTheSucceededTrialsFirstStepAverages) {
  // Averages of the first 2 values: 0.6, 0.3, 1.0 -> median 0.6 (their mean, Katib's value,
  // would be 0.633).
  Report("es-0", {"0.5", "0.7", "0.9"});
  Report("es-1", {"0.2", "0.4"});
  Report("es-2", {"1.0", "1.0", "0.1"});
  Report("es-4", {"0.01"});
  for (const std::string& db_manager : {address(), std::string()}) {
    SCOPED_TRACE("db_manager_address \"" + db_manager + "\"");
    katib_pb::GetEarlyStoppingRulesReply reply;
    grpc::Status status = Rules(Request(3, db_manager), &reply);
    ASSERT_TRUE(status.ok()) << testing::Describe(status);
    ASSERT_EQ(reply.early_stopping_rules_size(), 1);
    const katib_pb::EarlyStoppingRule& rule = reply.early_stopping_rules(0);
    EXPECT_EQ(rule.name(), "accuracy");
    EXPECT_EQ(rule.value(), "0.6");
    EXPECT_EQ(rule.comparison(), katib_pb::LESS);
    EXPECT_EQ(rule.start_step(), 2);
  }
  // Two succeeded trials are fewer than min_trials_required: no rule yet.
  katib_pb::GetEarlyStoppingRulesReply reply;
  ASSERT_TRUE(Rules(Request(2, address()), &reply).ok());
  EXPECT_EQ(reply.early_stopping_rules_size(), 0);
}

TEST_F(RpcEarlyStoppingTest, SettingsAreValidatedNamingTheProblem) {
  auto validate = [&](const std::string& algorithm, const std::string& name,
                      const std::string& value) {
    katib_pb::ValidateEarlyStoppingSettingsRequest request;
    request.mutable_early_stopping()->set_algorithm_name(algorithm);
    katib_pb::EarlyStoppingSetting* setting =
        request.mutable_early_stopping()->add_algorithm_settings();
    setting->set_name(name);
    setting->set_value(value);
    grpc::ClientContext context;
    katib_pb::ValidateEarlyStoppingSettingsReply reply;
    return stub_->ValidateEarlyStoppingSettings(&context, request, &reply);
  };
  EXPECT_TRUE(validate("medianstop", "start_step", "4").ok());
  grpc::Status bad = validate("medianstop", "start_step", "0");
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("start_step"));
  grpc::Status unknown = validate("earlybird", "start_step", "4");
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(unknown.error_message(), HasSubstr("unknown algorithm \"earlybird\""));

  katib_pb::GetEarlyStoppingRulesRequest halving = Request(3, address());
  halving.mutable_experiment()->mutable_spec()->mutable_early_stopping()->set_algorithm_name(
      "successivehalving");
  halving.mutable_experiment()
      ->mutable_spec()
      ->mutable_early_stopping()
      ->clear_algorithm_settings();
  katib_pb::GetEarlyStoppingRulesReply reply;
  EXPECT_EQ(Rules(halving, &reply).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  katib_pb::GetEarlyStoppingRulesRequest no_port = Request(3, "db-manager");
  EXPECT_EQ(Rules(no_port, &reply).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(RpcEarlyStoppingTest, SetTrialStatusStopsARunningTrialOfTheStore) {
  auto set = [&](const std::string& trial) {
    grpc::ClientContext context;
    katib_pb::SetTrialStatusRequest request;
    request.set_trial_name(trial);
    katib_pb::SetTrialStatusReply reply;
    return stub_->SetTrialStatus(&context, request, &reply);
  };
  ASSERT_TRUE(set("es-4").ok());
  std::optional<Trial> stopped = store_.GetTrial("es-4");
  ASSERT_TRUE(stopped);
  EXPECT_EQ(stopped->status, TrialStatus::kEarlyStopped);
  EXPECT_EQ(stopped->reason, trial_reason::kEarlyStopped);
  EXPECT_TRUE(set("es-4").ok()) << "again: nothing to do";
  EXPECT_EQ(set("nope").error_code(), grpc::StatusCode::NOT_FOUND);
  Trial done = *store_.GetTrial("es-0");
  done.status = TrialStatus::kSucceeded;
  store_.UpdateTrial(done, {});
  grpc::Status ended = set("es-0");
  EXPECT_EQ(ended.error_code(), grpc::StatusCode::FAILED_PRECONDITION);
  EXPECT_THAT(ended.error_message(), HasSubstr("Succeeded"));
}

}  // namespace
}  // namespace tuneup
