// `successivehalving`: successive-halving pruning for any algorithm (random, BO, ...), the
// stopping half of ASHA (Li et al. 2020) as Optuna's SuccessiveHalvingPruner applies it.
//
// Rungs sit at steps min_resource * eta^(min_early_stopping_rate + k), k = 0, 1, ... A running
// trial that has reached a rung is measured by its value at the rung's step, against the values
// every other trial had at that step (running, completed or stopped). It goes on while it is among
// the best max(1, ⌊n / eta⌋) of those n values (itself included, ties in its favour) and is
// stopped otherwise. Only the highest rung the trial has reached is checked, and it is checked
// again as more trials reach that rung: a trial that got through when few others had arrived is
// stopped once the rung shows it was not in the top 1/eta after all.
//
// Settings (spec.earlyStopping.algorithmSettings): min_resource (the first rung's step, default
// 1), eta (>= 2, default 3), min_early_stopping_rate (default 0).
#pragma once

#include "suggestion/early_stopping.h"

namespace tuneup {

struct SuccessiveHalvingSettings {
  int64_t min_resource = 1;
  int eta = 3;
  int min_early_stopping_rate = 0;

  // Reads spec.earlyStopping.algorithmSettings; every problem goes to `errors`, naming the
  // setting.
  static SuccessiveHalvingSettings Read(const Experiment& experiment, FieldErrors& errors);
};

class SuccessiveHalvingStopper final : public EarlyStopper {
 public:
  SuccessiveHalvingStopper(SuccessiveHalvingSettings settings, bool maximize)
      : settings_(settings), maximize_(maximize) {}

  StopDecision Decide(const TrialCurve& running, std::span<const TrialCurve> others) override;

  // The step of the highest rung at or below `steps` reported values, or 0 before the first rung.
  int64_t RungStep(int64_t steps) const;

 private:
  SuccessiveHalvingSettings settings_;
  bool maximize_;
};

}  // namespace tuneup
