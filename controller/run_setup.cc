#include "controller/run_setup.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "db/store.h"

namespace tuneup {

namespace fs = std::filesystem;

ExecutorChoice ExecutorChoiceFor(const RunOptions& options) {
  ExecutorChoice choice;
  choice.kind = options.executor;
  choice.local.kill_grace = std::chrono::seconds(options.kill_grace_seconds);
  choice.slurm = options.slurm;
  choice.kubernetes.config.kubeconfig = options.kubeconfig;
  choice.kubernetes.config.context = options.kube_context;
  choice.kubernetes.config.namespace_ = options.kube_namespace;
  choice.kubernetes.job.namespace_ = options.kube_namespace;
  choice.kubernetes.job.priority_class_low = options.kube_priority_class_low;
  choice.kubernetes.job.priority_class_high = options.kube_priority_class_high;
  return choice;
}

RunnerOptions RunnerOptionsFor(const RunOptions& options, const std::string& workdir,
                               const std::string& manifest_dir, const std::string& db_path) {
  std::error_code ec;
  RunnerOptions runner;
  runner.workdir = workdir;
  runner.manifest_dir = manifest_dir;
  runner.store_location = IsServerLocation(db_path) ? db_path : fs::absolute(db_path).string();
  runner.tuneup_binary = fs::read_symlink("/proc/self/exe", ec).string();
  runner.collector.poll_interval = std::chrono::milliseconds(options.file_poll_ms);
  runner.collector.max_observations = options.max_observations;
  runner.collector.custom_grace = std::chrono::milliseconds(options.custom_collector_grace_ms);
  runner.store_writer.give_up_after = std::chrono::seconds(options.db_outage_limit);
  if (options.priority) runner.priority = ParsePriority(*options.priority);
  return runner;
}

std::string ReadOptionFile(const std::string& path, const char* option) {
  if (path.empty()) return "";
  std::ifstream in(path);
  if (!in) {
    throw Error(ErrorCode::kInvalidArgument, std::string(option) + " " + path + ": cannot read it");
  }
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace tuneup
