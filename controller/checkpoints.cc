#include "controller/checkpoints.h"

#include <system_error>

#include "common/error.h"

namespace tuneup {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void FailIo(const std::string& what, const fs::path& path, const std::error_code& ec) {
  throw Error(ErrorCode::kIo, "cannot " + what + " " + path.string() + ": " + ec.message());
}

// A name that stays inside the directory it is joined to.
bool IsPlainName(const std::string& name) {
  return !name.empty() && name != "." && name != ".." && name.find('/') == std::string::npos &&
         name.find('\0') == std::string::npos;
}

}  // namespace

fs::path CheckpointDir(const fs::path& trial_dir) {
  return trial_dir / "checkpoint";
}

void PrepareCheckpointDir(const fs::path& trials_root, const Trial& trial,
                          const std::string& job_subdir) {
  const fs::path target = CheckpointDir(trials_root / trial.name / job_subdir);
  std::error_code ec;
  auto parent = trial.labels.find(kResumeFromLabel);
  if (parent == trial.labels.end()) {
    fs::create_directories(target, ec);
    if (ec) FailIo("create", target, ec);
    return;
  }
  if (!IsPlainName(parent->second) || parent->second == trial.name) {
    throw Error(ErrorCode::kInvalidArgument,
                "label " + std::string(kResumeFromLabel) + " of trial " + trial.name + " is \"" +
                    parent->second + "\": not the name of another trial");
  }
  if (fs::exists(target, ec)) {
    fs::remove_all(target, ec);
    if (ec) FailIo("clear", target, ec);
  }
  fs::create_directories(target.parent_path(), ec);
  if (ec) FailIo("create", target.parent_path(), ec);
  const fs::path source = CheckpointDir(trials_root / parent->second / job_subdir);
  fs::path partial = target;
  partial += ".partial";
  fs::remove_all(partial, ec);
  if (fs::is_directory(source, ec)) {
    // Symbolic links are copied as links, never followed: the copy holds what the earlier trial
    // wrote and nothing it merely pointed at.
    fs::copy(source, partial, fs::copy_options::recursive | fs::copy_options::copy_symlinks, ec);
    if (ec) FailIo("copy the checkpoint of " + parent->second + " to", partial, ec);
  } else {
    fs::create_directories(partial, ec);
    if (ec) FailIo("create", partial, ec);
  }
  fs::rename(partial, target, ec);
  if (ec) FailIo("rename into place", target, ec);
}

}  // namespace tuneup
