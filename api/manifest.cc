#include "api/manifest.h"

#include <cctype>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/experiment_json.h"
#include "api/yaml_json.h"

namespace tuneup {

namespace {
constexpr std::uintmax_t kMaxManifestBytes = 16 << 20;
}

std::vector<LoadedExperiment> LoadManifestText(std::string_view text, std::string_view source_name,
                                               const std::string& directory) {
  std::vector<Json> documents;
  std::string_view trimmed = text;
  while (!trimmed.empty() && std::isspace(static_cast<unsigned char>(trimmed.front()))) {
    trimmed.remove_prefix(1);
  }
  if (!trimmed.empty() && trimmed.front() == '{') {
    try {
      documents.push_back(Json::parse(text));
    } catch (const Json::parse_error& e) {
      throw Error(ErrorCode::kInvalidArgument, std::string(source_name) + ": " + e.what());
    }
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
