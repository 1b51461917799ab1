#include "api/experiment_diff.h"

#include <set>

#include "api/experiment_json.h"
#include "common/error.h"

namespace tuneup {

namespace {

std::string Short(const Json& value) {
  if (value.is_null()) return "(unset)";
  std::string text = value.dump();
  return text.size() > 80 ? text.substr(0, 77) + "..." : text;
}

void Diff(const Json& a, const Json& b, const std::string& path, std::vector<std::string>& out,
          size_t limit) {
  if (out.size() >= limit || a == b) return;
  if (a.is_object() && b.is_object()) {
    std::set<std::string> keys;
    for (const auto& [key, value] : a.items())
      keys.insert(key);
    for (const auto& [key, value] : b.items())
      keys.insert(key);
    for (const auto& key : keys) {
      Diff(a.contains(key) ? a[key] : Json(), b.contains(key) ? b[key] : Json(),
           ChildPath(path, key), out, limit);
    }
    return;
  }
  if (a.is_array() && b.is_array() && a.size() == b.size()) {
    for (size_t i = 0; i < a.size(); ++i)
      Diff(a[i], b[i], IndexPath(path, i), out, limit);
    return;
  }
  out.push_back(path + ": " + Short(a) + " -> " + Short(b));
}

}  // namespace

std::vector<std::string> DiffExperiments(const Experiment& before, const Experiment& after,
                                         size_t limit) {
  Json a = ExperimentToJson(before);
  Json b = ExperimentToJson(after);
  for (Json* doc : {&a, &b}) {
    Json& meta = (*doc)["metadata"];
    Json kept = Json::object();
    for (const char* key : {"name", "namespace", "labels", "annotations"}) {
      if (meta.contains(key)) kept[key] = meta[key];
    }
    meta = kept;
  }
  std::vector<std::string> out;
  Diff(a, b, "", out, limit);
  return out;
}

}  // namespace tuneup
