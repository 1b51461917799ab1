#include "tests/support/slurm_cluster.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

namespace tuneup::testing {

bool RequireSlurmCluster() {
  const char* conf = std::getenv("SLURM_CONF");
  if (conf == nullptr || !std::filesystem::exists(conf)) {
    ADD_FAILURE() << "SLURM_CONF does not name a slurm.conf: run this test through ctest, whose "
                     "fixture `slurm` (tests/support/slurm.sh) starts the test cluster";
    return false;
  }
  return true;
}

ProcessResult Slurm(const std::vector<std::string>& argv) {
  std::vector<std::string> full = argv;
  full[0] = "/usr/bin/" + argv[0];
  return RunProcess(full, {}, std::chrono::seconds(30));
}

std::string JobField(int64_t job_id, const std::string& field) {
  ProcessResult shown = Slurm({"scontrol", "show", "job", std::to_string(job_id)});
  std::istringstream words(shown.out);
  std::string word;
  const std::string prefix = field + "=";
  while (words >> word)
    if (word.rfind(prefix, 0) == 0) return word.substr(prefix.size());
  return "";
}

int64_t SubmitSleep(const std::vector<std::string>& options, int sleep_seconds) {
  std::vector<std::string> argv = {"sbatch", "--parsable", "--output=/dev/null",
                                   "--error=/dev/null"};
  argv.insert(argv.end(), options.begin(), options.end());
  argv.push_back("--wrap=sleep " + std::to_string(sleep_seconds));
  ProcessResult submitted = Slurm(argv);
  if (submitted.exit_code != 0) {
    ADD_FAILURE() << "sbatch: " << submitted.Describe();
    return 0;
  }
  return std::atoll(submitted.out.c_str());
}

void CancelAllJobs() {
  Slurm({"scancel", "--me"});
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    ProcessResult left = Slurm({"squeue", "--me", "--noheader", "--states=PD,R,CG,CF,S"});
    if (left.exit_code == 0 && left.out.empty()) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ADD_FAILURE() << "jobs still in the queue 20 s after scancel --me";
}

}  // namespace tuneup::testing
