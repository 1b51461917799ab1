#include "suggestion/sobol_search.h"

#include "suggestion/sampling.h"
#include "suggestion/settings.h"

namespace tuneup {

SobolDesign::SobolDesign(const SearchSpace& space, std::optional<uint64_t> scramble_seed)
    : space_(space),
      sequence_(static_cast<int>(space.parameters().size()), scramble_seed),
      first_index_(scramble_seed ? 0 : 1) {}

Assignment SobolDesign::At(uint64_t k) const {
  std::vector<double> u = sequence_.Point(first_index_ + k);
  Assignment assignment;
  const auto& parameters = space_.parameters();
  assignment.reserve(parameters.size());
  for (size_t i = 0; i < parameters.size(); ++i) {
    assignment.push_back({parameters[i].name, QuantileValue(parameters[i], u[i])});
  }
  return assignment;
}

FieldErrors SobolSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors;
  if (experiment.spec.algorithm) {
    SettingsReader reader(experiment.spec.algorithm->algorithm_settings,
                          "spec.algorithm.algorithmSettings", errors);
    ReadRandomState(reader);
    reader.RejectUnknown("sobol");
  }
  if (experiment.spec.parameters.size() > SobolSequence::kMaxDimensions) {
    errors.push_back({"spec.parameters", "sobol supports at most " +
                                             std::to_string(SobolSequence::kMaxDimensions) +
                                             " parameters"});
  }
  return errors;
}

SobolSearch::SobolSearch(const SearchSpace& space, std::optional<uint64_t> random_state)
    : design_(space, random_state) {}

SuggestReply SobolSearch::Suggest(std::span<const Trial> trials, int count) {
  SuggestReply reply;
  for (int i = 0; i < count; ++i) {
    reply.proposals.push_back({design_.At(trials.size() + static_cast<uint64_t>(i)), {}});
  }
  return reply;
}

}  // namespace tuneup
