// Following a file that a running trial writes (Katib's File collector, `tail -F` style).
//
// The file is polled on the event loop: it may appear late (or never), grow by pieces that end
// mid-line, be truncated (seen when it is shorter than what was read: read again from the
// start, with a warning) or be replaced by a new file
// under the same name (the old one is read to its end first, then the new one from its start,
// with a warning). Each poll reads at most max_bytes_per_poll, so one trial writing fast cannot
// hold the loop; the rest comes at the next poll, and Finish reads everything that is left.
// Bytes go to on_bytes as they are read, in order; memory use is one read buffer.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include <boost/asio/io_context.hpp>

#include "metrics-collector/metric_parser.h"

namespace tuneup {

struct FileFollowerOptions {
  std::string path;
  std::chrono::milliseconds poll_interval{200};
  size_t max_bytes_per_poll = size_t{4} << 20;
};

class FileFollower {
 public:
  using BytesSink = std::function<void(std::string_view bytes)>;

  // Polls from the first turn of `io` on. Callbacks run on `io` (and in Finish).
  FileFollower(boost::asio::io_context& io, FileFollowerOptions options, BytesSink on_bytes,
               WarningSink warn);
  // Stops polling; no callback runs after destruction.
  ~FileFollower();
  FileFollower(const FileFollower&) = delete;
  FileFollower& operator=(const FileFollower&) = delete;

  // The writer has ended: reads what is left, synchronously, and stops polling.
  void Finish();

  // Whether the file has existed at any poll.
  bool appeared() const;
  const std::string& path() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tuneup
