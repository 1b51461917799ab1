#include "api/manifest.h"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "api/experiment_json.h"
#include "api/yaml_json.h"

namespace tuneup {

namespace {

constexpr std::uintmax_t kMaxManifestBytes = 16 << 20;

// "source:line:column: detail" for a JSON syntax error, the form YAML errors have, so editors and
// users find the spot the same way whatever the manifest's format.
std::string JsonSyntaxError(std::string_view text, std::string_view source_name,
                            const Json::parse_error& e) {
  // e.byte counts the characters read, the offending one included.
  size_t end = std::min<size_t>(e.byte > 0 ? e.byte - 1 : 0, text.size());
  size_t line = 1;
  size_t column = 1;
  for (size_t i = 0; i < end; ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  std::string detail = e.what();
  if (size_t at = detail.find(": "); at != std::string::npos) detail = detail.substr(at + 2);
  return std::string(source_name) + ":" + std::to_string(line) + ":" + std::to_string(column) +
         ": " + detail;
}

// Parses a JSON manifest with the limits YAML manifests have (api/yaml_json.h). A key repeated in
// one object is an error: nlohmann keeps the last value silently, so `"maxTrialCount": 5,
// "maxTrialCount": 50` would otherwise run 50 trials without a word. Nesting is limited because
// copying and printing a value recurse: a deeply nested nasConfig would overflow the stack.
Json ParseJsonDocument(std::string_view text, std::string_view source_name) {
  constexpr int kMaxDepth = 200;
  std::vector<std::set<std::string>> keys;  // the keys seen so far in each open object
  auto check_keys = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if ((event == Json::parse_event_t::object_start || event == Json::parse_event_t::array_start) &&
        depth > kMaxDepth) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(source_name) + ": document is nested too deeply");
    }
    if (event == Json::parse_event_t::object_start) {
      keys.emplace_back();
    } else if (event == Json::parse_event_t::object_end) {
      keys.pop_back();
    } else if (event == Json::parse_event_t::key &&
               !keys.back().insert(parsed.get<std::string>()).second) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(source_name) + ": duplicated key " + parsed.dump() + " in an object");
    }
    return true;
  };
  try {
    return Json::parse(text, check_keys);
  } catch (const Json::parse_error& e) {
    throw Error(ErrorCode::kInvalidArgument, JsonSyntaxError(text, source_name, e));
  }
}

}  // namespace

std::vector<LoadedExperiment> LoadManifestText(std::string_view text, std::string_view source_name,
                                               const std::string& directory) {
  std::vector<Json> documents;
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (!trimmed.empty() && trimmed.front() == '{') {
    documents.push_back(ParseJsonDocument(text, source_name));
  } else {
    documents = ParseYamlDocuments(text, source_name);
  }
  std::vector<LoadedExperiment> result;
  for (size_t i = 0; i < documents.size(); ++i) {
    LoadedExperiment loaded;
    loaded.experiment = ExperimentFromJson(documents[i], loaded.errors);
    loaded.source = std::string(source_name);
    if (documents.size() > 1) loaded.source += " (document " + std::to_string(i + 1) + ")";
    loaded.directory = directory;
    result.push_back(std::move(loaded));
  }
  return result;
}

std::vector<LoadedExperiment> LoadManifestFile(const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) {
    throw Error(ErrorCode::kIo, path + ": " + (fs::exists(path, ec) ? "not a regular file"
                                                                       : "no such file"));
  }
  if (fs::file_size(path, ec) > kMaxManifestBytes) {
    throw Error(ErrorCode::kInvalidArgument, path + ": larger than 16 MiB; not a manifest");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(ErrorCode::kIo, path + ": cannot open for reading");
  std::ostringstream content;
  content << in.rdbuf();
  std::string directory = fs::absolute(fs::path(path), ec).parent_path().lexically_normal().string();
  return LoadManifestText(content.str(), path, directory);
}

}  // namespace tuneup
