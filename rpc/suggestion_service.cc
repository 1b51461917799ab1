#include "rpc/suggestion_service.h"

#include <string>

#include "common/error.h"
#include "rpc/grpc_status.h"
#include "rpc/katib_convert.h"

namespace tuneup {

namespace pb = ::api::v1::beta1;

namespace {

// The largest batch one call may ask for: Katib asks for parallelTrialCount at most.
constexpr int kMaxRequestNumber = 10'000;

// Throws unless tuneup runs the experiment's algorithm, naming the request's field. Its settings
// and search space are checked when the registry creates it.
void CheckAlgorithm(const AlgorithmRegistry& registry, const Experiment& experiment) {
  const std::string& name = experiment.spec.algorithm->algorithm_name;
  if (name.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "experiment.spec.algorithm.algorithm_name: must be set");
  }
  if (registry.Find(name) == nullptr) {
    std::string runs;
    for (const auto& known : registry.Names())
      runs += (runs.empty() ? "" : ", ") + known;
    throw Error(ErrorCode::kUnsupported,
                "experiment.spec.algorithm.algorithm_name: tuneup does not "
                "run \"" +
                    name + "\" (it runs: " + runs + ")");
  }
}

}  // namespace

grpc::Status SuggestionService::GetSuggestions(grpc::ServerContext* /*context*/,
                                               const pb::GetSuggestionsRequest* request,
                                               pb::GetSuggestionsReply* reply) {
  return Serve([&] {
    const int wanted = request->current_request_number();
    if (wanted < 0 || wanted > kMaxRequestNumber) {
      throw Error(ErrorCode::kInvalidArgument, "current_request_number: " + std::to_string(wanted) +
                                                   " is not between 0 and " +
                                                   std::to_string(kMaxRequestNumber));
    }
    Experiment experiment = ExperimentFromProto(request->experiment());
    CheckAlgorithm(registry_, experiment);
    std::vector<Trial> trials = TrialsFromProto(request->trials(), experiment);
    std::unique_ptr<Algorithm> algorithm = registry_.Create(experiment);
    // Only registered names get this far (CheckAlgorithm): a client cannot invent labels.
    SuggestReply suggested = TimedSuggest(*algorithm, experiment.spec.algorithm->algorithm_name,
                                          trials, wanted, observer_);
    for (const auto& proposal : suggested.proposals) {
      pb::GetSuggestionsReply::ParameterAssignments* out = reply->add_parameter_assignments();
      for (const auto& assignment : proposal.assignment) {
        pb::ParameterAssignment* item = out->add_assignments();
        item->set_name(assignment.name);
        item->set_value(assignment.value);
      }
      out->mutable_labels()->insert(proposal.labels.begin(), proposal.labels.end());
    }
    *reply->mutable_algorithm() = request->experiment().spec().algorithm();
  });
}

grpc::Status SuggestionService::ValidateAlgorithmSettings(
    grpc::ServerContext* /*context*/, const pb::ValidateAlgorithmSettingsRequest* request,
    pb::ValidateAlgorithmSettingsReply* /*reply*/) {
  return Serve([&] {
    Experiment experiment = ExperimentFromProto(request->experiment());
    CheckAlgorithm(registry_, experiment);
    registry_.Create(experiment);  // the settings and the search space, as the algorithm reads them
  });
}

}  // namespace tuneup
