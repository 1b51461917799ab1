// How busy the executor is, read from another thread (`tuneup serve`'s /metrics scrapes).
//
// An Executor belongs to its event loop's thread, so its counts are read there: the reading is
// posted to the loop, and the caller waits for it, for a bounded time.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>

#include "controller/executor.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct ExecutorLoad {
  size_t waiting = 0;  // launched, not started to run yet (Executor::waiting)
  size_t running = 0;  // started and not ended (Executor::running minus waiting)
};

// The executor's load, read on `io`'s thread. Waits up to `deadline` for the loop to get to it;
// nullopt when it did not (busy with something long, or stopped). Never call it from `io`'s
// own thread: it would wait for itself. `executor` must outlive `io`'s handlers.
std::optional<ExecutorLoad> SampleExecutorLoad(boost::asio::io_context& io,
                                               const Executor& executor,
                                               std::chrono::milliseconds deadline);

}  // namespace tuneup
