#include "suggestion/early_stopping.h"

#include "common/error.h"
#include "suggestion/median_stop.h"
#include "suggestion/successive_halving_stop.h"

namespace tuneup {

namespace {

// Reads the settings of the stopper `experiment` names into `errors` and, when `create` is set
// and they are valid, creates it.
std::unique_ptr<EarlyStopper> ReadStopper(const Experiment& experiment, FieldErrors& errors,
                                          bool create) {
  const std::string& name = experiment.spec.early_stopping->algorithm_name;
  const size_t before = errors.size();
  if (name == "medianstop") {
    auto settings = MedianStopSettings::Read(experiment, errors);
    if (create && errors.size() == before)
      return std::make_unique<MedianStopper>(settings, MaximizesObjective(experiment));
  } else if (name == "successivehalving") {
    auto settings = SuccessiveHalvingSettings::Read(experiment, errors);
    if (create && errors.size() == before)
      return std::make_unique<SuccessiveHalvingStopper>(settings, MaximizesObjective(experiment));
  } else {
    errors.push_back({"spec.earlyStopping.algorithmName",
                      "tuneup cannot run the early stopping algorithm \"" + name +
                          "\" (it runs: medianstop, successivehalving)"});
  }
  return nullptr;
}

}  // namespace

const std::vector<std::string>& EarlyStopperNames() {
  static const std::vector<std::string> names{"medianstop", "successivehalving"};
  return names;
}

FieldErrors ValidateEarlyStoppingSettings(const Experiment& experiment) {
  FieldErrors errors;
  if (experiment.spec.early_stopping) ReadStopper(experiment, errors, false);
  return errors;
}

std::unique_ptr<EarlyStopper> CreateEarlyStopper(const Experiment& experiment) {
  if (!experiment.spec.early_stopping) return nullptr;
  FieldErrors errors;
  auto stopper = ReadStopper(experiment, errors, true);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  return stopper;
}

}  // namespace tuneup
