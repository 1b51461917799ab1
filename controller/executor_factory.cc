#include "controller/executor_factory.h"

#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "controller/slurm_executor.h"

namespace tuneup {

namespace {

void CheckSlurmOptions(const SlurmOptions& options) {
  auto name = [](const char* flag, const std::string& value, bool list) {
    if (!value.empty() && !IsSlurmName(value, list)) {
      throw Error(ErrorCode::kInvalidArgument,
                  std::string(flag) + ": \"" + value +
                      "\" is not a Slurm name (letters, digits, '.', '_', '-'" +
                      (list ? ", comma-separated" : "") + ")");
    }
  };
  name("--slurm-partition", options.partition, true);
  name("--slurm-low-partition", options.low_partition, true);
  name("--slurm-high-partition", options.high_partition, true);
  name("--slurm-qos", options.qos, false);
  name("--slurm-low-qos", options.low_qos, false);
  name("--slurm-high-qos", options.high_qos, false);
  name("--slurm-account", options.account, false);
  if (!options.time.empty() && !IsSlurmTimeLimit(options.time)) {
    throw Error(ErrorCode::kInvalidArgument,
                "--slurm-time: \"" + options.time +
                    "\" is not a Slurm time limit (minutes, M:S, H:M:S, D-H, D-H:M or D-H:M:S)");
  }
}

}  // namespace

std::unique_ptr<Executor> MakeExecutor(boost::asio::io_context& io, const ExecutorChoice& choice) {
  if (choice.kind == "local") return std::make_unique<LocalExecutor>(io, choice.local);
  if (choice.kind == "slurm") {
    CheckSlurmOptions(choice.slurm);
    try {
      return std::make_unique<SlurmExecutor>(io, choice.slurm);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidArgument, std::string("--executor slurm: ") + e.what());
    }
  }
  if (choice.kind == "kubernetes") {
    try {
      return std::make_unique<KubernetesExecutor>(io, choice.kubernetes);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInvalidArgument, std::string("--executor kubernetes: ") + e.what());
    }
  }
  throw Error(ErrorCode::kInvalidArgument, "--executor: unknown executor '" + choice.kind +
                                               "' (expected local, slurm or kubernetes)");
}

}  // namespace tuneup
