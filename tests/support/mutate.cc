#include "tests/support/mutate.h"

#include <random>

namespace tuneup::testing {

std::vector<std::string> Mutants(const std::vector<std::string>& seeds, int count,
                                 const MutationOptions& options) {
  std::mt19937_64 rng(options.seed);
  std::vector<std::string> mutants;
  mutants.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    std::string mutant = seeds[rng() % seeds.size()];
    const int edits = 1 + static_cast<int>(rng() % static_cast<uint64_t>(options.max_edits));
    for (int e = 0; e < edits && !mutant.empty(); ++e) {
      const size_t at = rng() % mutant.size();
      switch (rng() % 4) {
        case 0:
          mutant[at] = static_cast<char>(rng() % 256);
          break;
        case 1:
          mutant.insert(at, 1, options.insertable[rng() % options.insertable.size()]);
          break;
        case 2:
          mutant.erase(at, 1);
          break;
        default:
          mutant.resize(at);
          break;
      }
    }
    mutants.push_back(std::move(mutant));
  }
  return mutants;
}

}  // namespace tuneup::testing
