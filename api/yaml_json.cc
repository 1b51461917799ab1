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

// True when `text` is well-formed UTF-8: no stray continuation bytes, overlong forms, surrogates or
// code points beyond U+10FFFF.
bool IsUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t length = 0;
    unsigned char low = 0x80;  // the range of the second byte
    unsigned char high = 0xBF;
    if (c >= 0xC2 && c <= 0xDF) {
      length = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3;
      if (c == 0xE0) low = 0xA0;   // overlong
      if (c == 0xED) high = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4;
      if (c == 0xF0) low = 0x90;   // overlong
      if (c == 0xF4) high = 0x8F;  // beyond U+10FFFF
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    const auto second = static_cast<unsigned char>(text[i + 1]);
    if (second < low || second > high) return false;
    for (size_t k = 2; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if (next < 0x80 || next > 0xBF) return false;
    }
    i += length;
  }
  return true;
}

// Scalars become JSON strings, which must be UTF-8. yaml-cpp passes other bytes through, and a
// Latin-1 "é" in an argument would otherwise surface much later as an exception from the JSON
// library (when the trial template is printed), far from the line that holds it.
void CheckUtf8(const YAML::Node& node, std::string_view source) {
  if (!IsUtf8(node.Scalar())) {
    throw Error(ErrorCode::kInvalidArgument,
                Where(source, node.Mark()) + ": not valid UTF-8 text (save the file as UTF-8)");
  }
}

// `budget` is how many more values the documents may expand to. YAML aliases repeat a node without
// repeating its text, so a few hundred bytes of nested aliases ("billion laughs") would otherwise
// expand to billions of values and exhaust memory.
Json ToJson(const YAML::Node& node, std::string_view source, int depth, size_t& budget) {
  if (depth > 200) {
    throw Error(ErrorCode::kInvalidArgument,
                Where(source, node.Mark()) + ": document is nested too deeply");
  }
  if (budget == 0) {
    throw Error(ErrorCode::kInvalidArgument,
                Where(source, node.Mark()) +
                    ": document expands to too many values (aliases repeated too often)");
  }
  --budget;
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null:
      return nullptr;
    case YAML::NodeType::Scalar:
      CheckUtf8(node, source);
      return ResolveTaggedScalar(node, source);
    case YAML::NodeType::Sequence: {
      Json list = Json::array();
      for (const auto& item : node) {
        list.push_back(ToJson(item, source, depth + 1, budget));
      }
      return list;
    }
    case YAML::NodeType::Map: {
      Json object = Json::object();
      for (const auto& entry : node) {
        if (!entry.first.IsScalar()) {
          throw Error(ErrorCode::kInvalidArgument,
                      Where(source, entry.first.Mark()) + ": mapping keys must be plain text");
        }
        CheckUtf8(entry.first, source);
        const std::string& key = entry.first.Scalar();
        if (object.contains(key)) {
          throw Error(ErrorCode::kInvalidArgument, Where(source, entry.first.Mark()) +
                                                       ": duplicated key \"" + key + "\"");
        }
        object[key] = ToJson(entry.second, source, depth + 1, budget);
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
  // A document without aliases has fewer values than characters; aliases may add this many.
  constexpr size_t kAliasAllowance = 100'000;
  size_t budget = text.size() + kAliasAllowance;
  std::vector<Json> result;
  for (const auto& document : documents) {
    if (document.IsNull() || !document.IsDefined()) continue;
    result.push_back(ToJson(document, source_name, 0, budget));
  }
  return result;
}

}  // namespace tuneup
