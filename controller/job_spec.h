// What `tuneup-job` needs to run one job without its controller, and what it leaves behind.
//
// A trial's job is not started by the controller directly but by tuneup-job (job_keeper_main.cc),
// a small program that reads a JobSpec from a file, runs the job's argv with execve (no shell)
// and records how it ended. The job's output goes to files, never to pipes, so the job and its
// record outlive the controller: after a crash, a new controller finds everything in the job's
// directory.
//
// Files in the job's directory (kJob* below):
//   job.json     the JobSpec (when the keeper is the tuneup-job program)
//   job.status   created empty when the job is released, before its program is executed
//                (absent: the job never ran); the JobStatus once the job has ended. It is read
//                only after the keeper has exited, so it is written in place, not atomically.
//   stdout.log / stderr.log  the program's output, as written.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace tuneup {

inline constexpr const char* kJobSpecFile = "job.json";
inline constexpr const char* kJobStatusFile = "job.status";
inline constexpr const char* kJobStdoutFile = "stdout.log";
inline constexpr const char* kJobStderrFile = "stderr.log";

struct JobSpec {
  std::string executable;         // absolute path given to execve
  std::vector<std::string> argv;  // argv[0] as the user wrote it, then the arguments
  std::vector<std::string> env;   // the complete environment, "NAME=value" each
  std::string working_dir;        // absolute
  std::string directory;          // absolute; where the job's files (above) are written
  bool background = false;        // SCHED_IDLE and nice 19 (low-priority experiments)
  int nice = 0;                   // added to the keeper's niceness (ignored when background)
};

struct JobStatus {
  // False while the job runs (or when its keeper died before recording the end).
  bool ended = true;
  // How the program ended: exit_code when it exited, signal when a signal ended it. When it
  // could not be executed at all, error says why (exit_code 127).
  int exit_code = -1;
  int signal = 0;
  std::string error;
  double started_at = 0;  // seconds since the epoch
  double ended_at = 0;
};

// Writes `spec` to <spec.directory>/job.json. Throws std::runtime_error naming the file.
void WriteJobSpec(const JobSpec& spec);

// Reads a JobSpec. Throws std::runtime_error naming the file and the field that is wrong.
JobSpec ReadJobSpec(const std::string& path);

std::string JobStatusToJson(const JobStatus& status);

// The status in <directory>/job.status; nullopt when the file does not exist (the job was never
// released). An empty file yields ended = false; one that cannot be parsed a status whose error
// says so.
std::optional<JobStatus> ReadJobStatus(const std::string& directory);

}  // namespace tuneup
