// Following a job's output files while the job writes them.
//
// Jobs run under tuneup-job write stdout.log and stderr.log in their directory instead of pipes,
// so that their output survives the controller. OutputTail reads whatever was appended since the
// last look — when inotify says the directory changed, every `interval` in any case (inotify can
// be unavailable, and is blind to writes from other machines on a network filesystem), and on
// demand — and hands it to on_output: from the beginning of the files, so an adopted job's output
// is replayed in full. Files that do not exist yet (a job still queued) are looked for again each
// time.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "controller/executor.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

// Keeps the change notifications that the tails on `io` share alive between tails (setting them
// up again costs milliseconds when the last tail of the moment ends): an executor holds one for
// as long as it lives.
class OutputTailWatch {
 public:
  explicit OutputTailWatch(boost::asio::io_context& io);

 private:
  std::shared_ptr<void> watcher_;
};

class OutputTail {
 public:
  using OnOutput = std::function<void(OutputStream stream, std::string_view bytes)>;

  OutputTail(boost::asio::io_context& io, std::string directory, std::chrono::milliseconds interval,
             OnOutput on_output);
  ~OutputTail();
  OutputTail(const OutputTail&) = delete;
  OutputTail& operator=(const OutputTail&) = delete;

  // Reads what is there now and keeps reading every interval until Stop().
  void Start();
  // Reads everything written so far (the job has ended: this is the rest of its output).
  void ReadNow();
  // No further reads and no further on_output calls.
  void Stop();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup
