#include "suggestion/random_search.h"

#include "suggestion/sampling.h"
#include "suggestion/settings.h"

namespace tuneup {

FieldErrors RandomSearch::ValidateSettings(const Experiment& experiment) {
  return RandomStateOnlyErrors(experiment, "random");
}

RandomSearch::RandomSearch(SearchSpace space, std::optional<uint64_t> random_state)
    : space_(std::move(space)), seed_(random_state ? *random_state : FreshSeed()) {}

SuggestReply RandomSearch::Suggest(std::span<const Trial> trials, int count) {
  SuggestReply reply;
  for (int i = 0; i < count; ++i) {
    Rng rng(MixSeed(seed_, trials.size() + static_cast<uint64_t>(i)));
    reply.proposals.push_back({SampleAssignment(space_, rng), {}});
  }
  return reply;
}

}  // namespace tuneup
