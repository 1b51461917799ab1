// Cutting TFRecord records (the framing of TensorFlow's event files) out of bytes that arrive in
// pieces of any size, while the file is still being written.
//
// A record is
//   uint64  length of the data, little endian
//   uint32  MaskedCrc32c of those 8 length bytes
//   bytes   data[length]
//   uint32  MaskedCrc32c of the data
// A record that is not complete yet waits for more bytes; only Finish calls it truncated.
//
// Damage costs as little as possible, always with a warning naming the byte offset:
//  - data whose checksum fails: that record is skipped, the next one is read;
//  - a length whose checksum fails: the framing is lost, so the reader looks at every following
//    byte for a 12-byte header whose checksum holds (and whose length is at most
//    max_record_bytes), and goes on from there;
//  - a length over max_record_bytes whose checksum holds: a genuine record too large to read
//    (a big graph definition, say), so its bytes are skipped unread and the next record is read.
// At most max_record_bytes + 16 bytes are held, whatever the file contains.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "metrics-collector/line_reader.h"

namespace tuneup {

// CRC-32C (Castagnoli) of `bytes`, rotated right by 15 bits and offset by 0xa282ead8, as TFRecord
// stores it (a checksum of data that embeds checksums would otherwise be weak).
uint32_t MaskedCrc32c(std::string_view bytes);

struct TfRecordReaderOptions {
  size_t max_record_bytes = size_t{16} << 20;
};

class TfRecordReader {
 public:
  // Called with each intact record's data (valid during the call only) and the stream offset of
  // its header.
  using RecordSink = std::function<void(std::string_view data, uint64_t offset)>;

  TfRecordReader(TfRecordReaderOptions options, WarningLimiter& warnings)
      : options_(options), warnings_(warnings) {}

  // Consumes the next `bytes` of the stream; calls on_record for each record they complete.
  void Feed(std::string_view bytes, const RecordSink& on_record);

  // The stream has ended: warns when it ended inside a record or while looking for a header.
  void Finish();

 private:
  enum class State {
    kHeader,  // at a record's start
    kRecord,  // a valid header for a record of record_length_ bytes is at the front
    kResync,  // framing lost: looking for a valid header
    kSkip,    // discarding skip_remaining_ bytes of an oversized record
  };

  size_t Consume(std::string_view bytes, const RecordSink& on_record);
  size_t Step(std::string_view bytes, uint64_t offset, const RecordSink& on_record);
  size_t Resync(std::string_view bytes, uint64_t offset);
  size_t Needed() const;
  void ReleaseLargeBuffer();
  void Warn(uint64_t offset, const std::string& message);

  const TfRecordReaderOptions options_;
  WarningLimiter& warnings_;
  State state_ = State::kHeader;
  uint64_t record_length_ = 0;
  uint64_t skip_remaining_ = 0;
  uint64_t lost_at_ = 0;  // where the framing was lost (kResync)
  // Stream offset of the first byte not consumed yet: buffer_[0] when buffer_ holds bytes.
  uint64_t offset_ = 0;
  // The start of what the state needs and the stream has not completed yet; always shorter than
  // Needed().
  std::string buffer_;
};

}  // namespace tuneup
