// What every executor that runs trials through tuneup-job (controller/job_spec.h) shares:
// finding the keeper, turning a TrialJob into a JobSpec, and reading how a job ended from the
// files the keeper leaves in the job's directory.
#pragma once

#include <string>
#include <vector>

#include "controller/executor.h"
#include "controller/job_spec.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

// The tuneup-job binary: $TUNEUP_JOB_KEEPER if set, else tuneup-job beside the running program,
// else the one this build made. Throws Error(kFailedPrecondition) naming where it looked.
std::string FindJobKeeper();

// tuneup's own environment with the job's variables on top (later entries win, as in a
// container), as "NAME=value" entries.
std::vector<std::string> JobEnvironment(const TrialJob& job);

// The spec tuneup-job needs to run `job`, with its files in job.trial_dir. The executable is
// looked up on the job's PATH (its env, else tuneup's). Throws Error(kInvalidArgument) with a
// message for the trial when there is nothing to run: no command, no such working directory,
// no such executable.
JobSpec MakeJobSpec(const TrialJob& job);

// How the job whose files are in `directory` ended, once its keeper is gone: from job.status.
// Without an end recorded: kKilled when a stop was requested, else kNeverStarted when the job
// was never released (no job.status), kInfrastructureFailed when it was (its keeper died).
JobResult JobResultFromFiles(const std::string& directory, bool kill_requested);

// The absolute path of `program` as execve should get it: a name with '/' is taken relative to
// `working_dir`; a bare name is searched in the ':'-separated `path` list. Returns "" when no
// executable file is found.
std::string ResolveExecutable(const std::string& program, const std::string& path,
                              const std::string& working_dir);

// A kLaunchFailed result saying `message`.
JobResult LaunchFailure(std::string message);

// Reports a job that could not be launched (or adopted) through callbacks.on_exit, on a later
// turn of `io`: never from inside Launch, so callers have one path for every ending.
void PostLaunchFailure(boost::asio::io_context& io, JobCallbacks callbacks, std::string message);

// "SIGTERM" for 15, "signal 99" for what has no name.
std::string SignalName(int signal);

}  // namespace tuneup
