// Running an event loop until a condition holds, for tests of code that polls on it (header-only).
#pragma once

#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <chrono>

#include <boost/asio/io_context.hpp>

namespace tuneup::testing {

// Runs `io` in 5 ms slices until done() holds or `limit` has passed; returns done(). A loop that
// runs out of work is restarted, so handlers posted later still run.
template <typename Done>
bool RunUntil(boost::asio::io_context& io, Done&& done,
              std::chrono::milliseconds limit = std::chrono::seconds(5)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (!done() && std::chrono::steady_clock::now() < deadline) {
    io.run_for(std::chrono::milliseconds(5));
    if (io.stopped()) io.restart();
  }
  return done();
}

}  // namespace tuneup::testing
