// Pieces of URLs as HTTP servers and clients see them.
#pragma once

#include <map>
#include <string>
#include <string_view>

namespace tuneup {

// "%2F" -> "/". A '%' not followed by two hex digits is kept as it is (never an error: the
// result is only ever compared and looked up).
std::string PercentDecode(std::string_view text);

// "a=1&b=x%20y&c" -> {a: 1, b: "x y", c: ""}; '+' is a space. A key given twice keeps the last.
std::map<std::string, std::string> ParseQuery(std::string_view query);

}  // namespace tuneup
