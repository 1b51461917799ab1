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

std::optional<bool> ParseFlag(const std::string& text) {
  if (text == "true") return true;
  if (text == "false") return false;
  return std::nullopt;
}

bool AllDigits(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (c < '0' || c > '9') return false;
  return true;
}

// "a:b:c" with one to `max` parts, each all digits.
bool DigitGroups(std::string_view text, size_t max) {
  size_t parts = 0;
  for (;;) {
    size_t colon = text.find(':');
    if (!AllDigits(text.substr(0, colon))) return false;
    if (++parts > max) return false;
    if (colon == std::string_view::npos) return true;
    text.remove_prefix(colon + 1);
  }
}

}  // namespace

bool IsSlurmTimeLimit(std::string_view text) {
  if (text == "infinite" || text == "unlimited" || text == "INFINITE" || text == "UNLIMITED")
    return true;
  size_t dash = text.find('-');
  if (dash == std::string_view::npos) return DigitGroups(text, 3);
  return AllDigits(text.substr(0, dash)) && DigitGroups(text.substr(dash + 1), 3);
}

bool IsSlurmName(std::string_view text, bool list) {
  if (text.empty() || text.front() == ',' || text.back() == ',') return false;
  char previous = 0;
  for (char c : text) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || (list && c == ',' && previous != ',');
    if (!ok) return false;
    previous = c;
  }
  return true;
}

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
    } else if (key == kSlurmPartitionAnnotation || key == kSlurmQosAnnotation ||
               key == kSlurmAccountAnnotation) {
      const bool partition = key == kSlurmPartitionAnnotation;
      if (IsSlurmName(value, /*list=*/partition)) {
        (partition                    ? settings.slurm.partition
         : key == kSlurmQosAnnotation ? settings.slurm.qos
                                      : settings.slurm.account) = value;
      } else {
        errors.push_back(
            {AnnotationPath(key),
             std::string("must be ") +
                 (partition ? "one or more comma-separated partition names" : "a name") +
                 " of letters, digits, '.', '_' and '-', got \"" + value + "\""});
      }
    } else if (key == kSlurmTimeAnnotation) {
      if (IsSlurmTimeLimit(value)) {
        settings.slurm.time = value;
      } else {
        errors.push_back({AnnotationPath(key),
                          "must be a Slurm time limit (minutes, M:S, H:M:S, D-H, D-H:M or "
                          "D-H:M:S), got \"" +
                              value + "\""});
      }
    } else if (key == kCvFoldsAnnotation || key == kCvRepeatsAnnotation) {
      const bool folds = key == kCvFoldsAnnotation;
      std::optional<int> count = ParseCount(value, 100);
      if (count && *count >= (folds ? 2 : 1)) {
        (folds ? settings.cv.folds : settings.cv.repeats) = *count;
      } else {
        errors.push_back({AnnotationPath(key), std::string("must be a whole number from ") +
                                                   (folds ? "2" : "1") + " to 100, got \"" + value +
                                                   "\""});
      }
    } else if (key == kCvRaceAnnotation || key == kCvFinalAnnotation) {
      if (auto flag = ParseFlag(value)) {
        (key == kCvRaceAnnotation ? settings.cv.race : settings.cv.final_evaluation) = *flag;
      } else {
        errors.push_back(
            {AnnotationPath(key), "must be \"true\" or \"false\", got \"" + value + "\""});
      }
    } else {
      errors.push_back(
          {AnnotationPath(key), std::string("unknown tuneup annotation (known: ") +
                                    kInfrastructureRetriesAnnotation + ", " + kPriorityAnnotation +
                                    ", " + kSlurmPartitionAnnotation + ", " + kSlurmQosAnnotation +
                                    ", " + kSlurmAccountAnnotation + ", " + kSlurmTimeAnnotation +
                                    ", " + kCvFoldsAnnotation + ", " + kCvRepeatsAnnotation + ", " +
                                    kCvRaceAnnotation + ", " + kCvFinalAnnotation + ")"});
    }
  }
  if (settings.cv.folds == 0) {
    for (const char* key : {kCvRepeatsAnnotation, kCvRaceAnnotation, kCvFinalAnnotation}) {
      if (experiment.metadata.annotations.count(key)) {
        errors.push_back({AnnotationPath(key), std::string("needs ") + kCvFoldsAnnotation +
                                                   " (the number of folds, 2 or more)"});
      }
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
