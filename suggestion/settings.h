// Reading an algorithm's settings (spec.algorithm.algorithmSettings), with errors that name the
// setting: `spec.algorithm.algorithmSettings[1].value: random_state must be an integer >= 0, got
// "abc"`. Each algorithm reads the settings it knows; whatever is left is reported as unknown.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

// Where the settings live, for readers and the errors about them.
inline constexpr const char* kAlgorithmSettingsPath = "spec.algorithm.algorithmSettings";
inline constexpr const char* kEarlyStoppingSettingsPath = "spec.earlyStopping.algorithmSettings";

class SettingsReader {
 public:
  SettingsReader(const std::vector<NamedSetting>& settings, std::string path, FieldErrors& errors)
      : settings_(settings), path_(std::move(path)), errors_(errors) {}

  // A reader of spec.algorithm.algorithmSettings (none when there is no spec.algorithm).
  static SettingsReader ForAlgorithm(const Experiment& experiment, FieldErrors& errors);
  // A reader of spec.earlyStopping.algorithmSettings (none when there is no spec.earlyStopping).
  static SettingsReader ForEarlyStopping(const Experiment& experiment, FieldErrors& errors);

  // The integer setting `name` in [min, max], if given and valid.
  std::optional<int64_t> Int(const std::string& name, int64_t min, int64_t max);
  // The number setting `name` in [min, max], if given and valid.
  std::optional<double> Double(const std::string& name, double min, double max);
  // The setting `name`, which must be one of `allowed`.
  std::optional<std::string> OneOf(const std::string& name,
                                   const std::vector<std::string>& allowed);

  // Reports every setting that no read asked for, naming the algorithm and the known settings.
  void RejectUnknown(const std::string& algorithm_name);

 private:
  // Index of the last setting called `name` (the one in force), or -1.
  int Find(const std::string& name);
  std::string ValuePath(int index) const;

  const std::vector<NamedSetting>& settings_;
  std::string path_;
  FieldErrors& errors_;
  std::set<std::string> known_;
};

// The `random_state` setting shared by every sampling algorithm: a seed >= 0.
std::optional<uint64_t> ReadRandomState(SettingsReader& reader);

// The settings errors of an algorithm whose only setting is random_state (random, grid, sobol).
FieldErrors RandomStateOnlyErrors(const Experiment& experiment, const std::string& algorithm_name);

}  // namespace tuneup
