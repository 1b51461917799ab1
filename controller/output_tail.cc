#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/output_tail.h"

#include <fcntl.h>
#include <unistd.h>

#include <array>
#include <cerrno>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controller/job_spec.h"

namespace tuneup {

namespace asio = boost::asio;

namespace {

constexpr size_t kReadChunk = size_t{64} * 1024;

}  // namespace

struct OutputTail::Impl : std::enable_shared_from_this<OutputTail::Impl> {
  Impl(asio::io_context& io, std::string dir, std::chrono::milliseconds every, OnOutput output)
      : timer(io), directory(std::move(dir)), interval(every), on_output(std::move(output)) {}
  ~Impl() {
    for (int fd : fds)
      if (fd >= 0) ::close(fd);
  }

  asio::steady_timer timer;
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

  void Tick() {
    ReadAll();
    if (stopped) return;
    timer.expires_after(interval);
    timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      if (auto self = weak.lock(); self && !ec) self->Tick();
    });
  }
};

OutputTail::OutputTail(asio::io_context& io, std::string directory,
                       std::chrono::milliseconds interval, OnOutput on_output)
    : impl_(std::make_shared<Impl>(io, std::move(directory), interval, std::move(on_output))) {}

OutputTail::~OutputTail() {
  Stop();
}

void OutputTail::Start() {
  impl_->Tick();
}

void OutputTail::ReadNow() {
  impl_->ReadAll();
}

void OutputTail::Stop() {
  impl_->stopped = true;
  impl_->timer.cancel();
}

}  // namespace tuneup
