// Katib's Suggestion service (api.v1.beta1.Suggestion) over tuneup's algorithms
// (suggestion/registry.h): what Katib's controller calls to get new trials, wire-compatible with
// Katib's own suggestion services, so a Katib deployment can use tuneup's algorithms.
//
// Stateless: every call builds the algorithm from the request's experiment and gives it the
// request's trials as history (tuneup's algorithms are pure functions of it), so calls may come
// in any order, from any number of experiments and clients, and after restarts.
//
// GetSuggestions returns current_request_number assignments (fewer when the algorithm has no
// more: a walked grid, a finished Hyperband), each with the labels the algorithm attaches (a
// Hyperband trial's bracket and rung), and echoes the request's algorithm spec, which Katib's
// controller stores. ValidateAlgorithmSettings returns OK or INVALID_ARGUMENT naming every bad
// setting. A malformed request is INVALID_ARGUMENT naming the field; an algorithm tuneup does
// not run is UNIMPLEMENTED naming the ones it does.
#pragma once

#include "rpc/katib_api.grpc.pb.h"
#include "suggestion/registry.h"
#include "suggestion/timed_suggest.h"

namespace tuneup {

class SuggestionService final : public ::api::v1::beta1::Suggestion::Service {
 public:
  // `registry`, and `observer` when given (told how long each GetSuggestions' algorithm took),
  // must outlive the service.
  explicit SuggestionService(const AlgorithmRegistry& registry,
                             SuggestionObserver* observer = nullptr)
      : registry_(registry), observer_(observer) {}

  grpc::Status GetSuggestions(grpc::ServerContext* context,
                              const ::api::v1::beta1::GetSuggestionsRequest* request,
                              ::api::v1::beta1::GetSuggestionsReply* reply) override;
  grpc::Status ValidateAlgorithmSettings(
      grpc::ServerContext* context,
      const ::api::v1::beta1::ValidateAlgorithmSettingsRequest* request,
      ::api::v1::beta1::ValidateAlgorithmSettingsReply* reply) override;

 private:
  const AlgorithmRegistry& registry_;
  SuggestionObserver* observer_;
};

}  // namespace tuneup
