#include "suggestion/median_stop.h"

#include <algorithm>
#include <cmath>

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
  static const std::vector<NamedSetting> kNone;
  const auto& given =
      experiment.spec.early_stopping ? experiment.spec.early_stopping->algorithm_settings : kNone;
  SettingsReader reader(given, "spec.earlyStopping.algorithmSettings", errors);
  if (auto n = reader.Int("min_trials_required", 1, 1'000'000'000)) {
    settings.min_trials_required = static_cast<int>(*n);
  }
  if (auto step = reader.Int("start_step", 1, 1'000'000'000)) {
    settings.start_step = static_cast<int>(*step);
  }
  reader.RejectUnknown("medianstop");
  return settings;
}

MedianStopDecision MedianStop(std::span<const double> running,
                              std::span<const std::vector<double>> completed, bool maximize,
                              const MedianStopSettings& settings) {
  MedianStopDecision decision;
  const std::vector<double> values = Finite(running);
  decision.step = static_cast<int>(values.size());
  if (values.empty()) return decision;
  decision.best = maximize ? *std::max_element(values.begin(), values.end())
                           : *std::min_element(values.begin(), values.end());
  if (decision.step < settings.start_step) return decision;

  std::vector<double> averages;
  for (const auto& curve : completed) {
    const std::vector<double> finite = Finite(curve);
    if (finite.empty()) continue;
    const size_t upto = std::min(finite.size(), static_cast<size_t>(decision.step));
    double sum = 0;
    for (size_t k = 0; k < upto; ++k)
      sum += finite[k];
    averages.push_back(sum / static_cast<double>(upto));
  }
  if (averages.empty() || static_cast<int>(averages.size()) < settings.min_trials_required) {
    return decision;
  }
  decision.median = Median(std::move(averages));
  decision.stop = maximize ? decision.best < *decision.median : decision.best > *decision.median;
  return decision;
}

StopDecision MedianStopper::Decide(const TrialCurve& running, std::span<const TrialCurve> others) {
  std::vector<std::vector<double>> completed;
  for (const auto& other : others) {
    if (other.trial->status == TrialStatus::kSucceeded && !other.values.empty()) {
      completed.emplace_back(other.values.begin(), other.values.end());
    }
  }
  const MedianStopDecision decision = MedianStop(running.values, completed, maximize_, settings_);
  if (!decision.stop) return {};
  return {true, "stopped early by medianstop at step " + std::to_string(decision.step) +
                    ": its best value so far, " + FormatDouble(decision.best) + ", is " +
                    (maximize_ ? "below" : "above") + " the median " +
                    FormatDouble(*decision.median) + " of " + std::to_string(completed.size()) +
                    " completed trials' running averages"};
}

}  // namespace tuneup
