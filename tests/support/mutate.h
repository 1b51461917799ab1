// Seeded mutations of valid inputs, for the robustness tests of everything that parses untrusted
// bytes: each parser must survive every mutant without crashing, hanging or growing.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tuneup::testing {

struct MutationOptions {
  uint64_t seed = 20261123;
  int max_edits = 4;  // each mutant gets 1..max_edits edits
  // Bytes that insertions draw from: the format's own punctuation finds more paths than noise.
  std::string_view insertable = "{}[]\":,-.eE0\\n";
};

// `count` mutants, each a copy of one of `seeds` (picked at random) with bytes flipped to any
// value, inserted from options.insertable, deleted, or the rest cut off.
std::vector<std::string> Mutants(const std::vector<std::string>& seeds, int count,
                                 const MutationOptions& options = {});

}  // namespace tuneup::testing
