// The test cluster of tests/support/slurm.sh, seen from a test: its commands and its jobs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "tests/support/process.h"

namespace tuneup::testing {

// Fails the current test (ADD_FAILURE) unless SLURM_CONF names the fixture's cluster: the Slurm
// tests never skip.
bool RequireSlurmCluster();

// Runs /usr/bin/<argv[0]> with the rest of argv (e.g. {"squeue", "-h"}) and returns what it did.
ProcessResult Slurm(const std::vector<std::string>& argv);

// A field of `scontrol show job ID` (JobState, Restarts, NumCPUs, Partition, ...); "" if the job
// or the field is unknown.
std::string JobField(int64_t job_id, const std::string& field);

// Submits `sleep_seconds` of sleep with `sbatch --parsable` plus `options`; returns the job id
// (0 on failure, with the failure added to the test).
int64_t SubmitSleep(const std::vector<std::string>& options, int sleep_seconds);

// Cancels every job of this user on the test cluster and waits (at most 20 s) until none is
// pending, running or completing, so that the next test starts on an idle node.
void CancelAllJobs();

}  // namespace tuneup::testing
