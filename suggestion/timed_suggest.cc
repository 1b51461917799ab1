#include "suggestion/timed_suggest.h"

namespace tuneup {

SuggestReply TimedSuggest(Algorithm& algorithm, std::string_view name,
                          std::span<const Trial> trials, int count, SuggestionObserver* observer) {
  if (observer == nullptr) return algorithm.Suggest(trials, count);
  // The computation's own duration, so the real steady clock rather than an injected Clock: a
  // fake clock does not move while an algorithm thinks.
  const auto started = std::chrono::steady_clock::now();
  SuggestReply reply = algorithm.Suggest(trials, count);
  observer->OnSuggested(name, std::chrono::steady_clock::now() - started);
  return reply;
}

}  // namespace tuneup
