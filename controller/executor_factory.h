// Choosing where trials run: `tuneup run --executor local|slurm|kubernetes`.
#pragma once

#include <memory>
#include <string>

#include "controller/executor.h"
#include "controller/kubernetes_executor.h"
#include "controller/local_executor.h"
#include "controller/slurm_options.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct ExecutorChoice {
  std::string kind = "local";  // local | slurm | kubernetes
  LocalExecutorOptions local;
  SlurmOptions slurm;
  KubernetesOptions kubernetes;
};

// The executor `choice` names, created on `io`. Throws Error(kInvalidArgument) naming the
// executor when the kind is unknown or its options cannot be used.
std::unique_ptr<Executor> MakeExecutor(boost::asio::io_context& io, const ExecutorChoice& choice);

}  // namespace tuneup
