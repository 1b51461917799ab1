// posix_spawn attributes for a child that must not inherit its parent's signal handling: no
// signal blocked, every signal at its default disposition (tuneup's and the keeper's handlers and
// ignores undone), plus whatever flags the caller adds (a process group, a session).
#pragma once

#include <signal.h>
#include <spawn.h>

namespace tuneup {

class CleanSignalsSpawnAttributes {
 public:
  explicit CleanSignalsSpawnAttributes(short extra_flags = 0) {
    posix_spawnattr_init(&attr_);
    sigset_t none;
    sigemptyset(&none);
    sigset_t all;
    sigfillset(&all);
    posix_spawnattr_setsigmask(&attr_, &none);
    posix_spawnattr_setsigdefault(&attr_, &all);
    posix_spawnattr_setflags(
        &attr_, static_cast<short>(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | extra_flags));
  }
  ~CleanSignalsSpawnAttributes() { posix_spawnattr_destroy(&attr_); }
  CleanSignalsSpawnAttributes(const CleanSignalsSpawnAttributes&) = delete;
  CleanSignalsSpawnAttributes& operator=(const CleanSignalsSpawnAttributes&) = delete;

  posix_spawnattr_t* get() { return &attr_; }

 private:
  posix_spawnattr_t attr_;
};

}  // namespace tuneup
