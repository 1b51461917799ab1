// Time, injected. Everything in tuneup that reads the time (observation timestamps, trial start
// and end, elapsed time in progress lines) goes through a Clock, so tests can substitute a
// FakeClock and never sleep.
#pragma once

#include <chrono>
#include <mutex>

namespace tuneup {

using Timestamp = std::chrono::system_clock::time_point;

class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time now. Thread-safe.
  virtual Timestamp Now() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
 public:
  Timestamp Now() const override { return std::chrono::system_clock::now(); }
  // A process-wide instance for code that has no clock injected (CLI entry points).
  static SystemClock& Instance();
};

// A clock that moves only when told to.
class FakeClock final : public Clock {
 public:
  explicit FakeClock(Timestamp start = Timestamp(std::chrono::seconds(1'700'000'000)))
      : now_(start) {}
  Timestamp Now() const override {
    std::lock_guard lock(mutex_);
    return now_;
  }
  void Advance(std::chrono::microseconds by) {
    std::lock_guard lock(mutex_);
    now_ += by;
  }

 private:
  mutable std::mutex mutex_;
  Timestamp now_;
};

}  // namespace tuneup
