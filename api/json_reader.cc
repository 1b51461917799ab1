#include "api/json_reader.h"

#include <limits>

namespace tuneup {

std::string DescribeJson(const Json& value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return std::string("boolean ") + (value.get<bool>() ? "true" : "false");
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
    case Json::value_t::number_float:
      return "number " + value.dump();
    case Json::value_t::string: {
      std::string text = value.get<std::string>();
      if (text.size() > 60) text = text.substr(0, 57) + "...";
      return "string " + Json(text).dump();
    }
    case Json::value_t::array:
      return "a list";
    case Json::value_t::object:
      return "an object";
    default:
      return "an unsupported value";
  }
}

JsonObjectReader::JsonObjectReader(const Json& value, std::string path, FieldErrors& errors)
    : path_(std::move(path)), errors_(errors) {
  if (value.is_object()) {
    object_ = &value;
  } else if (!value.is_null()) {
    errors_.push_back({path_, "must be an object (a mapping of fields), got " + DescribeJson(value)});
  }
}

const Json* JsonObjectReader::Get(std::string_view key) {
  known_.emplace(key);
  if (object_ == nullptr) return nullptr;
  auto it = object_->find(key);
  if (it == object_->end() || it->is_null()) return nullptr;
  return &*it;
}

void JsonObjectReader::AddError(std::string_view key, std::string message) {
  errors_.push_back({PathOf(key), std::move(message)});
}

std::string JsonObjectReader::String(std::string_view key) {
  const Json* value = Get(key);
  if (value == nullptr) return "";
  if (value->is_string()) return value->get<std::string>();
  std::string message = "must be a string, got " + DescribeJson(*value);
  if (value->is_number() || value->is_boolean()) {
    message += " (quote it: \"" + value->dump() + "\")";
  }
  AddError(key, message);
  return "";
}

std::optional<int32_t> JsonObjectReader::Int32(std::string_view key) {
  const Json* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number_integer()) {
    AddError(key, "must be an integer, got " + DescribeJson(*value));
    return std::nullopt;
  }
  bool in_range = value->is_number_unsigned()
                      ? value->get<uint64_t>() <= std::numeric_limits<int32_t>::max()
                      : value->get<int64_t>() >= std::numeric_limits<int32_t>::min() &&
                            value->get<int64_t>() <= std::numeric_limits<int32_t>::max();
  if (!in_range) {
    AddError(key, "must be a 32-bit integer, got " + DescribeJson(*value));
    return std::nullopt;
  }
  return static_cast<int32_t>(value->get<int64_t>());
}

std::optional<double> JsonObjectReader::Number(std::string_view key) {
  const Json* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (value->is_number()) return value->get<double>();
  AddError(key, "must be a number, got " + DescribeJson(*value));
  return std::nullopt;
}

bool JsonObjectReader::Bool(std::string_view key) {
  const Json* value = Get(key);
  if (value == nullptr) return false;
  if (value->is_boolean()) return value->get<bool>();
  AddError(key, "must be true or false, got " + DescribeJson(*value));
  return false;
}

std::vector<std::string> JsonObjectReader::StringList(std::string_view key) {
  std::vector<std::string> result;
  const Json* value = Get(key);
  if (value == nullptr) return result;
  if (!value->is_array()) {
    AddError(key, "must be a list of strings, got " + DescribeJson(*value));
    return result;
  }
  for (size_t i = 0; i < value->size(); ++i) {
    const Json& item = (*value)[i];
    if (item.is_string()) {
      result.push_back(item.get<std::string>());
    } else {
      std::string message = "must be a string, got " + DescribeJson(item);
      if (item.is_number() || item.is_boolean()) message += " (quote it: \"" + item.dump() + "\")";
      errors_.push_back({IndexPath(PathOf(key), i), message});
    }
  }
  return result;
}

std::map<std::string, std::string> JsonObjectReader::StringMap(std::string_view key) {
  std::map<std::string, std::string> result;
  const Json* value = Get(key);
  if (value == nullptr) return result;
  if (!value->is_object()) {
    AddError(key, "must be a mapping of strings to strings, got " + DescribeJson(*value));
    return result;
  }
  for (const auto& [name, item] : value->items()) {
    if (item.is_string()) {
      result[name] = item.get<std::string>();
    } else {
      std::string message = "must be a string, got " + DescribeJson(item);
      if (item.is_number() || item.is_boolean()) message += " (quote it: \"" + item.dump() + "\")";
      errors_.push_back({ChildPath(PathOf(key), name), message});
    }
  }
  return result;
}

std::optional<Json> JsonObjectReader::RawObject(std::string_view key) {
  const Json* value = Get(key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_object()) {
    AddError(key, "must be an object, got " + DescribeJson(*value));
    return std::nullopt;
  }
  return *value;
}

void JsonObjectReader::RejectUnknownFields() {
  if (object_ == nullptr) return;
  for (const auto& [key, value] : object_->items()) {
    if (known_.find(key) == known_.end()) {
      errors_.push_back({PathOf(key), "unknown field"});
    }
  }
}

}  // namespace tuneup
