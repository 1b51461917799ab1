#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/executor_load.h"

#include <future>
#include <memory>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

namespace tuneup {

std::optional<ExecutorLoad> SampleExecutorLoad(boost::asio::io_context& io,
                                               const Executor& executor,
                                               std::chrono::milliseconds deadline) {
  // Shared with the posted handler, which may run after this call gave up waiting, or never (a
  // stopped loop destroys it unrun: the future then holds a broken promise).
  auto promise = std::make_shared<std::promise<ExecutorLoad>>();
  std::future<ExecutorLoad> sampled = promise->get_future();
  boost::asio::post(io, [promise, &executor] {
    const size_t launched = executor.running();
    const size_t waiting = executor.waiting();
    promise->set_value(ExecutorLoad{waiting, launched > waiting ? launched - waiting : 0});
  });
  if (sampled.wait_for(deadline) != std::future_status::ready) return std::nullopt;
  try {
    return sampled.get();
  } catch (const std::future_error&) {
    return std::nullopt;
  }
}

}  // namespace tuneup
