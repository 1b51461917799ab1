// Stopping running trials that are unlikely to end well.
//
// An EarlyStopper looks at the objective values a running trial has reported so far (its
// learning curve) next to every other trial's, and says whether to stop it now. The runner asks
// after each batch of observations is stored, stops the trial's job when told to, and records the
// trial as EarlyStopped (Katib's condition): not failed, and its objective so far, reduced by the
// metric strategy, stays with it for the algorithm and for the experiment's best.
//
// Like an Algorithm, a stopper is pure with respect to history: everything it decides follows
// from the curves it is given, so a restarted controller stops the same trials.
//
// spec.earlyStopping.algorithmName chooses the stopper:
//   medianstop         Katib's median stopping rule (suggestion/median_stop.h)
//   successivehalving  tuneup's rung-based pruning, as in ASHA
//   (suggestion/successive_halving_stop.h)
#pragma once

#include <memory>
#include <span>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/trial.h"
#include "common/error.h"

namespace tuneup {

// The values of the objective metric one trial has reported, in order: step k is the k-th value
// (counting from 1). For a trial that ran more than once, the values of its current attempt.
struct TrialCurve {
  const Trial* trial = nullptr;  // its status says whether it is still running
  std::span<const double> values;
};

struct StopDecision {
  bool stop = false;
  std::string message;  // why, in words, for the trial's message (set when stop is true)
};

class EarlyStopper {
 public:
  virtual ~EarlyStopper() = default;

  // Whether the running trial `running` should stop now. `others` holds every other trial of the
  // experiment with its curve, in any state.
  virtual StopDecision Decide(const TrialCurve& running, std::span<const TrialCurve> others) = 0;
};

// Early stopping algorithms tuneup runs: medianstop, successivehalving.
const std::vector<std::string>& EarlyStopperNames();

// The problems with spec.earlyStopping's algorithmSettings (each naming its setting); empty when
// there is no spec.earlyStopping.
FieldErrors ValidateEarlyStoppingSettings(const Experiment& experiment);

// The stopper of `experiment`, or nullptr when it has no spec.earlyStopping. Throws
// Error(kInvalidArgument) with the first settings problem.
std::unique_ptr<EarlyStopper> CreateEarlyStopper(const Experiment& experiment);

}  // namespace tuneup
