#include "metrics-collector/tfrecord_reader.h"

#include <algorithm>
#include <limits>
#include <optional>

#include "metrics-collector/crc32c.h"

namespace tuneup {
namespace {

constexpr size_t kHeaderBytes = 12;  // the length and its checksum
constexpr size_t kFooterBytes = 4;   // the data's checksum
constexpr uint32_t kMaskDelta = 0xa282ead8;
// A buffer grown by one large record is released afterwards instead of being held for the rest
// of the file (a service follows many files at once).
constexpr size_t kRetainedBufferBytes = size_t{64} * 1024;

uint64_t LoadLittleEndian(std::string_view bytes, size_t size) {
  uint64_t value = 0;
  for (size_t i = size; i-- > 0;)
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// The data length that the 12 bytes of `header` announce, when their checksum holds.
std::optional<uint64_t> HeaderLength(std::string_view header) {
  if (MaskedCrc32c(header.substr(0, 8)) != LoadLittleEndian(header.substr(8), 4))
    return std::nullopt;
  return LoadLittleEndian(header, 8);
}

}  // namespace

uint32_t MaskedCrc32c(std::string_view bytes) {
  const uint32_t value = Crc32c(bytes);
  return ((value >> 15) | (value << 17)) + kMaskDelta;
}

void TfRecordReader::Feed(std::string_view bytes, const RecordSink& on_record) {
  // Complete what the buffer holds first, adding no more than its state needs: the buffer then
  // empties as soon as it can, and everything after is read in place, never copied.
  while (!buffer_.empty() && !bytes.empty()) {
    const size_t needed = Needed();
    const size_t take = std::min(needed - buffer_.size(), bytes.size());
    if (buffer_.capacity() < needed) buffer_.reserve(needed);
    buffer_.append(bytes.substr(0, take));
    bytes.remove_prefix(take);
    if (buffer_.size() < needed) return;
    buffer_.erase(0, Consume(buffer_, on_record));
    ReleaseLargeBuffer();
  }
  if (buffer_.empty()) {
    buffer_.assign(bytes.substr(Consume(bytes, on_record)));
    ReleaseLargeBuffer();
  }
}

void TfRecordReader::Finish() {
  const uint64_t held = buffer_.size();
  switch (state_) {
    case State::kHeader:
      if (held > 0) {
        Warn(offset_, "the file ends inside a record header (" + std::to_string(held) + " of " +
                          std::to_string(kHeaderBytes) + " bytes); ignored");
      }
      break;
    case State::kRecord:
      Warn(offset_, "the file ends inside a record of " + std::to_string(record_length_) +
                        " bytes (" + std::to_string(held) + " of " +
                        std::to_string(record_length_ + kHeaderBytes + kFooterBytes) +
                        " bytes written); ignored");
      break;
    case State::kResync:
      Warn(lost_at_, "the file ends without another valid record header (" +
                         std::to_string(offset_ + held - lost_at_) + " bytes skipped)");
      break;
    case State::kSkip:
      Warn(offset_, "the file ends " + std::to_string(skip_remaining_) +
                        " bytes before the end of the oversized record");
      break;
  }
  offset_ += held;
  state_ = State::kHeader;
  std::string().swap(buffer_);
}

size_t TfRecordReader::Consume(std::string_view bytes, const RecordSink& on_record) {
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t available = bytes.size() - pos;
    if (state_ == State::kSkip) {
      const auto skipped = static_cast<size_t>(std::min<uint64_t>(skip_remaining_, available));
      pos += skipped;
      skip_remaining_ -= skipped;
      if (skip_remaining_ == 0) state_ = State::kHeader;
      continue;
    }
    if (available < Needed()) break;
    pos += Step(bytes.substr(pos), offset_ + pos, on_record);
  }
  offset_ += pos;
  return pos;
}

// Handles what the state finds at the front of `bytes` (at least Needed() of them) and returns
// how many it consumed. It returns 0 only when it moved to a state that needs more bytes or
// that resumes right here (a header found in place), so Consume always progresses.
size_t TfRecordReader::Step(std::string_view bytes, uint64_t offset, const RecordSink& on_record) {
  switch (state_) {
    case State::kHeader: {
      const std::optional<uint64_t> length = HeaderLength(bytes);
      if (!length) {
        Warn(offset,
             "corrupt record header (its length checksum does not match); looking for the next "
             "valid header");
        state_ = State::kResync;
        lost_at_ = offset;
        return 1;
      }
      if (*length > options_.max_record_bytes) {
        Warn(offset, "record of " + std::to_string(*length) + " bytes is larger than the limit (" +
                         std::to_string(options_.max_record_bytes) + " bytes); skipped unread");
        state_ = State::kSkip;
        skip_remaining_ = *length > std::numeric_limits<uint64_t>::max() - kFooterBytes
                              ? std::numeric_limits<uint64_t>::max()
                              : *length + kFooterBytes;
        return kHeaderBytes;
      }
      state_ = State::kRecord;
      record_length_ = *length;
      return 0;
    }
    case State::kRecord: {
      const auto length = static_cast<size_t>(record_length_);
      const std::string_view data = bytes.substr(kHeaderBytes, length);
      state_ = State::kHeader;
      if (MaskedCrc32c(data) == LoadLittleEndian(bytes.substr(kHeaderBytes + length), 4)) {
        on_record(data, offset);
      } else {
        Warn(offset,
             "record of " + std::to_string(length) + " bytes fails its data checksum; skipped");
      }
      return kHeaderBytes + length + kFooterBytes;
    }
    case State::kResync:
      return Resync(bytes, offset);
    case State::kSkip:
      break;  // Consume discards these itself
  }
  return 0;
}

size_t TfRecordReader::Resync(std::string_view bytes, uint64_t offset) {
  for (size_t at = 0; at + kHeaderBytes <= bytes.size(); ++at) {
    const std::optional<uint64_t> length = HeaderLength(bytes.substr(at, kHeaderBytes));
    if (length && *length <= options_.max_record_bytes) {
      Warn(offset + at, "found a valid record header after skipping " +
                            std::to_string(offset + at - lost_at_) + " bytes");
      state_ = State::kHeader;
      return at;
    }
  }
  // No header starts here; the last 11 bytes may begin one that the next bytes complete.
  return bytes.size() - (kHeaderBytes - 1);
}

size_t TfRecordReader::Needed() const {
  switch (state_) {
    case State::kRecord:
      return kHeaderBytes + static_cast<size_t>(record_length_) + kFooterBytes;
    case State::kSkip:
      return 1;
    case State::kHeader:
    case State::kResync:
      break;
  }
  return kHeaderBytes;
}

void TfRecordReader::ReleaseLargeBuffer() {
  if (buffer_.capacity() > kRetainedBufferBytes && buffer_.size() <= kRetainedBufferBytes)
    std::string(buffer_).swap(buffer_);
}

void TfRecordReader::Warn(uint64_t offset, const std::string& message) {
  if (warnings_.Allowed()) warnings_.Emit("offset " + std::to_string(offset) + ": " + message);
}

}  // namespace tuneup
