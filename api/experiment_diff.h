// Comparing two experiments field by field, for messages such as "stored with a different spec".
#pragma once

#include <string>
#include <vector>

#include "api/experiment.h"

namespace tuneup {

// Where two experiments differ, one line per differing field in manifest terms, e.g.
// "spec.maxTrialCount: 12 -> 20" (`before` first). At most `limit` lines; empty when equal.
// Server-side metadata (uid, resourceVersion, ...) is not compared.
std::vector<std::string> DiffExperiments(const Experiment& before, const Experiment& after,
                                         size_t limit = 20);

}  // namespace tuneup
