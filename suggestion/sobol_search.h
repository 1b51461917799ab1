// `sobol`: a quasi-random design that covers the space more evenly than random draws.
//
// Trial k takes point k of a Sobol sequence with one coordinate per parameter, mapped through each
// parameter's distribution (suggestion/sampling.h QuantileValue). Settings: random_state (integer
// >= 0) scrambles the sequence reproducibly; without it the plain sequence is used from its second
// point on (the first is the corner of the space), as Katib's goptuna Sobol sampler does.
#pragma once

#include <optional>
#include <string>

#include "suggestion/algorithm.h"
#include "suggestion/sobol.h"

namespace tuneup {

// Point k of the design, as an assignment.
class SobolDesign {
 public:
  // Throws Error(kInvalidArgument) for more than SobolSequence::kMaxDimensions parameters.
  SobolDesign(const SearchSpace& space, std::optional<uint64_t> scramble_seed);
  Assignment At(uint64_t k) const;

  // The error of an experiment whose algorithm `algorithm_name` uses the design, when it has more
  // parameters than a Sobol sequence has dimensions.
  static std::optional<FieldError> DimensionsError(const Experiment& experiment,
                                                   const std::string& algorithm_name);

 private:
  SearchSpace space_;
  SobolSequence sequence_;
  uint64_t first_index_;
};

class SobolSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);

  SobolSearch(const SearchSpace& space, std::optional<uint64_t> random_state);

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

 private:
  SobolDesign design_;
};

}  // namespace tuneup
