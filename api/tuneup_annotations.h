// tuneup's own per-experiment settings, given as annotations in the manifest's metadata so that
// the manifest stays valid for Katib (which ignores annotations it does not know):
//
//   tuneup.dev/infrastructure-retries: "3"   how many times one trial may be re-run after the
//       infrastructure failed under it (a node died or never booted), 0..1000, default 3.
//       Preemptions are not counted: a preempted trial is always re-run.
//   tuneup.dev/priority: low|normal|high (default normal)   how the experiment's trials compete
//       with other work: low runs them as background work (locally SCHED_IDLE and nice 19) that
//       yields to other work when told to; `tuneup run --priority` overrides it.
//
// Annotations under tuneup.dev/ that tuneup does not know are errors (a typo would otherwise be
// ignored silently); other annotations are left alone.
#pragma once

#include <optional>
#include <string_view>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

inline constexpr const char* kInfrastructureRetriesAnnotation = "tuneup.dev/infrastructure-retries";
inline constexpr const char* kPriorityAnnotation = "tuneup.dev/priority";

enum class Priority { kLow, kNormal, kHigh };
// "low", "normal", "high"; nullopt for anything else.
std::optional<Priority> ParsePriority(std::string_view text);
std::string_view PriorityName(Priority priority);

struct TuneupSettings {
  int infrastructure_retries = 3;
  Priority priority = Priority::kNormal;
};

// The settings `experiment` asks for; defaults for what it does not say. Problems are added to
// `errors` (path metadata.annotations[KEY]) and leave the default in place.
TuneupSettings ReadTuneupSettings(const Experiment& experiment, FieldErrors& errors);

// As above, for an experiment already validated: throws Error(kInvalidArgument) on a problem.
TuneupSettings TuneupSettingsOf(const Experiment& experiment);

}  // namespace tuneup
