// The median stopping rule (Golovin et al. 2017, "Google Vizier", section 3.2.2), with Katib's
// `medianstop` settings: a running trial is stopped at step s when its best objective so far is
// strictly worse than the median, over the completed trials, of their running averages up to
// step s.
//
// A step is one reported value of the objective metric (the k-th value a trial reports is its
// step k, counting from 1). A completed trial that reported fewer than s values contributes the
// average of all of them. Nothing is stopped before the running trial has reported start_step
// values, nor while fewer than min_trials_required trials have completed.
//
// This is the rule as the paper defines it (and as Ray Tune and NNI implement it). The completed
// trials are the Succeeded ones: a trial stopped early never sets the bar for the others.
#pragma once

#include <optional>
#include <span>
#include <vector>

#include "suggestion/early_stopping.h"

namespace tuneup {

struct MedianStopSettings {
  int min_trials_required = 3;
  int start_step = 4;

  // Reads spec.earlyStopping.algorithmSettings (min_trials_required >= 1, start_step >= 1); every
  // problem goes to `errors`, naming the setting.
  static MedianStopSettings Read(const Experiment& experiment, FieldErrors& errors);
};

struct MedianStopDecision {
  bool stop = false;
  int step = 0;                  // the running trial's step the decision is about
  std::optional<double> median;  // the median it was compared with, when there was one
  double best = 0;               // the running trial's best value so far (when step > 0)
};

// `running`: the running trial's objective values in the order reported; `completed`: the
// completed trials' values, each in the order reported (trials without any value are left out by
// the caller). `maximize`: the objective's direction. Non-finite values are ignored.
MedianStopDecision MedianStop(std::span<const double> running,
                              std::span<const std::vector<double>> completed, bool maximize,
                              const MedianStopSettings& settings);

// `medianstop`: MedianStop as an EarlyStopper.
class MedianStopper final : public EarlyStopper {
 public:
  MedianStopper(MedianStopSettings settings, bool maximize)
      : settings_(settings), maximize_(maximize) {}

  StopDecision Decide(const TrialCurve& running, std::span<const TrialCurve> others) override;

 private:
  MedianStopSettings settings_;
  bool maximize_;
};

}  // namespace tuneup
