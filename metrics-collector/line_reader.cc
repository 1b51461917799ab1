#include "metrics-collector/line_reader.h"

#include <algorithm>

namespace tuneup {

namespace {

// A buffer grown by one long line is released afterwards instead of being held for the trial's
// whole life (a service runs many parsers at once).
constexpr size_t kRetainedBufferBytes = size_t{64} * 1024;

}  // namespace

std::string QuoteUntrusted(std::string_view text, size_t max_bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string quoted = "\"";
  for (char c : text.substr(0, max_bytes)) {
    auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      quoted += '\\';
      quoted += c;
    } else if (byte < 0x20 || byte >= 0x7F) {
      quoted += "\\x";
      quoted += kHex[byte >> 4];
      quoted += kHex[byte & 0xF];
    } else {
      quoted += c;
    }
  }
  quoted += '"';
  if (text.size() > max_bytes) quoted += "...";
  return quoted;
}

bool WarningLimiter::Allowed() {
  if (!sink_ || shown_ > limit_) return false;
  if (shown_ == limit_) {
    ++shown_;
    sink_("further warnings suppressed (" + std::to_string(limit_) + " shown)");
    return false;
  }
  return true;
}

void WarningLimiter::Emit(const std::string& message) {
  ++shown_;
  sink_(message);
}

void LineReader::BufferPartialLine(std::string_view piece) {
  if (skipping_) return;
  if (piece.size() > max_line_bytes_ - buffer_.size()) {
    DropLongLine();
    skipping_ = true;
    return;
  }
  const size_t needed = buffer_.size() + piece.size();
  if (needed > buffer_.capacity()) {
    // Cap the geometric growth so the buffer never holds much more than max_line_bytes.
    buffer_.reserve(std::min(std::max(needed, 2 * buffer_.capacity()), max_line_bytes_));
  }
  buffer_.append(piece);
}

void LineReader::DropLongLine() {
  ReleaseBuffer();
  if (warnings_.Allowed()) {
    warnings_.Emit(LinePrefix() + "skipped a line longer than " + std::to_string(max_line_bytes_) +
                   " bytes");
  }
}

void LineReader::ReleaseBuffer() {
  if (buffer_.capacity() > kRetainedBufferBytes) {
    std::string().swap(buffer_);
  } else {
    buffer_.clear();
  }
}

}  // namespace tuneup
