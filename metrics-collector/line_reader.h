// What every line-oriented metrics parser needs: lines cut from a byte stream that arrives in
// pieces of any size, with bounded memory, and warnings that cannot flood the log.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "metrics-collector/metric_parser.h"

namespace tuneup {

// `text` in double quotes, cut to `max_bytes`, with anything unprintable escaped: values come
// from untrusted output and end up in logs and terminals.
std::string QuoteUntrusted(std::string_view text, size_t max_bytes = 60);

// Passes warnings on until `limit` have been shown, then says once that the rest are suppressed:
// a trial that prints garbage forever must not drown the log.
class WarningLimiter {
 public:
  explicit WarningLimiter(WarningSink sink, int limit = 100)
      : sink_(std::move(sink)), limit_(limit) {}

  // Checked before a warning is formatted, so suppressed warnings cost nothing.
  bool Allowed();
  void Emit(const std::string& message);

 private:
  WarningSink sink_;
  int limit_;
  int shown_ = 0;
};

// Cuts bytes into lines ending at '\n' or '\r' (progress bars redraw with '\r'). A line longer
// than max_line_bytes is dropped with a warning and never buffered, so at most that many bytes
// are held whatever the source writes.
class LineReader {
 public:
  LineReader(size_t max_line_bytes, WarningLimiter& warnings)
      : max_line_bytes_(max_line_bytes), warnings_(warnings) {}

  // Calls on_line(std::string_view) for every line completed by `bytes` (empty lines included;
  // the view is valid during the call only) and keeps the start of an unfinished one.
  template <typename OnLine>
  void Feed(std::string_view bytes, OnLine&& on_line);

  // The source has ended: a last line without a terminator is a line too.
  template <typename OnLine>
  void Finish(OnLine&& on_line);

  // "line N: ", N counting '\n' only (as an editor would: the redraws of a '\r' progress bar
  // share their line's number), for warnings about the line being handled.
  std::string LinePrefix() const { return "line " + std::to_string(newlines_ + 1) + ": "; }

 private:
  // Finds '\n' and '\r' in one chunk with memchr, remembering the next position of each so that
  // a chunk holding only one kind is not rescanned for the other at every line.
  class TerminatorFinder {
   public:
    explicit TerminatorFinder(std::string_view chunk)
        : chunk_(chunk), newline_(Find(0, '\n')), carriage_return_(Find(0, '\r')) {}
    // Offset of the first terminator at or after `pos`, or chunk.size() when there is none.
    size_t Next(size_t pos) {
      if (newline_ < pos) newline_ = Find(pos, '\n');
      if (carriage_return_ < pos) carriage_return_ = Find(pos, '\r');
      return newline_ < carriage_return_ ? newline_ : carriage_return_;
    }

   private:
    size_t Find(size_t pos, char c) const {
      if (pos >= chunk_.size()) return chunk_.size();
      const void* found = std::memchr(chunk_.data() + pos, c, chunk_.size() - pos);
      return found ? static_cast<size_t>(static_cast<const char*>(found) - chunk_.data())
                   : chunk_.size();
    }
    std::string_view chunk_;
    size_t newline_;
    size_t carriage_return_;
  };

  void BufferPartialLine(std::string_view piece);
  void DropLongLine();
  void ReleaseBuffer();

  const size_t max_line_bytes_;
  WarningLimiter& warnings_;
  // The start of a line whose end has not arrived yet; never longer than max_line_bytes_.
  std::string buffer_;
  // Inside a line already found too long: dropping bytes up to the next terminator.
  bool skipping_ = false;
  int64_t newlines_ = 0;
};

template <typename OnLine>
void LineReader::Feed(std::string_view bytes, OnLine&& on_line) {
  TerminatorFinder finder(bytes);
  size_t pos = 0;
  while (pos < bytes.size()) {
    const size_t end = finder.Next(pos);
    if (end == bytes.size()) {
      BufferPartialLine(bytes.substr(pos));
      return;
    }
    const std::string_view piece = bytes.substr(pos, end - pos);
    if (skipping_) {
      skipping_ = false;  // the tail of an over-long line; resynchronised from here on
    } else if (piece.size() > max_line_bytes_ - buffer_.size()) {
      DropLongLine();
    } else if (buffer_.empty()) {
      on_line(piece);  // the common case: the whole line lies in this chunk
    } else {
      buffer_.append(piece);
      on_line(std::string_view(buffer_));
      ReleaseBuffer();
    }
    if (bytes[end] == '\n') ++newlines_;
    pos = end + 1;
  }
}

template <typename OnLine>
void LineReader::Finish(OnLine&& on_line) {
  if (!skipping_ && !buffer_.empty()) on_line(std::string_view(buffer_));
  skipping_ = false;
  ReleaseBuffer();
}

}  // namespace tuneup
