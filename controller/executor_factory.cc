#include "controller/executor_factory.h"

#include "common/error.h"

namespace tuneup {

std::unique_ptr<Executor> MakeExecutor(boost::asio::io_context& io, const ExecutorChoice& choice) {
  if (choice.kind == "local") return std::make_unique<LocalExecutor>(io, choice.local);
  throw Error(ErrorCode::kInvalidArgument,
              "--executor: unknown executor '" + choice.kind + "' (expected local)");
}

}  // namespace tuneup
