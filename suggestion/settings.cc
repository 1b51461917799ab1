#include "suggestion/settings.h"

#include <cmath>

#include "common/text.h"

namespace tuneup {

int SettingsReader::Find(const std::string& name) {
  known_.insert(name);
  int found = -1;
  for (size_t i = 0; i < settings_.size(); ++i) {
    if (settings_[i].name == name) found = static_cast<int>(i);
  }
  return found;
}

std::string SettingsReader::ValuePath(int index) const {
  return IndexPath(path_, static_cast<size_t>(index)) + ".value";
}

std::optional<int64_t> SettingsReader::Int(const std::string& name, int64_t min, int64_t max) {
  int index = Find(name);
  if (index < 0) return std::nullopt;
  const std::string& text = settings_[index].value;
  auto value = ParseInt64(text);
  if (!value || *value < min || *value > max) {
    std::string range = max == INT64_MAX
                            ? ">= " + std::to_string(min)
                            : "in [" + std::to_string(min) + ", " + std::to_string(max) + "]";
    errors_.push_back(
        {ValuePath(index), name + " must be an integer " + range + ", got \"" + text + "\""});
    return std::nullopt;
  }
  return value;
}

std::optional<double> SettingsReader::Double(const std::string& name, double min, double max) {
  int index = Find(name);
  if (index < 0) return std::nullopt;
  const std::string& text = settings_[index].value;
  auto value = ParseDouble(text);
  if (!value || !std::isfinite(*value) || *value < min || *value > max) {
    errors_.push_back({ValuePath(index), name + " must be a number in [" + FormatDouble(min) +
                                             ", " + FormatDouble(max) + "], got \"" + text + "\""});
    return std::nullopt;
  }
  return value;
}

std::optional<std::string> SettingsReader::OneOf(const std::string& name,
                                                 const std::vector<std::string>& allowed) {
  int index = Find(name);
  if (index < 0) return std::nullopt;
  const std::string& text = settings_[index].value;
  for (const auto& option : allowed) {
    if (option == text) return text;
  }
  std::string options;
  for (const auto& option : allowed)
    options += (options.empty() ? "" : ", ") + option;
  errors_.push_back(
      {ValuePath(index), name + " must be one of " + options + ", got \"" + text + "\""});
  return std::nullopt;
}

void SettingsReader::RejectUnknown(const std::string& algorithm_name) {
  std::string known_list;
  for (const auto& name : known_)
    known_list += (known_list.empty() ? "" : ", ") + name;
  for (size_t i = 0; i < settings_.size(); ++i) {
    if (known_.count(settings_[i].name) || settings_[i].name.empty()) continue;
    errors_.push_back({IndexPath(path_, i) + ".name",
                       "unknown setting \"" + settings_[i].name + "\" for algorithm " +
                           algorithm_name +
                           (known_list.empty() ? " (it takes no settings)"
                                               : " (known settings: " + known_list + ")")});
  }
}

std::optional<uint64_t> ReadRandomState(SettingsReader& reader) {
  auto seed = reader.Int("random_state", 0, INT64_MAX);
  if (!seed) return std::nullopt;
  return static_cast<uint64_t>(*seed);
}

namespace {

const std::vector<NamedSetting> kNoSettings;

}  // namespace

SettingsReader SettingsReader::ForAlgorithm(const Experiment& experiment, FieldErrors& errors) {
  const auto& algorithm = experiment.spec.algorithm;
  return SettingsReader(algorithm ? algorithm->algorithm_settings : kNoSettings,
                        kAlgorithmSettingsPath, errors);
}

SettingsReader SettingsReader::ForEarlyStopping(const Experiment& experiment, FieldErrors& errors) {
  const auto& early_stopping = experiment.spec.early_stopping;
  return SettingsReader(early_stopping ? early_stopping->algorithm_settings : kNoSettings,
                        kEarlyStoppingSettingsPath, errors);
}

FieldErrors RandomStateOnlyErrors(const Experiment& experiment, const std::string& algorithm_name) {
  FieldErrors errors;
  if (!experiment.spec.algorithm) return errors;
  SettingsReader reader = SettingsReader::ForAlgorithm(experiment, errors);
  ReadRandomState(reader);
  reader.RejectUnknown(algorithm_name);
  return errors;
}

}  // namespace tuneup
