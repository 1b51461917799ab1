// Times as Katib's Go services write and read them in its API: RFC 3339 text, formatted in UTC
// like Go's time.RFC3339Nano ("2026-11-23T08:32:00.5Z": no trailing zeros, no fraction for whole
// seconds), at the microsecond precision of Katib's database columns.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"

namespace tuneup {

// Go's zero time, "0001-01-01T00:00:00Z": what Katib's metrics collectors send for a value whose
// line carried no time. A Timestamp cannot hold year 1, so it stands for it as the earliest
// microsecond a Timestamp holds, before any time ParseKatibTime returns otherwise: it sorts first,
// as year 1 does in Katib's database.
extern const Timestamp kGoZeroTime;

// An RFC 3339 time (ParseRfc3339; fractions beyond microseconds are dropped), or Go's zero time
// as kGoZeroTime. Nullopt for anything else, including other times before 1678.
std::optional<Timestamp> ParseKatibTime(std::string_view text);

// As Katib returns a stored time: Go's t.UTC().Format(time.RFC3339Nano).
std::string FormatKatibTime(Timestamp time);

}  // namespace tuneup
