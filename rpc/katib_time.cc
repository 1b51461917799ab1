#include "rpc/katib_time.h"

#include "common/text.h"

namespace tuneup {

namespace {

constexpr std::string_view kGoZeroTimeText = "0001-01-01T00:00:00Z";

}  // namespace

// -2^63 nanoseconds, rounded up to a whole microsecond.
const Timestamp kGoZeroTime = FromUnixMicros(-9'223'372'036'854'775);

std::optional<Timestamp> ParseKatibTime(std::string_view text) {
  if (text == kGoZeroTimeText) return kGoZeroTime;
  return ParseRfc3339(text);
}

std::string FormatKatibTime(Timestamp time) {
  if (time == kGoZeroTime) return std::string(kGoZeroTimeText);
  std::string text = FormatRfc3339(time);  // "...:SS.ffffffZ"
  text.pop_back();
  while (text.back() == '0')
    text.pop_back();
  if (text.back() == '.') text.pop_back();
  text += 'Z';
  return text;
}

}  // namespace tuneup
