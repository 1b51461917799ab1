// Kubernetes label and field selectors (`?labelSelector=...&fieldSelector=...`), as kubectl and
// client libraries send them.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tuneup::kubeapi {

using Json = nlohmann::json;

// A parsed label selector: "app=x,tier!=db,env in (a,b),!legacy,release".
class LabelSelector {
 public:
  // Throws Error(kInvalidArgument) naming the term it cannot read. "" selects everything.
  static LabelSelector Parse(const std::string& text);
  bool Matches(const Json& object) const;

 private:
  struct Requirement {
    enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kDoesNotExist } op;
    std::string key;
    std::vector<std::string> values;
  };
  std::vector<Requirement> requirements_;
};

// A parsed field selector over metadata.name and metadata.namespace ("=", "==", "!=", comma
// separated): the fields Kubernetes supports for custom resources.
class FieldSelector {
 public:
  // Throws Error(kInvalidArgument) for a field other than those two ("field label not
  // supported: ...", as the API server says) or a term it cannot read.
  static FieldSelector Parse(const std::string& text);
  bool Matches(const Json& object) const;

 private:
  struct Requirement {
    std::string field;  // "name" or "namespace"
    std::string value;
    bool equal = true;
  };
  std::vector<Requirement> requirements_;
};

}  // namespace tuneup::kubeapi
