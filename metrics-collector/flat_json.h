// The JSON that metrics files are made of, read at memory speed: one object per line whose values
// are plain strings, numbers, true, false or null, e.g.
//   {"epoch": 3, "loss": 0.21, "accuracy": "0.93", "timestamp": "2026-11-23T10:00:00Z"}
//
// A fast path, not a JSON parser: it accepts only lines it reads exactly as a full parser
// (nlohmann::json) does, and declines everything else (nested values, escapes, non-ASCII bytes,
// numbers beyond double's range, any syntax error) so that the caller hands such a line to the
// full parser, which also explains what is wrong with it.
#pragma once

#include <string_view>
#include <vector>

namespace tuneup {

struct FlatJsonField {
  enum class Kind { kString, kNumber, kTrue, kFalse, kNull };

  std::string_view key;  // without its quotes
  Kind kind = Kind::kNull;
  std::string_view text;  // kString: the string without its quotes
  double number = 0;      // kNumber: the value, as nlohmann::json reads it ("-0" is 0)
};

// True when `line` is one JSON object (JSON whitespace around it allowed) of such fields: then
// `fields` holds them in order, views into `line`. False for anything else; `fields` is then
// unspecified. Linear in the line's length; `fields` is reused, so steady use allocates nothing.
bool ParseFlatJsonObject(std::string_view line, std::vector<FlatJsonField>& fields);

}  // namespace tuneup
