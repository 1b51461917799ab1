#include "metrics-collector/file_follower.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include <boost/asio/steady_timer.hpp>

namespace tuneup {

namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;

}  // namespace

struct FileFollower::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, FileFollowerOptions options, BytesSink on_bytes,
        WarningSink warn)
      : timer(io),
        options(std::move(options)),
        on_bytes(std::move(on_bytes)),
        warn(std::move(warn)) {}

  ~State() { Close(); }

  void Schedule() {
    timer.expires_after(options.poll_interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished) return;
      self->Poll(self->options.max_bytes_per_poll);
      self->Schedule();
    });
  }

  // One look at the file: (re)open it when needed and read up to `budget` bytes.
  void Poll(size_t budget) {
    struct stat by_name {};
    const bool exists = ::stat(options.path.c_str(), &by_name) == 0;
    if (fd >= 0 && exists && (by_name.st_ino != inode || by_name.st_dev != device)) {
      // Replaced under the same name (rotated): what the old file still holds comes first.
      ReadAvailable(SIZE_MAX);
      Close();
      Warn("replaced by a new file; reading the new one from its start");
    }
    if (fd < 0 && exists) Open();
    if (fd < 0) return;
    struct stat open_file {};
    if (::fstat(fd, &open_file) == 0 && open_file.st_size < offset) {
      Warn("truncated (from " + std::to_string(offset) + " to " +
           std::to_string(open_file.st_size) + " bytes); reading it again from the start");
      offset = 0;
    }
    ReadAvailable(budget);
  }

  void Open() {
    fd = ::open(options.path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0) return;  // gone again between stat and open: the next poll retries
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
      if (!not_regular_warned) Warn("is not a regular file; not read");
      not_regular_warned = true;
      Close();
      return;
    }
    appeared = true;
    inode = st.st_ino;
    device = st.st_dev;
    offset = 0;
  }

  void ReadAvailable(size_t budget) {
    if (fd < 0) return;
    buffer.resize(kReadChunk);
    while (budget > 0) {
      const size_t want = std::min(budget, kReadChunk);
      const ssize_t n = ::pread(fd, buffer.data(), want, offset);
      if (n < 0 && errno == EINTR) continue;
      if (n < 0) {
        Warn(std::string("cannot be read: ") + std::strerror(errno));
        Close();
        return;
      }
      if (n == 0) return;
      offset += n;
      budget -= static_cast<size_t>(n);
      on_bytes(std::string_view(buffer.data(), static_cast<size_t>(n)));
    }
  }

  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }

  void Warn(const std::string& message) {
    if (warn) warn(options.path + ": " + message);
  }

  boost::asio::steady_timer timer;
  FileFollowerOptions options;
  BytesSink on_bytes;
  WarningSink warn;
  int fd = -1;
  ino_t inode = 0;
  dev_t device = 0;
  off_t offset = 0;
  bool appeared = false;
  bool finished = false;
  bool not_regular_warned = false;
  std::vector<char> buffer;
};

FileFollower::FileFollower(boost::asio::io_context& io, FileFollowerOptions options,
                           BytesSink on_bytes, WarningSink warn)
    : state_(
          std::make_shared<State>(io, std::move(options), std::move(on_bytes), std::move(warn))) {
  state_->Schedule();
}

FileFollower::~FileFollower() {
  state_->finished = true;
  state_->timer.cancel();
}

void FileFollower::Finish() {
  if (state_->finished) return;
  state_->finished = true;
  state_->timer.cancel();
  state_->Poll(SIZE_MAX);
  state_->Close();
}

bool FileFollower::appeared() const {
  return state_->appeared;
}

const std::string& FileFollower::path() const {
  return state_->options.path;
}

}  // namespace tuneup
