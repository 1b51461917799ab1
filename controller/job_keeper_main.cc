// tuneup-job SPEC [--go-fd N]: runs one job as described by the JobSpec in the file SPEC
// (controller/job_spec.h) and records how it ended, independently of the controller that
// started it.
//
//  - With --go-fd, it first waits on that descriptor: one byte releases the job; end-of-file (the
//    controller died before it stored the job's identity) ends the keeper without running it.
//  - The program runs with execve (never a shell) in a process group of its own, stdin from
//    /dev/null, stdout and stderr to files in the job's directory (emptied first, then appended
//    to, so that whoever reads them as they grow never sees a byte twice).
//  - SIGTERM is passed on to the program's group (before the release: the job never runs);
//    SIGUSR1 kills the group at once. SIGINT and SIGHUP are ignored: a terminal closing does not
//    end the job, and the keeper must outlive its program to record the end.
//  - When the program has ended, whatever it left in its group is killed (as a container would),
//    job.status is written atomically, and the keeper exits with the program's code (128 + the
//    signal when a signal ended it).
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <string>

#include "controller/job_keeper.h"
#include "controller/job_spec.h"

int main(int argc, char** argv) {
  if (argc != 2 && !(argc == 4 && std::string(argv[2]) == "--go-fd")) {
    std::fprintf(stderr, "usage: tuneup-job SPEC [--go-fd N]\n");
    return 2;
  }
  const std::string spec_path = argv[1];
  tuneup::JobSpec spec;
  try {
    spec = tuneup::ReadJobSpec(spec_path);
  } catch (const std::exception& e) {
    return tuneup::FinishJobWithError(std::filesystem::path(spec_path).parent_path().string(),
                                      e.what());
  }
  return tuneup::RunJobKeeper(spec, argc == 4 ? std::atoi(argv[3]) : -1);
}
