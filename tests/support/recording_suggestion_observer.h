// A SuggestionObserver (suggestion/timed_suggest.h) that remembers every call, from any thread.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "suggestion/timed_suggest.h"

namespace tuneup::testing {

class RecordingSuggestionObserver final : public SuggestionObserver {
 public:
  using Call = std::pair<std::string, std::chrono::nanoseconds>;

  void OnSuggested(std::string_view algorithm, std::chrono::nanoseconds took) override {
    std::lock_guard lock(mutex_);
    calls_.emplace_back(std::string(algorithm), took);
  }

  std::vector<Call> calls() const {
    std::lock_guard lock(mutex_);
    return calls_;
  }
  std::vector<std::string> algorithms() const {
    std::lock_guard lock(mutex_);
    std::vector<std::string> names;
    for (const auto& [name, took] : calls_)
      names.push_back(name);
    return names;
  }

 private:
  mutable std::mutex mutex_;
  std::vector<Call> calls_;
};

}  // namespace tuneup::testing
