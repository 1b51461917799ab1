#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/output_tail.h"

#include <fcntl.h>
#include <sys/inotify.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controller/job_spec.h"

namespace tuneup {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;

// One inotify instance per event loop, shared by every tail on it: closing an inotify instance
// waits for an RCU grace period (milliseconds), far too slow to do once per trial; removing a
// watch does not wait.
class DirectoryWatcher : public std::enable_shared_from_this<DirectoryWatcher> {
 public:
  using Callback = std::function<void()>;

  // The watcher of `io`, made on first use; null when inotify is unavailable.
  static std::shared_ptr<DirectoryWatcher> For(asio::io_context& io) {
    static std::mutex mutex;
    static std::map<asio::io_context*, std::weak_ptr<DirectoryWatcher>> watchers;
    std::lock_guard lock(mutex);
    std::weak_ptr<DirectoryWatcher>& slot = watchers[&io];
    if (auto existing = slot.lock()) return existing;
    int fd = ::inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (fd < 0) return nullptr;
    auto watcher = std::shared_ptr<DirectoryWatcher>(new DirectoryWatcher(io, fd));
    slot = watcher;
    return watcher;
  }

  // Calls `callback` whenever a file in `directory` is created or written. Returns a handle for
  // Unwatch, or -1 when the directory cannot be watched.
  int Watch(const std::string& directory, Callback callback) {
    int wd =
        ::inotify_add_watch(descriptor_.native_handle(), directory.c_str(), IN_MODIFY | IN_CREATE);
    if (wd < 0) return -1;
    const int id = next_id_++;
    watches_[wd][id] = std::move(callback);
    ids_[id] = wd;
    Await();
    return id;
  }

  void Unwatch(int id) {
    auto it = ids_.find(id);
    if (it == ids_.end()) return;
    const int wd = it->second;
    ids_.erase(it);
    auto& callbacks = watches_[wd];
    callbacks.erase(id);
    if (callbacks.empty()) {
      watches_.erase(wd);
      ::inotify_rm_watch(descriptor_.native_handle(), wd);
    }
    if (watches_.empty()) {
      boost::system::error_code ignored;
      descriptor_.cancel(ignored);  // an idle loop may return
    }
  }

 private:
  DirectoryWatcher(asio::io_context& io, int fd) : descriptor_(io) { descriptor_.assign(fd); }

  void Await() {
    if (waiting_) return;
    waiting_ = true;
    descriptor_.async_wait(asio::posix::stream_descriptor::wait_read,
                           [weak = weak_from_this()](const boost::system::error_code& ec) {
                             auto self = weak.lock();
                             if (!self) return;
                             self->waiting_ = false;
                             if (ec) return;
                             self->Dispatch();
                             if (!self->watches_.empty()) self->Await();
                           });
  }

  void Dispatch() {
    std::set<int> changed;
    for (;;) {
      ssize_t n = ::read(descriptor_.native_handle(), buffer_.data(), buffer_.size());
      if (n <= 0) break;
      for (ssize_t offset = 0; offset < n;) {
        const auto* event = reinterpret_cast<const inotify_event*>(buffer_.data() + offset);
        changed.insert(event->wd);
        offset += static_cast<ssize_t>(sizeof(inotify_event) + event->len);
      }
    }
    for (int wd : changed) {
      auto it = watches_.find(wd);
      if (it == watches_.end()) continue;
      std::vector<Callback> callbacks;  // a callback may unwatch
      for (const auto& [id, callback] : it->second)
        callbacks.push_back(callback);
      for (const auto& callback : callbacks)
        callback();
    }
  }

  asio::posix::stream_descriptor descriptor_;
  alignas(inotify_event) std::array<char, size_t{16} * 1024> buffer_{};
  std::map<int, std::map<int, Callback>> watches_;  // inotify wd -> id -> callback
  std::map<int, int> ids_;                          // id -> inotify wd
  int next_id_ = 0;
  bool waiting_ = false;
};

}  // namespace

struct OutputTail::Impl : std::enable_shared_from_this<OutputTail::Impl> {
  Impl(asio::io_context& io, std::string dir, std::chrono::milliseconds every, OnOutput output)
      : io_context(io),
        timer(io),
        directory(std::move(dir)),
        interval(every),
        on_output(std::move(output)) {}
  ~Impl() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }

  asio::io_context& io_context;
  asio::steady_timer timer;
  // inotify on the directory: output is read as soon as it is written, as from a pipe. Where
  // inotify is unavailable or blind (a network filesystem written from other machines), the
  // timer alone does it.
  std::shared_ptr<DirectoryWatcher> watcher;
  int watch_id = -1;
  std::string directory;
  std::chrono::milliseconds interval;
  OnOutput on_output;
  std::array<int, 2> fds{-1, -1};
  std::array<char, kReadChunk> buffer{};
  bool stopped = false;

  void ReadStream(size_t index) {
    if (fds[index] < 0) {
      std::string path = directory + "/" + (index == 0 ? kJobStdoutFile : kJobStderrFile);
      fds[index] = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fds[index] < 0) return;
    }
    const OutputStream stream = index == 0 ? OutputStream::kStdout : OutputStream::kStderr;
    for (;;) {
      ssize_t n = ::read(fds[index], buffer.data(), buffer.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return;
      if (on_output) on_output(stream, std::string_view(buffer.data(), static_cast<size_t>(n)));
      if (stopped) return;  // on_output may stop the tail
    }
  }

  void ReadAll() {
    if (stopped) return;
    ReadStream(0);
    if (!stopped) ReadStream(1);
  }

  void WatchChanges(asio::io_context& io) {
    watcher = DirectoryWatcher::For(io);
    if (!watcher) return;
    watch_id = watcher->Watch(directory, [weak = weak_from_this()] {
      if (auto self = weak.lock()) self->ReadAll();
    });
  }

  void Unwatch() {
    if (watcher && watch_id >= 0) watcher->Unwatch(watch_id);
    watch_id = -1;
    watcher.reset();
  }

  void Tick() {
    ReadAll();
    if (stopped) return;
    timer.expires_after(interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->Tick();
    });
  }
};

OutputTailWatch::OutputTailWatch(asio::io_context& io) : watcher_(DirectoryWatcher::For(io)) {}

OutputTail::OutputTail(asio::io_context& io, std::string directory,
                       std::chrono::milliseconds interval, OnOutput on_output)
    : impl_(std::make_shared<Impl>(io, std::move(directory), interval, std::move(on_output))) {}

OutputTail::~OutputTail() {
  Stop();
}

void OutputTail::Start() {
  impl_->WatchChanges(impl_->io_context);
  impl_->Tick();
}

void OutputTail::ReadNow() {
  impl_->ReadAll();
}

void OutputTail::Stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
  impl_->Unwatch();
}

}  // namespace tuneup
