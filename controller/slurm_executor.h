// Trials as Slurm batch jobs.
//
// Launch writes the trial's JobSpec (job.json) and a batch script (job.sh) into the trial's
// directory and submits the script held (`sbatch --parsable --hold`). The script's only command
// execs tuneup-job on the spec, which runs the trial's argv with execve: parameter values never
// reach a shell, and the job's output goes to stdout.log / stderr.log in the trial's directory.
// The job's identity (its Slurm job id and the trial directory) goes to on_created; the job is
// released (`scontrol release`) when the caller says so. sbatch's name, partition, QOS, account,
// time limit, CPUs, memory and GPUs come from controller/slurm_sbatch.h.
//
// Assumption: the trial directories, the trial programs and tuneup-job are on a filesystem
// shared by the controller and the compute nodes, at the same paths (the usual /home or
// /scratch of a cluster). The executor follows the output files there and reads job.status from
// there; nothing comes back through Slurm but the job's state.
//
// Every Slurm command is run with an argv (no shell), asynchronously on the event loop. The state
// of all jobs comes from ONE squeue call per poll interval; a job Slurm no longer lists is judged
// by the files its keeper left. How jobs end:
//   - the program ended (COMPLETED, FAILED, TIMEOUT, OUT_OF_MEMORY, ...): kExited with the
//     program's exit code or signal from job.status (Slurm's state added to the message);
//   - Kill: scancel (Slurm sends SIGTERM, which tuneup-job passes on to the trial; SIGKILL after
//     the cluster's KillWait): kKilled;
//   - PREEMPTED, or requeued by Slurm (restart count above 0, REQUEUED, REQUEUE_HOLD): kPreempted.
//     A requeued job is cancelled first: the runner re-runs the trial right away as a new attempt
//     with the same assignment, which is quicker than Slurm's requeue delay and keeps each
//     attempt's files apart;
//   - NODE_FAIL, BOOT_FAIL: kInfrastructureFailed; so is a job that ran but left no job.status.
// Before submitting, held jobs left with the same job name are cancelled: an earlier controller
// died between sbatch and storing their identity, so they never ran.
#pragma once

#include <memory>
#include <string>

#include "controller/executor.h"
#include "controller/slurm_options.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

class SlurmExecutor final : public Executor {
 public:
  // Throws Error(kFailedPrecondition) when tuneup-job cannot be found (options.keeper empty).
  SlurmExecutor(boost::asio::io_context& io, SlurmOptions options = {});
  // Jobs are left to Slurm: they outlive this executor, and Adopt finds them again.
  ~SlurmExecutor() override;

  void Launch(const TrialJob& job, JobCallbacks callbacks) override;
  // `identity` is what on_created reported. A held job is released and followed, a queued or
  // running one followed (its output replayed from the start), one that ended is judged by its
  // state and files.
  void Adopt(const TrialJob& job, const std::string& identity, JobCallbacks callbacks) override;
  void Kill(std::string_view trial) override;
  // SIGUSR1 to each job's tuneup-job (scancel --batch), which kills its trial at once, then
  // scancel for all: no grace period.
  void KillAllNow() override;
  size_t running() const override;
  // Jobs Slurm has not been seen running yet (held, pending, or not polled yet).
  size_t waiting() const override;

 private:
  struct Job;
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// The identity on_created reports for a Slurm job, and its reading (false: not one of ours).
std::string SlurmIdentity(int64_t job_id, const std::string& trial_dir);
bool ParseSlurmIdentity(const std::string& identity, int64_t& job_id, std::string& trial_dir);

}  // namespace tuneup
