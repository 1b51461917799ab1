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

std::optional<FieldError> SobolDesign::DimensionsError(const Experiment& experiment,
                                                       const std::string& algorithm_name) {
  if (experiment.spec.parameters.size() <= SobolSequence::kMaxDimensions) return std::nullopt;
  return FieldError{"spec.parameters", algorithm_name + " supports at most " +
                                           std::to_string(SobolSequence::kMaxDimensions) +
                                           " parameters"};
}

FieldErrors SobolSearch::ValidateSettings(const Experiment& experiment) {
  FieldErrors errors = RandomStateOnlyErrors(experiment, "sobol");
  if (auto error = SobolDesign::DimensionsError(experiment, "sobol")) errors.push_back(*error);
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
