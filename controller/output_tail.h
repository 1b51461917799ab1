// Following a job's output files while the job writes them.
//
// Jobs run under tuneup-job write stdout.log and stderr.log in their directory instead of pipes,
// so that their output survives the controller. OutputTail reads whatever was appended since the
// last look, every `interval` and on demand, and hands it to on_output: from the beginning of the
// files, so an adopted job's output is replayed in full. Files that do not exist yet (a job still
// queued) are looked for again at every tick.
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
