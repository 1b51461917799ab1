#include "tests/support/test_support.h"

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace tuneup::testing {

std::string SourcePath(const std::string& relative) {
  return (std::filesystem::path(TUNEUP_SOURCE_DIR) / relative).string();
}

std::string TuneupBinary() {
  return TUNEUP_BINARY;
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/tuneup-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::WriteFile(const std::string& name, const std::string& content,
                               bool executable) const {
  std::filesystem::path full = path_ / name;
  std::filesystem::create_directories(full.parent_path());
  {
    std::ofstream out(full, std::ios::binary);
    out << content;
  }
  if (executable) {
    std::filesystem::permissions(
        full, std::filesystem::perms::owner_all | std::filesystem::perms::group_read |
                  std::filesystem::perms::group_exec | std::filesystem::perms::others_read |
                  std::filesystem::perms::others_exec);
  }
  return full.string();
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream content;
  content << in.rdbuf();
  return content.str();
}

}  // namespace tuneup::testing
