// Reading Slurm's view of the executor's jobs: the one squeue call per poll, its output, and
// what each job state means for a trial. Pure functions, tested without a cluster.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace tuneup {

// One job as squeue shows it.
struct SlurmJobState {
  int64_t id = 0;
  std::string state;   // PENDING, RUNNING, COMPLETED, PREEMPTED, ... (squeue %T)
  std::string reason;  // JobHeldUser, Priority, NonZeroExitCode, ...
  int restarts = 0;    // how often Slurm requeued it
  bool operator==(const SlurmJobState&) const = default;
};

// `squeue` for the jobs `ids` (argv[0] is "squeue"): no header, every state (so that jobs that
// ended recently are shown with how they ended), id|state|reason|restart count| per line.
std::vector<std::string> SqueueArgv(const std::vector<int64_t>& ids);

// `squeue` for this user's pending jobs named `name` (id|state|reason| per line): the held jobs
// an earlier controller left when it died between sbatch and storing the job's identity.
std::vector<std::string> SqueueByNameArgv(const std::string& name);

// The jobs in squeue output of either form above, by id. Lines that cannot be read are skipped.
std::map<int64_t, SlurmJobState> ParseSqueue(std::string_view output);

// Whether squeue's error output says only that a job id is unknown (squeue given a single id
// that Slurm already forgot fails with "Invalid job id specified"): the job is gone, nothing
// is wrong with the cluster.
bool IsUnknownJobError(std::string_view error_output);

// What a job's state means for the trial.
enum class SlurmPhase {
  kHeld,        // pending with a user hold (ours: not released yet)
  kQueued,      // waiting for resources, an admin hold, a begin time...
  kRunning,     // running, suspended, being set up
  kCompleting,  // its processes are ending
  kRequeued,    // Slurm put it back into the queue (preempted, node failure, requeue): it ran
  kEnded,       // finished; see SlurmEndOf
};
// `state` and `reason` as squeue prints them; `restarts` above 0 means requeued whatever the
// state says (tuneup cancels requeued jobs, so a job of tuneup never legitimately restarts).
SlurmPhase SlurmPhaseOf(const SlurmJobState& job);

// How an ended job ended, as far as Slurm can tell.
enum class SlurmEnd {
  kByProgram,       // COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, DEADLINE, CANCELLED: the
                    // program's status file tells the rest
  kPreempted,       // PREEMPTED
  kInfrastructure,  // NODE_FAIL, BOOT_FAIL
};
SlurmEnd SlurmEndOf(std::string_view state);

}  // namespace tuneup
