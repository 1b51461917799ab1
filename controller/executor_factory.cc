#include "controller/executor_factory.h"

#include "common/error.h"

namespace tuneup {

std::unique_ptr<Executor> MakeExecutor(boost::asio::io_context& io, const ExecutorChoice& choice) {
  if (choice.kind == "local") return std::make_unique<LocalExecutor>(io, choice.local);
  if (choice.kind == "kubernetes") {
    try {
      return std::make_unique<KubernetesExecutor>(io, choice.kubernetes);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidArgument, std::string("--executor kubernetes: ") + e.what());
    }
  }
  throw Error(ErrorCode::kInvalidArgument,
              "--executor: unknown executor '" + choice.kind + "' (expected local or kubernetes)");
}

}  // namespace tuneup
