#include "api/tuneup_annotations.h"

#include <charconv>
#include <optional>
#include <string_view>

namespace tuneup {

namespace {

constexpr std::string_view kPrefix = "tuneup.dev/";

std::string AnnotationPath(const std::string& key) {
  return "metadata.annotations[" + key + "]";
}

std::optional<int> ParseCount(const std::string& text, int max) {
  int value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || value < 0 || value > max) return std::nullopt;
  return value;
}

}  // namespace

std::optional<Priority> ParsePriority(std::string_view text) {
  if (text == "low") return Priority::kLow;
  if (text == "normal") return Priority::kNormal;
  if (text == "high") return Priority::kHigh;
  return std::nullopt;
}

std::string_view PriorityName(Priority priority) {
  switch (priority) {
    case Priority::kLow:
      return "low";
    case Priority::kNormal:
      return "normal";
    case Priority::kHigh:
      return "high";
  }
  return "normal";
}

TuneupSettings ReadTuneupSettings(const Experiment& experiment, FieldErrors& errors) {
  TuneupSettings settings;
  for (const auto& [key, value] : experiment.metadata.annotations) {
    if (!std::string_view(key).starts_with(kPrefix)) continue;
    if (key == kInfrastructureRetriesAnnotation) {
      if (auto count = ParseCount(value, 1000)) {
        settings.infrastructure_retries = *count;
      } else {
        errors.push_back(
            {AnnotationPath(key), "must be a whole number from 0 to 1000, got \"" + value + "\""});
      }
    } else if (key == kPriorityAnnotation) {
      if (auto priority = ParsePriority(value)) {
        settings.priority = *priority;
      } else {
        errors.push_back(
            {AnnotationPath(key), "must be one of low, normal, high, got \"" + value + "\""});
      }
    } else {
      errors.push_back({AnnotationPath(key), std::string("unknown tuneup annotation (known: ") +
                                                 kInfrastructureRetriesAnnotation + ", " +
                                                 kPriorityAnnotation + ")"});
    }
  }
  return settings;
}

TuneupSettings TuneupSettingsOf(const Experiment& experiment) {
  FieldErrors errors;
  TuneupSettings settings = ReadTuneupSettings(experiment, errors);
  if (!errors.empty()) throw Error(ErrorCode::kInvalidArgument, errors.front().ToString());
  return settings;
}

}  // namespace tuneup
