#include "suggestion/median_stop.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <optional>

#include "common/text.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

std::vector<double> Finite(std::span<const double> values) {
  std::vector<double> finite;
  finite.reserve(values.size());
  for (double v : values) {
    if (std::isfinite(v)) finite.push_back(v);
  }
  return finite;
}

double Median(std::vector<double> values) {
  const size_t middle = values.size() / 2;
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle),
                   values.end());
  const double upper = values[middle];
  if (values.size() % 2 == 1) return upper;
  const double lower =
      *std::max_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(middle));
  return lower / 2 + upper / 2;
}

}  // namespace

MedianStopSettings MedianStopSettings::Read(const Experiment& experiment, FieldErrors& errors) {
  MedianStopSettings settings;
  SettingsReader reader = SettingsReader::ForEarlyStopping(experiment, errors);
  if (auto n = reader.Int("min_trials_required", 1, 1'000'000'000)) {
    settings.min_trials_required = static_cast<int>(*n);
  }
  if (auto step = reader.Int("start_step", 1, 1'000'000'000)) {
    settings.start_step = static_cast<int>(*step);
  }
  reader.RejectUnknown("medianstop");
  return settings;
}

namespace {

// The average of the first `steps` finite values of `curve` (all of them when it has fewer);
// nullopt when it has none.
std::optional<double> RunningAverage(std::span<const double> curve, size_t steps) {
  double sum = 0;
  size_t taken = 0;
  for (size_t k = 0; k < curve.size() && taken < steps; ++k) {
    if (!std::isfinite(curve[k])) continue;
    sum += curve[k];
    ++taken;
  }
  if (taken == 0) return std::nullopt;
  return sum / static_cast<double>(taken);
}

// MedianStop over any range of completed curves (vectors or spans), without copying them.
template <typename Curves>
MedianStopDecision MedianStopOver(std::span<const double> running, const Curves& completed,
                                  bool maximize, const MedianStopSettings& settings) {
  MedianStopDecision decision;
  const std::vector<double> values = Finite(running);
  decision.step = static_cast<int>(values.size());
  if (values.empty()) return decision;
  decision.best = maximize ? *std::max_element(values.begin(), values.end())
                           : *std::min_element(values.begin(), values.end());
  if (decision.step < settings.start_step) return decision;

  std::vector<double> averages;
  averages.reserve(std::size(completed));
  for (const auto& curve : completed) {
    if (auto average = RunningAverage(curve, static_cast<size_t>(decision.step)))
      averages.push_back(*average);
  }
  if (averages.empty() || static_cast<int>(averages.size()) < settings.min_trials_required) {
    return decision;
  }
  decision.median = Median(std::move(averages));
  decision.stop = maximize ? decision.best < *decision.median : decision.best > *decision.median;
  return decision;
}

}  // namespace

MedianStopDecision MedianStop(std::span<const double> running,
                              std::span<const std::vector<double>> completed, bool maximize,
                              const MedianStopSettings& settings) {
  return MedianStopOver(running, completed, maximize, settings);
}

StopDecision MedianStopper::Decide(const TrialCurve& running, std::span<const TrialCurve> others) {
  std::vector<std::span<const double>> completed;
  for (const auto& other : others) {
    if (other.trial->status == TrialStatus::kSucceeded && !other.values.empty())
      completed.push_back(other.values);
  }
  const MedianStopDecision decision =
      MedianStopOver(running.values, completed, maximize_, settings_);
  if (!decision.stop) return {};
  return {true, "stopped early by medianstop at step " + std::to_string(decision.step) +
                    ": its best value so far, " + FormatDouble(decision.best) + ", is " +
                    (maximize_ ? "below" : "above") + " the median " +
                    FormatDouble(*decision.median) + " of " + std::to_string(completed.size()) +
                    " completed trials' running averages"};
}

}  // namespace tuneup
