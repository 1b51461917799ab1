// How long algorithms take to suggest, for whoever watches the service (`tuneup serve`'s
// /metrics, controller/serve_metrics.h).
//
// The callers of Algorithm::Suggest (the experiment runner, the gRPC Suggestion service) call it
// through TimedSuggest, which reports each call that returned to a SuggestionObserver, if they
// were given one. Without an observer nothing is measured.
#pragma once

#include <chrono>
#include <span>
#include <string_view>

#include "api/trial.h"
#include "suggestion/algorithm.h"

namespace tuneup {

class SuggestionObserver {
 public:
  virtual ~SuggestionObserver() = default;

  // `algorithm` (Katib's algorithmName) returned its suggestions after `took`, measured on a
  // monotonic clock. Called from any thread, on the caller's hot path: implementations must be
  // thread-safe and cheap (no I/O, no lock held for long).
  virtual void OnSuggested(std::string_view algorithm, std::chrono::nanoseconds took) = 0;
};

// algorithm.Suggest(trials, count), reported to `observer` (may be null) as `name` when it
// returns. A call that throws is not reported: the exception propagates.
SuggestReply TimedSuggest(Algorithm& algorithm, std::string_view name,
                          std::span<const Trial> trials, int count, SuggestionObserver* observer);

}  // namespace tuneup
