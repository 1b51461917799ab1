// Observations kept in a local file instead of memory, while the store cannot take them (see
// controller/store_writer.h): appended in batches, each batch read back once, in any order, and
// the whole file dropped when nothing in it is needed any more.
//
// The file is private scratch space, not a journal: it is not meant to survive the process, and
// its format (length-prefixed metric names, raw doubles and clock ticks) is this build's own.
#pragma once

#include <cstdint>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "api/trial.h"

namespace tuneup {

class ObservationSpill {
 public:
  // Where the batches are written; the file is created on the first Append and removed by
  // Clear() and the destructor.
  explicit ObservationSpill(std::string path);
  ~ObservationSpill();
  ObservationSpill(const ObservationSpill&) = delete;
  ObservationSpill& operator=(const ObservationSpill&) = delete;

  // Where one batch is in the file.
  struct Batch {
    uint64_t offset = 0;
    uint64_t bytes = 0;
    size_t count = 0;
  };

  // Writes `observations` at the end of the file. Throws Error(kInternal) naming the file when
  // it cannot be written (e.g. the disk is full).
  Batch Append(std::span<const Observation> observations);
  // The observations of `batch`, as appended. Throws Error(kInternal) when the file cannot be
  // read back.
  std::vector<Observation> Read(const Batch& batch);
  // Forgets every batch and removes the file.
  void Clear();

  const std::string& path() const { return path_; }
  uint64_t bytes() const { return end_; }

 private:
  void Open();

  std::string path_;
  std::fstream file_;
  uint64_t end_ = 0;
};

}  // namespace tuneup
