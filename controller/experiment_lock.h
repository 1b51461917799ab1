// One tuneup process per experiment and database (`tuneup run`, `tuneup serve`), so that two
// never start the same trial twice.
#pragma once

#include <optional>
#include <string>
#include <utility>

namespace tuneup {

// Holds an exclusive flock on a file for as long as it lives.
class ExperimentLock {
 public:
  // The lock of experiment `name` in the store at `db_path`: beside a database file, or in
  // `workdir` for a database server.
  static std::string PathFor(const std::string& workdir, const std::string& db_path,
                             const std::string& name);

  // Takes the lock at `path`, waiting up to 2 s (a tuneup that was just killed can leave it held
  // for a moment by a child it was starting); nullopt with `error` set when another process
  // holds it or the file cannot be opened.
  static std::optional<ExperimentLock> TryAcquire(const std::string& path, std::string& error);

  ExperimentLock(ExperimentLock&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
  ExperimentLock& operator=(ExperimentLock&&) = delete;
  ~ExperimentLock();

 private:
  explicit ExperimentLock(int fd) : fd_(fd) {}
  int fd_;
};

}  // namespace tuneup
