// YAML (and JSON) text to JSON values.
#pragma once

#include <string_view>
#include <vector>

#include "api/experiment.h"

namespace tuneup {

// Parses every document in `text` (YAML 1.2; JSON is YAML) into a JSON value, skipping empty
// documents. Plain scalars resolve by YAML 1.2's core schema (3 -> integer, 0.5 -> number,
// true -> boolean, ~ -> null); quoted scalars are always strings, so `min: "0.01"` stays text.
// Throws Error(kInvalidArgument) naming `source_name`, line and column on a syntax error, a
// duplicated mapping key, text that is not UTF-8, nesting deeper than 200 levels, or aliases that
// expand the documents to far more values than their text holds ("billion laughs").
std::vector<Json> ParseYamlDocuments(std::string_view text, std::string_view source_name);

}  // namespace tuneup
