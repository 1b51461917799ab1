// Katib's Suggestion service (rpc/suggestion_service.h) over a real socket on 127.0.0.1, called
// as Katib's controller calls it: the experiment and its trials in every request.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <string>

#include "common/text.h"
#include "db/sqlite_store.h"
#include "rpc/server.h"
#include "tests/support/recording_suggestion_observer.h"
#include "tests/support/rpc_client.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using ::testing::HasSubstr;
using testing::katib_pb::Experiment;
using testing::katib_pb::GetSuggestionsReply;
using testing::katib_pb::GetSuggestionsRequest;

namespace katib_pb = testing::katib_pb;

void AddParameter(Experiment& experiment, const std::string& name, katib_pb::ParameterType type,
                  const std::string& min, const std::string& max,
                  std::vector<std::string> list = {}) {
  katib_pb::ParameterSpec* p =
      experiment.mutable_spec()->mutable_parameter_specs()->add_parameters();
  p->set_name(name);
  p->set_parameter_type(type);
  p->mutable_feasible_space()->set_min(min);
  p->mutable_feasible_space()->set_max(max);
  for (auto& item : list)
    p->mutable_feasible_space()->add_list(item);
}

// lr (double, 0.01..0.1), layers (int, 1..3), opt (categorical sgd/adam); minimize loss.
Experiment ProtoExperiment(const std::string& algorithm,
                           std::map<std::string, std::string> settings = {{"random_state", "7"}}) {
  Experiment experiment;
  experiment.set_name("rpc-exp");
  AddParameter(experiment, "lr", katib_pb::DOUBLE, "0.01", "0.1");
  AddParameter(experiment, "layers", katib_pb::INT, "1", "3");
  AddParameter(experiment, "opt", katib_pb::CATEGORICAL, "", "", {"sgd", "adam"});
  katib_pb::ObjectiveSpec* objective = experiment.mutable_spec()->mutable_objective();
  objective->set_type(katib_pb::MINIMIZE);
  objective->set_objective_metric_name("loss");
  experiment.mutable_spec()->mutable_algorithm()->set_algorithm_name(algorithm);
  for (const auto& [name, value] : settings) {
    katib_pb::AlgorithmSetting* setting =
        experiment.mutable_spec()->mutable_algorithm()->add_algorithm_settings();
    setting->set_name(name);
    setting->set_value(value);
  }
  experiment.mutable_spec()->set_parallel_trial_count(3);
  experiment.mutable_spec()->set_max_trial_count(30);
  return experiment;
}

std::string ValueOf(const GetSuggestionsReply::ParameterAssignments& a, const std::string& name) {
  for (const auto& item : a.assignments()) {
    if (item.name() == name) return item.value();
  }
  return "(none)";
}

// A finished trial of the request with the reply's assignment and loss = f(assignment).
void AddFinishedTrial(GetSuggestionsRequest& request,
                      const GetSuggestionsReply::ParameterAssignments& assignment,
                      const std::string& name) {
  katib_pb::Trial* trial = request.add_trials();
  trial->set_name(name);
  *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
      assignment.assignments();
  trial->mutable_spec()->mutable_labels()->insert(assignment.labels().begin(),
                                                  assignment.labels().end());
  trial->mutable_status()->set_condition(katib_pb::TrialStatus::SUCCEEDED);
  const double lr = ParseDouble(ValueOf(assignment, "lr")).value();
  katib_pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
  metric->set_name("loss");
  metric->set_value(
      FormatDouble((lr - 0.03) * (lr - 0.03) + (ValueOf(assignment, "opt") == "adam" ? 0 : 0.01)));
}

class RpcSuggestionTest : public ::testing::Test {
 protected:
  RpcSuggestionTest()
      : store_(dir_.Join("tuneup.db")),
        server_(RpcServer::Start(store_, Options())),
        client_(server_->port()) {}

  RpcServerOptions Options() {
    RpcServerOptions options;
    options.address = "127.0.0.1:0";
    options.suggestion_observer = &observer_;
    return options;
  }

  GetSuggestionsReply Ask(const GetSuggestionsRequest& request) {
    GetSuggestionsReply reply;
    grpc::Status status = client_.GetSuggestions(request, &reply);
    EXPECT_TRUE(status.ok()) << testing::Describe(status);
    return reply;
  }

  static GetSuggestionsRequest Request(const Experiment& experiment, int count) {
    GetSuggestionsRequest request;
    *request.mutable_experiment() = experiment;
    request.set_current_request_number(count);
    request.set_total_request_number(count);
    return request;
  }

  testing::TempDir dir_;
  testing::RecordingSuggestionObserver observer_;
  SqliteStore store_;
  std::unique_ptr<RpcServer> server_;
  testing::RpcClient client_;
};

void ExpectInsideTheSpace(const GetSuggestionsReply::ParameterAssignments& a) {
  ASSERT_EQ(a.assignments_size(), 3);
  const double lr = ParseDouble(ValueOf(a, "lr")).value();
  EXPECT_GE(lr, 0.01);
  EXPECT_LE(lr, 0.1);
  const std::string layers = ValueOf(a, "layers");
  EXPECT_TRUE(layers == "1" || layers == "2" || layers == "3") << layers;
  const std::string opt = ValueOf(a, "opt");
  EXPECT_TRUE(opt == "sgd" || opt == "adam") << opt;
}

TEST_F(RpcSuggestionTest, RandomGivesTheNumberAskedForInsideTheSpace) {
  Experiment experiment = ProtoExperiment("random");
  GetSuggestionsReply reply = Ask(Request(experiment, 3));
  ASSERT_EQ(reply.parameter_assignments_size(), 3);
  for (const auto& a : reply.parameter_assignments())
    ExpectInsideTheSpace(a);
  // The algorithm spec comes back as sent (Katib's controller stores it).
  EXPECT_EQ(reply.algorithm().algorithm_name(), "random");
  ASSERT_EQ(reply.algorithm().algorithm_settings_size(), 1);
  EXPECT_EQ(reply.algorithm().algorithm_settings(0).value(), "7");
}

TEST_F(RpcSuggestionTest, EachCallIsTimedUnderItsAlgorithm) {
  Ask(Request(ProtoExperiment("random"), 3));
  Ask(Request(ProtoExperiment("sobol"), 1));
  GetSuggestionsReply reply;
  GetSuggestionsRequest unknown = Request(ProtoExperiment("no-such-algorithm", {}), 1);
  EXPECT_EQ(client_.GetSuggestions(unknown, &reply).error_code(), grpc::StatusCode::UNIMPLEMENTED);
  // Refused requests never reach an algorithm, so they name none.
  EXPECT_EQ(observer_.algorithms(), (std::vector<std::string>{"random", "sobol"}));
}

TEST_F(RpcSuggestionTest, SuggestionsAreAFunctionOfTheRequestAlone) {
  // Stateless: the same request gives the same answer, whatever came between.
  GetSuggestionsRequest request = Request(ProtoExperiment("bayesianoptimization"), 2);
  GetSuggestionsReply first = Ask(request);
  Ask(Request(ProtoExperiment("random", {{"random_state", "1"}}), 5));
  GetSuggestionsReply second = Ask(request);
  EXPECT_EQ(first.SerializeAsString(), second.SerializeAsString());
}

TEST_F(RpcSuggestionTest, BayesianOptimisationLearnsFromTheTrialsInTheRequest) {
  Experiment experiment =
      ProtoExperiment("bayesianoptimization", {{"random_state", "3"}, {"n_initial_points", "4"}});
  GetSuggestionsRequest request = Request(experiment, 1);
  for (int i = 0; i < 12; ++i) {
    GetSuggestionsReply reply = Ask(request);
    ASSERT_EQ(reply.parameter_assignments_size(), 1) << "call " << i;
    ExpectInsideTheSpace(reply.parameter_assignments(0));
    AddFinishedTrial(request, reply.parameter_assignments(0), "rpc-exp-" + std::to_string(i));
    request.set_total_request_number(request.total_request_number() + 1);
  }
  // The loss is lowest at lr 0.03 with adam: after 12 trials the model has found the region.
  double best = 1e9;
  for (const auto& trial : request.trials()) {
    best = std::min(best, ParseDouble(trial.status().observation().metrics(0).value()).value());
  }
  EXPECT_LT(best, 0.0005);
}

TEST_F(RpcSuggestionTest, GridWalksTheSpaceOnceAndThenHasNothingLeft) {
  Experiment experiment;
  experiment.set_name("grid-exp");
  AddParameter(experiment, "layers", katib_pb::INT, "1", "3");
  AddParameter(experiment, "opt", katib_pb::CATEGORICAL, "", "", {"sgd", "adam"});
  experiment.mutable_spec()->mutable_objective()->set_type(katib_pb::MAXIMIZE);
  experiment.mutable_spec()->mutable_objective()->set_objective_metric_name("accuracy");
  experiment.mutable_spec()->mutable_algorithm()->set_algorithm_name("grid");
  GetSuggestionsRequest request = Request(experiment, 4);
  GetSuggestionsReply first = Ask(request);
  ASSERT_EQ(first.parameter_assignments_size(), 4);
  for (int i = 0; i < 4; ++i) {
    katib_pb::Trial* trial = request.add_trials();
    trial->set_name("grid-exp-" + std::to_string(i));
    *trial->mutable_spec()->mutable_parameter_assignments()->mutable_assignments() =
        first.parameter_assignments(i).assignments();
    trial->mutable_status()->set_condition(katib_pb::TrialStatus::RUNNING);
  }
  GetSuggestionsReply rest = Ask(request);
  ASSERT_EQ(rest.parameter_assignments_size(), 2) << "6 points, 4 already given";
  std::set<std::string> points;
  for (const auto* reply : {&first, &rest}) {
    for (const auto& a : reply->parameter_assignments())
      points.insert(ValueOf(a, "layers") + "/" + ValueOf(a, "opt"));
  }
  EXPECT_EQ(points.size(), 6u);
}

TEST_F(RpcSuggestionTest, HyperbandLabelsItsTrialsWithTheirBracketAndRung) {
  Experiment experiment = ProtoExperiment(
      "hyperband",
      {{"resource_name", "layers"}, {"r_l", "3"}, {"eta", "3"}, {"random_state", "2"}});
  GetSuggestionsReply reply = Ask(Request(experiment, 3));
  ASSERT_GT(reply.parameter_assignments_size(), 0);
  for (const auto& a : reply.parameter_assignments()) {
    EXPECT_FALSE(a.labels().empty());
    ExpectInsideTheSpace(a);
  }
}

TEST_F(RpcSuggestionTest, SettingsAreValidatedNamingTheSetting) {
  EXPECT_TRUE(client_.ValidateAlgorithmSettings(ProtoExperiment("random")).ok());
  grpc::Status bad = client_.ValidateAlgorithmSettings(
      ProtoExperiment("bayesianoptimization", {{"acq_func", "nope"}}));
  EXPECT_EQ(bad.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(bad.error_message(), HasSubstr("acq_func"));
  grpc::Status unknown = client_.ValidateAlgorithmSettings(ProtoExperiment("enas"));
  EXPECT_EQ(unknown.error_code(), grpc::StatusCode::UNIMPLEMENTED);
  EXPECT_THAT(unknown.error_message(), HasSubstr("it runs: "));
  GetSuggestionsReply reply;
  grpc::Status asked = client_.GetSuggestions(
      Request(ProtoExperiment("random", {{"random_state", "seven"}}), 1), &reply);
  EXPECT_EQ(asked.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(asked.error_message(), HasSubstr("random_state"));
}

TEST_F(RpcSuggestionTest, MalformedRequestsAreInvalidArgumentsNamingTheField) {
  auto status_of = [&](const GetSuggestionsRequest& request) {
    GetSuggestionsReply reply;
    return client_.GetSuggestions(request, &reply);
  };
  GetSuggestionsRequest no_type = Request(ProtoExperiment("random"), 1);
  no_type.mutable_experiment()
      ->mutable_spec()
      ->mutable_parameter_specs()
      ->mutable_parameters(1)
      ->set_parameter_type(katib_pb::UNKNOWN_TYPE);
  grpc::Status status = status_of(no_type);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(),
              HasSubstr("experiment.spec.parameter_specs.parameters[1].parameter_type"));

  GetSuggestionsRequest bad_bounds = Request(ProtoExperiment("random"), 1);
  bad_bounds.mutable_experiment()
      ->mutable_spec()
      ->mutable_parameter_specs()
      ->mutable_parameters(0)
      ->mutable_feasible_space()
      ->set_min("zero");
  status = status_of(bad_bounds);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("zero"));

  GetSuggestionsRequest bad_metric = Request(ProtoExperiment("random"), 1);
  katib_pb::Trial* trial = bad_metric.add_trials();
  trial->set_name("t");
  trial->mutable_status()->set_condition(katib_pb::TrialStatus::SUCCEEDED);
  katib_pb::Metric* metric = trial->mutable_status()->mutable_observation()->add_metrics();
  metric->set_name("loss");
  metric->set_value("NaN");
  status = status_of(bad_metric);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("trials[0].status.observation.metrics[0].value"));

  GetSuggestionsRequest negative = Request(ProtoExperiment("random"), -1);
  status = status_of(negative);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("current_request_number"));

  GetSuggestionsRequest no_objective = Request(ProtoExperiment("random"), 1);
  no_objective.mutable_experiment()->mutable_spec()->clear_objective();
  status = status_of(no_objective);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("experiment.spec.objective.type"));
}

}  // namespace
}  // namespace tuneup
