// Experiments written straight into a store, in a given state, for tests that read stores the
// way `tuneup serve`'s monitoring does.
#pragma once

#include <string>
#include <vector>

#include "db/store.h"

namespace tuneup::testing {

// Stores experiment `name` (the runner fixture's manifest, tests/support/runner_fixture.h) in
// `state` (finished ones with completion time `at`), with one trial in each of `statuses`, named
// <name>-0, <name>-1, ...
void StoreExperiment(Store& store, const std::string& name, ExperimentState state,
                     const std::vector<TrialStatus>& statuses, Timestamp at = Timestamp{});

}  // namespace tuneup::testing
