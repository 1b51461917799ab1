#include "controller/collector_path.h"

#include <cctype>
#include <system_error>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace fs = std::filesystem;

namespace {

// Characters that may continue a file name: an occurrence followed by one is another path.
bool ContinuesName(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-' ||
         c == '~' || static_cast<unsigned char>(c) >= 0x80;
}

std::string Rewrite(const std::string& text, const std::string& from, const std::string& to) {
  return ReplaceWhole(text, from, to, [](std::string_view t, size_t begin, size_t end) {
    const bool inside_longer_path =
        (end < t.size() && ContinuesName(t[end])) ||
        (begin > 0 && (ContinuesName(t[begin - 1]) || t[begin - 1] == '/'));
    return !inside_longer_path;
  });
}

}  // namespace

std::optional<CollectorPath> LocalCollectorPath(const Experiment& experiment,
                                                const fs::path& trial_dir) {
  const auto& mc = experiment.spec.metrics_collector_spec;
  if (!mc || !mc->source || !mc->source->file_system_path) return std::nullopt;
  const std::string kind = mc->collector ? mc->collector->kind : katib::kCollectorStdOut;
  if (kind != katib::kCollectorFile && kind != katib::kCollectorTfEvent &&
      kind != katib::kCollectorCustom) {
    return std::nullopt;
  }
  const FileSystemPath& declared = *mc->source->file_system_path;
  if (declared.path.empty()) return std::nullopt;
  fs::path normal = fs::path(declared.path).lexically_normal();
  std::string relative = normal.relative_path().string();
  while (!relative.empty() && relative.back() == '/')
    relative.pop_back();
  CollectorPath path;
  path.declared = declared.path;
  while (path.declared.size() > 1 && path.declared.back() == '/')
    path.declared.pop_back();
  path.local = (trial_dir / "collector" / relative).string();
  path.directory = declared.kind == katib::kFileKindDirectory;
  return path;
}

void UseLocalCollectorPath(TrialJob& job, const CollectorPath& path) {
  if (fs::path(path.declared).lexically_normal().relative_path().empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "spec.metricsCollectorSpec.source.fileSystemPath.path \"" + path.declared +
                    "\" names no file or directory below /");
  }
  for (auto& arg : job.argv)
    arg = Rewrite(arg, path.declared, path.local);
  for (auto& [name, value] : job.env) {
    // tuneup's own variables name tuneup's directories, which may lie below the declared path.
    if (name.starts_with("TUNEUP_") || name == "KATIB_TRIAL_NAME") continue;
    value = Rewrite(value, path.declared, path.local);
  }
  const fs::path directory =
      path.directory ? fs::path(path.local) : fs::path(path.local).parent_path();
  std::error_code ec;
  fs::create_directories(directory, ec);
  if (ec) {
    throw Error(ErrorCode::kIo, "cannot create " + directory.string() +
                                    " for the metrics collector: " + ec.message());
  }
}

}  // namespace tuneup
