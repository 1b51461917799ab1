#include "controller/experiment_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "db/store.h"

namespace tuneup {

std::string ExperimentLock::PathFor(const std::string& workdir, const std::string& db_path,
                                    const std::string& name) {
  if (IsServerLocation(db_path))
    return (std::filesystem::path(workdir) / ("tuneup-" + name + ".lock")).string();
  return db_path + "." + name + ".lock";
}

std::optional<ExperimentLock> ExperimentLock::TryAcquire(const std::string& path,
                                                         std::string& error) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    error = "cannot open lock file " + path + ": " + std::strerror(errno);
    return std::nullopt;
  }
  for (int attempt = 0; ::flock(fd, LOCK_EX | LOCK_NB) != 0; ++attempt) {
    if (attempt == 100) {
      error = "another tuneup process is running this experiment (lock " + path + " is held)";
      ::close(fd);
      return std::nullopt;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return ExperimentLock(fd);
}

ExperimentLock::~ExperimentLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace tuneup
