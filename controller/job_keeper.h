// The keeper of one job (what `tuneup-job` runs, and what LocalExecutor runs in a forked child
// when it can): see controller/job_keeper_main.cc for its behaviour.
#pragma once

#include <string>

#include "controller/job_spec.h"

namespace tuneup {

// Runs `spec` to its end and records it in the job's directory (controller/job_spec.h). With
// go_fd >= 0, first waits for the release on that descriptor: end-of-file (or SIGTERM) means the
// job never runs. Installs the keeper's signal handlers. Returns the keeper's exit code.
int RunJobKeeper(const JobSpec& spec, int go_fd);

// Records in `directory` a job that could not be started at all, with `error`; returns 127.
int FinishJobWithError(const std::string& directory, const std::string& error);

}  // namespace tuneup
