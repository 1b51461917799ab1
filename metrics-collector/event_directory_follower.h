// Katib's TensorFlowEvent collector: following the directory that a running trial writes its
// TensorFlow event files to (metricsCollectorSpec.source.fileSystemPath, kind Directory).
//
// The directory is looked at on the event loop every poll_interval. It may appear late (or
// never: appeared() says so, for the caller to fail the trial naming the path). Event files may
// appear anywhere below it at any time, as TensorBoard writers create one per run and per
// subdirectory (train/, validation/): an event file is a regular file whose name contains
// "tfevents", as TensorBoard decides, except the profiler's empty `.profile-empty` markers.
// Symbolic links to directories are not followed (Katib's os.walk does not follow them).
//
// Each event file gets its own FileFollower (file_follower.h) and its own parser
// (tfevent_parser.h). The directory a parser matches Katib's `dir/metric` names against is the
// file's directory named from declared_path: with declared_path /var/log/katib/tfevent/, a file
// in <path>/train is in "/var/log/katib/tfevent/train", as it would be in the trial's pod.
// Observations reach on_observations in batches, each file's in the file's order; files are
// independent, so there is no order between them. A file truncated or replaced under its name
// (writers only append) is read again from its start, as FileFollower does, and its parser takes
// the new bytes as more records.
//
// Bounded: at most max_files files are followed (the first found; later ones are reported once
// and not read), and a scan looks at most at max_scan_entries directory entries.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>

#include "api/trial.h"
#include "common/clock.h"
#include "metrics-collector/metric_parser.h"

namespace tuneup {

struct EventDirectoryFollowerOptions {
  // The directory to follow.
  std::string path;
  // The same directory as the trial names it (the manifest's path, when `path` is a trial's own
  // copy of it); empty means `path`. Only tag matching uses it.
  std::string declared_path;
  // The metric names to collect: the objective first, then the additional metrics.
  std::vector<std::string> metric_names;
  std::chrono::milliseconds poll_interval{200};
  size_t max_files = 1000;
  size_t max_scan_entries = 100'000;
  // Bytes read from one file at one poll; the rest comes at the next.
  size_t max_bytes_per_poll = size_t{4} << 20;
  // Longest record read; longer ones are skipped unread.
  size_t max_record_bytes = size_t{16} << 20;
};

class EventDirectoryFollower {
 public:
  // Receives the observations of some bytes of one file (never an empty batch).
  using ObservationSink = std::function<void(std::vector<Observation> observations)>;

  // Looks from the first turn of `io` on. Callbacks run on `io` (and in Finish) and must not
  // destroy the follower. Observations without a time of their own are stamped with
  // clock.Now(). Warnings name the file they are about.
  EventDirectoryFollower(boost::asio::io_context& io, EventDirectoryFollowerOptions options,
                         const Clock& clock, ObservationSink on_observations, WarningSink warn);
  // Stops following; no callback runs after destruction.
  ~EventDirectoryFollower();
  EventDirectoryFollower(const EventDirectoryFollower&) = delete;
  EventDirectoryFollower& operator=(const EventDirectoryFollower&) = delete;

  // The trial has ended: looks for new files once more, reads every file to its end,
  // synchronously, warns about records cut short, and stops.
  void Finish();

  // Whether the directory has existed at any look.
  bool appeared() const;
  const std::string& path() const;
  // The event files followed, relative to path ("train/events.out.tfevents.1700000000.host"),
  // in the order they were found.
  std::vector<std::string> files() const;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tuneup
