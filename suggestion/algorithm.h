// What to try next.
//
// An Algorithm proposes parameter assignments for new trials. It is created for one experiment
// (its settings are parsed and checked then) and is pure with respect to history: Suggest sees
// every trial created so far and derives everything it needs from them, so a controller restart,
// the gRPC Suggestion service and an in-process run all take the same path. Any state an
// implementation keeps between calls is a cache that may be thrown away.
//
// Stopping running trials early is a different job (EarlyStopper); Hyperband and ASHA need both.
#pragma once

#include <map>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/search_space.h"
#include "api/trial.h"

namespace tuneup {

// One proposed trial.
struct Proposal {
  Assignment assignment;
  std::map<std::string, std::string> labels;  // copied onto the trial (e.g. a Hyperband rung)
};

struct SuggestReply {
  std::vector<Proposal> proposals;  // at most the number asked for
  // True when the algorithm has nothing more to propose, ever (a grid walked to its end): the
  // experiment ends with ExperimentSuggestionEndReached once its running trials finish.
  bool exhausted = false;
};

class Algorithm {
 public:
  virtual ~Algorithm() = default;

  // Proposes up to `count` assignments for new trials. `trials` holds every trial of the
  // experiment so far, in creation order, in every state (running ones included, so a batch never
  // repeats them). Throws Error on an internal failure; never returns an infeasible assignment.
  virtual SuggestReply Suggest(std::span<const Trial> trials, int count) = 0;
};

}  // namespace tuneup
