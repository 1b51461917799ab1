#include "common/clock.h"

namespace tuneup {

SystemClock& SystemClock::Instance() {
  static SystemClock clock;
  return clock;
}

}  // namespace tuneup
