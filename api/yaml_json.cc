#include "api/yaml_json.h"

#include <cmath>
#include <limits>
#include <regex>
#include <set>

#include <yaml-cpp/yaml.h>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace {

std::string Where(std::string_view source, const YAML::Mark& mark) {
  return std::string(source) + ":" + std::to_string(mark.line + 1) + ":" +
         std::to_string(mark.column + 1);
}

bool IsNullScalar(const std::string& s) {
  return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
}

// YAML 1.2 core schema resolution of a plain (unquoted) scalar.
Json ResolvePlainScalar(const std::string& s) {
  if (IsNullScalar(s)) return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  static const std::regex kInt(R"([-+]?[0-9]+)");
  static const std::regex kOctal(R"(0o[0-7]+)");
  static const std::regex kHex(R"(0x[0-9a-fA-F]+)");
  static const std::regex kFloat(R"([-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?)");
  if (s.size() < 40 && std::regex_match(s, kInt)) {
    if (auto value = ParseInt64(s)) return *value;
    if (auto value = ParseDouble(s)) return *value;  // beyond int64: keep the magnitude
  }
  if (s.size() < 40 && std::regex_match(s, kOctal)) return std::stoll(s.substr(2), nullptr, 8);
  if (s.size() < 40 && std::regex_match(s, kHex)) return std::stoll(s.substr(2), nullptr, 16);
  if (s.size() < 80 && std::regex_match(s, kFloat)) {
    std::string text = s;
    if (text.back() == '.') text.pop_back();  // "1." is a float in YAML, not for from_chars
    if (auto value = ParseDouble(text)) return *value;
  }
  if (s == ".inf" || s == ".Inf" || s == ".INF" || s == "+.inf" || s == "+.Inf" || s == "+.INF") {
    return std::numeric_limits<double>::infinity();
  }
  if (s == "-.inf" || s == "-.Inf" || s == "-.INF") return -std::numeric_limits<double>::infinity();
  if (s == ".nan" || s == ".NaN" || s == ".NAN") return std::numeric_limits<double>::quiet_NaN();
  return s;
}

Json ResolveTaggedScalar(const YAML::Node& node, std::string_view source) {
  const std::string& tag = node.Tag();
  const std::string& text = node.Scalar();
  if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;  // quoted, or explicitly a string
  if (tag == "?" || tag.empty()) return ResolvePlainScalar(text);
  Json resolved = ResolvePlainScalar(text);
  bool ok = (tag == "tag:yaml.org,2002:int" && resolved.is_number_integer()) ||
            (tag == "tag:yaml.org,2002:float" && resolved.is_number()) ||
            (tag == "tag:yaml.org,2002:bool" && resolved.is_boolean()) ||
            (tag == "tag:yaml.org,2002:null" && resolved.is_null());
  if (!ok) {
    throw Error(ErrorCode::kInvalidArgument,
                Where(source, node.Mark()) + ": cannot read \"" + text + "\" as " + tag);
  }
  return resolved;
}

Json ToJson(const YAML::Node& node, std::string_view source, int depth) {
  if (depth > 200) {
    throw Error(ErrorCode::kInvalidArgument,
                Where(source, node.Mark()) + ": document is nested too deeply");
  }
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      return ResolveTaggedScalar(node, source);
    case YAML::NodeType::Sequence: {
      Json list = Json::array();
      for (const auto& item : node) list.push_back(ToJson(item, source, depth + 1));
      return list;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw Error(ErrorCode::kInvalidArgument,
                      Where(source, entry.first.Mark()) + ": mapping keys must be plain text");
        }
        const std::string& key = entry.first.Scalar();
        if (object.contains(key)) {
          throw Error(ErrorCode::kInvalidArgument, Where(source, entry.first.Mark()) +
                                                       ": duplicated key \"" + key + "\"");
        }
        object[key] = ToJson(entry.second, source, depth + 1);
      }
      return object;
    }
  }
  return nullptr;
}

}  // namespace

std::vector<Json> ParseYamlDocuments(std::string_view text, std::string_view source_name) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    throw Error(ErrorCode::kInvalidArgument, Where(source_name, e.mark) + ": " + e.msg);
  }
  std::vector<Json> result;
  for (const auto& document : documents) {
    if (document.IsNull() || !document.IsDefined()) continue;
    result.push_back(ToJson(document, source_name, 0));
  }
  return result;
}

}  // namespace tuneup
