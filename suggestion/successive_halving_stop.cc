#include "suggestion/successive_halving_stop.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/text.h"
#include "suggestion/settings.h"

namespace tuneup {

namespace {

constexpr int64_t kMaxResource = int64_t{1} << 40;

}  // namespace

SuccessiveHalvingSettings SuccessiveHalvingSettings::Read(const Experiment& experiment,
                                                          FieldErrors& errors) {
  SuccessiveHalvingSettings settings;
  SettingsReader reader = SettingsReader::ForEarlyStopping(experiment, errors);
  if (auto r = reader.Int("min_resource", 1, kMaxResource)) settings.min_resource = *r;
  if (auto eta = reader.Int("eta", 2, 1'000'000)) settings.eta = static_cast<int>(*eta);
  if (auto rate = reader.Int("min_early_stopping_rate", 0, 40)) {
    settings.min_early_stopping_rate = static_cast<int>(*rate);
  }
  reader.RejectUnknown("successivehalving");
  return settings;
}

int64_t SuccessiveHalvingStopper::RungStep(int64_t steps) const {
  int64_t rung = settings_.min_resource;
  for (int i = 0; i < settings_.min_early_stopping_rate; ++i) {
    if (rung > steps / settings_.eta) return 0;
    rung *= settings_.eta;
  }
  if (rung > steps) return 0;
  while (rung <= steps / settings_.eta)
    rung *= settings_.eta;
  return rung;
}

StopDecision SuccessiveHalvingStopper::Decide(const TrialCurve& running,
                                              std::span<const TrialCurve> others) {
  const int64_t step = RungStep(static_cast<int64_t>(running.values.size()));
  if (step == 0) return {};
  // Lower is better below; a value that is not a number ranks last.
  auto score = [this](double value) {
    if (std::isnan(value)) return std::numeric_limits<double>::infinity();
    return maximize_ ? -value : value;
  };
  const auto at = static_cast<size_t>(step - 1);
  const double own = score(running.values[at]);
  int64_t reached = 1;
  int64_t better = 0;  // others strictly better than the running trial at this rung
  for (const auto& other : others) {
    if (other.values.size() <= at) continue;
    ++reached;
    if (score(other.values[at]) < own) ++better;
  }
  const int64_t kept = std::max<int64_t>(1, reached / settings_.eta);
  if (better < kept) return {};
  return {true, "stopped early by successivehalving at step " + std::to_string(step) +
                    ": its value " + FormatDouble(running.values[at]) + " is not among the best " +
                    std::to_string(kept) + " of the " + std::to_string(reached) +
                    " trials that reached this step"};
}

}  // namespace tuneup
