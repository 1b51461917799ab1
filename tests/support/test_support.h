// Helpers shared by the test suites: paths into the repository and throwaway directories.
#pragma once

#include <filesystem>
#include <string>

namespace tuneup::testing {

// An absolute path to `relative` in the source tree ("tests/data/x.yaml").
std::string SourcePath(const std::string& relative);

// The built tuneup binary.
std::string TuneupBinary();

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on destruction.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::filesystem::path& path() const { return path_; }
  std::string Join(const std::string& name) const { return (path_ / name).string(); }
  // Writes `content` to `name` under the directory (creating parents); returns the full path.
  std::string WriteFile(const std::string& name, const std::string& content,
                        bool executable = false) const;

 private:
  std::filesystem::path path_;
};

// The whole content of a file ("" if it does not exist).
std::string ReadFile(const std::string& path);

}  // namespace tuneup::testing
