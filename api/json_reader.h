// Typed, path-aware reading of one JSON object, for the manifest loader.
//
// Every read checks the JSON type and records a FieldError naming the field when it is wrong, so
// one pass over a document collects every structural problem. Fields that nobody reads are
// reported by RejectUnknownFields(), which is how a misspelt field (`parallelTrialcount`) is caught
// instead of silently ignored, as Kubernetes' strict field validation does.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

// A short description of a JSON value for messages: `string "abc"`, `number 0.5`, `a list`.
std::string DescribeJson(const Json& value);

class JsonObjectReader {
 public:
  // `value` should be an object; null counts as an empty object. Anything else is an error.
  JsonObjectReader(const Json& value, std::string path, FieldErrors& errors);

  bool is_object() const { return object_ != nullptr; }
  const std::string& path() const { return path_; }
  std::string PathOf(std::string_view key) const { return ChildPath(path_, key); }

  // The raw value of `key`, or nullptr when absent or null. Marks the key as known.
  const Json* Get(std::string_view key);

  // Typed reads: absent or null -> empty/nullopt; wrong type -> FieldError and empty/nullopt.
  std::string String(std::string_view key);
  std::optional<int32_t> Int32(std::string_view key);
  std::optional<double> Number(std::string_view key);
  bool Bool(std::string_view key);
  std::vector<std::string> StringList(std::string_view key);
  std::map<std::string, std::string> StringMap(std::string_view key);
  // An object value (or nullopt); a non-object value is an error.
  std::optional<Json> RawObject(std::string_view key);

  // Records "unknown field" for every key of the object that was not read.
  void RejectUnknownFields();

  FieldErrors& errors() { return errors_; }

 private:
  void AddError(std::string_view key, std::string message);

  const Json* object_ = nullptr;
  std::string path_;
  FieldErrors& errors_;
  std::set<std::string, std::less<>> known_;
};

}  // namespace tuneup
