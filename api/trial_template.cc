#include "api/trial_template.h"

namespace tuneup {

namespace {

constexpr std::string_view kParameterPrefix = "${trialParameters.";
constexpr std::string_view kMetadataPrefix = "${trialSpec.";

std::string StringField(const Json& object, const char* key) {
  if (!object.is_object()) return "";
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

std::vector<std::string> FindParameterPlaceholders(std::string_view text) {
  // Katib's pattern is \$\{trialParameters\..+?\}: at least one character, up to the first '}'.
  std::vector<std::string> names;
  size_t pos = 0;
  while ((pos = text.find(kParameterPrefix, pos)) != std::string_view::npos) {
    size_t start = pos + kParameterPrefix.size();
    size_t close = text.find('}', start + 1);
    if (start >= text.size() || close == std::string_view::npos) break;
    std::string_view name = text.substr(start, close - start);
    if (name.find('\n') == std::string_view::npos) names.emplace_back(name);
    pos = close + 1;
  }
  return names;
}

std::string ParameterPlaceholder(std::string_view name) {
  std::string placeholder(kParameterPrefix);
  placeholder += name;
  placeholder += '}';
  return placeholder;
}

std::optional<MetadataReference> ParseMetadataReference(std::string_view reference) {
  size_t pos = reference.find(kMetadataPrefix);
  if (pos == std::string_view::npos) return std::nullopt;
  size_t start = pos + kMetadataPrefix.size();
  size_t close = reference.find('}', start + 1);
  if (start >= reference.size() || close == std::string_view::npos) return std::nullopt;
  std::string_view key = reference.substr(start, close - start);
  static const char* kPlainKeys[] = {"Name", "Namespace", "Kind", "APIVersion", "Annotations",
                                     "Labels"};
  for (const char* plain : kPlainKeys) {
    if (key == plain) return MetadataReference{std::string(key), ""};
  }
  // Labels[key] / Annotations[key]: Katib's (.+)\[(.+)] takes the last '[' (greedy first group).
  if (key.size() >= 4 && key.back() == ']') {
    size_t open = key.rfind('[', key.size() - 2);
    if (open != std::string_view::npos && open > 0 && open + 1 < key.size() - 1) {
      std::string_view base = key.substr(0, open);
      if (base == "Labels" || base == "Annotations") {
        return MetadataReference{std::string(base),
                                 std::string(key.substr(open + 1, key.size() - open - 2))};
      }
    }
  }
  return std::nullopt;
}

const Json* JobContainers(const Json& trial_spec) {
  const Json* node = &trial_spec;
  for (const char* key : {"spec", "template", "spec", "containers"}) {
    if (!node->is_object()) return nullptr;
    auto it = node->find(key);
    if (it == node->end()) return nullptr;
    node = &*it;
  }
  return node->is_array() ? node : nullptr;
}

const Json* FindJobContainer(const Json& trial_spec, const std::string& name) {
  const Json* containers = JobContainers(trial_spec);
  if (containers == nullptr) return nullptr;
  for (const auto& container : *containers) {
    if (StringField(container, "name") == name) return &container;
  }
  return nullptr;
}

bool IsBatchJob(const Json& trial_spec) {
  return TrialSpecApiVersion(trial_spec) == "batch/v1" && TrialSpecKind(trial_spec) == "Job";
}

std::string TrialSpecKind(const Json& trial_spec) { return StringField(trial_spec, "kind"); }

std::string TrialSpecApiVersion(const Json& trial_spec) {
  return StringField(trial_spec, "apiVersion");
}

}  // namespace tuneup
