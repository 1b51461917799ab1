#include "controller/slurm_queue.h"

#include <charconv>

namespace tuneup {

namespace {

// squeue -O: each field followed by '|' (the "suffix"), no padding.
constexpr const char* kQueueFormat = "JobID:|,State:|,Reason:|,RestartCnt:|";

std::vector<std::string_view> SplitFields(std::string_view line) {
  std::vector<std::string_view> fields;
  size_t start = 0;
  for (size_t bar = line.find('|'); bar != std::string_view::npos; bar = line.find('|', start)) {
    std::string_view field = line.substr(start, bar - start);
    while (!field.empty() && field.back() == ' ')
      field.remove_suffix(1);
    while (!field.empty() && field.front() == ' ')
      field.remove_prefix(1);
    fields.push_back(field);
    start = bar + 1;
  }
  return fields;
}

template <typename T>
bool ParseNumber(std::string_view text, T& value) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

std::vector<std::string> SqueueArgv(const std::vector<int64_t>& ids) {
  std::string list;
  for (int64_t id : ids) {
    if (!list.empty()) list += ',';
    list += std::to_string(id);
  }
  return {"squeue", "--noheader", "--states=all", "--jobs=" + list,
          "--Format=" + std::string(kQueueFormat)};
}

std::vector<std::string> SqueueByNameArgv(const std::string& name) {
  return {"squeue",           "--noheader",     "--me",
          "--states=PENDING", "--name=" + name, "--Format=JobID:|,State:|,Reason:|"};
}

std::map<int64_t, SlurmJobState> ParseSqueue(std::string_view output) {
  std::map<int64_t, SlurmJobState> jobs;
  while (!output.empty()) {
    size_t newline = output.find('\n');
    std::string_view line = output.substr(0, newline);
    output.remove_prefix(newline == std::string_view::npos ? output.size() : newline + 1);
    std::vector<std::string_view> fields = SplitFields(line);
    if (fields.size() < 3) continue;
    SlurmJobState job;
    if (!ParseNumber(fields[0], job.id) || fields[1].empty()) continue;
    job.state = fields[1];
    job.reason = fields[2];
    if (fields.size() >= 4 && !ParseNumber(fields[3], job.restarts)) job.restarts = 0;
    jobs[job.id] = job;
  }
  return jobs;
}

bool IsUnknownJobError(std::string_view error_output) {
  return error_output.find("Invalid job id specified") != std::string_view::npos;
}

SlurmPhase SlurmPhaseOf(const SlurmJobState& job) {
  const std::string_view state = job.state;
  if (state == "REQUEUED" || state == "REQUEUE_HOLD" || state == "REQUEUE_FED" ||
      state == "SPECIAL_EXIT")
    return SlurmPhase::kRequeued;
  if (job.restarts > 0 && state != "COMPLETING") {
    // Requeued, and ran again or waits to: tuneup re-runs the trial itself. An ended job that was
    // requeued before still ended how its state says (and its last run's files tell the rest).
    if (state == "PENDING" || state == "RUNNING" || state == "CONFIGURING" ||
        state == "SUSPENDED" || state == "RESIZING" || state == "SIGNALING")
      return SlurmPhase::kRequeued;
  }
  if (state == "PENDING") {
    return job.reason == "JobHeldUser" ? SlurmPhase::kHeld : SlurmPhase::kQueued;
  }
  if (state == "RUNNING" || state == "CONFIGURING" || state == "SUSPENDED" || state == "RESIZING" ||
      state == "SIGNALING" || state == "STAGE_OUT" || state == "RESV_DEL_HOLD" ||
      state == "STOPPED" || state == "POWER_UP_NODE")
    return SlurmPhase::kRunning;
  if (state == "COMPLETING") return SlurmPhase::kCompleting;
  // COMPLETED, FAILED, CANCELLED, TIMEOUT, OUT_OF_MEMORY, PREEMPTED, NODE_FAIL, BOOT_FAIL,
  // DEADLINE, REVOKED and whatever a later Slurm adds.
  return SlurmPhase::kEnded;
}

SlurmEnd SlurmEndOf(std::string_view state) {
  if (state == "PREEMPTED") return SlurmEnd::kPreempted;
  if (state == "NODE_FAIL" || state == "BOOT_FAIL") return SlurmEnd::kInfrastructure;
  return SlurmEnd::kByProgram;
}

}  // namespace tuneup
