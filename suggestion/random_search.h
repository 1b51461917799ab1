// `random`: independent draws from each parameter's distribution (suggestion/sampling.h).
//
// Settings: random_state (integer >= 0). With it, trial k's assignment depends only on the seed
// and k, so a run reproduces exactly however trials were batched or resumed.
#pragma once

#include <optional>

#include "suggestion/algorithm.h"

namespace tuneup {

class RandomSearch final : public Algorithm {
 public:
  static FieldErrors ValidateSettings(const Experiment& experiment);

  RandomSearch(SearchSpace space, std::optional<uint64_t> random_state);

  SuggestReply Suggest(std::span<const Trial> trials, int count) override;

 private:
  SearchSpace space_;
  uint64_t seed_;
};

}  // namespace tuneup
