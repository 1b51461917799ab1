// Reading squeue without a cluster: the command, its output (as Slurm 22.05 prints it), and
// what each job state means for a trial.
#include "controller/slurm_queue.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace tuneup {
namespace {

TEST(SqueueArgvTest, OneCallForAllJobsInEveryState) {
  EXPECT_EQ(SqueueArgv({12, 7, 300}),
            (std::vector<std::string>{"squeue", "--noheader", "--states=all", "--jobs=12,7,300",
                                      "--Format=JobID:|,State:|,Reason:|,RestartCnt:|"}));
  std::vector<std::string> by_name = SqueueByNameArgv("tuneup.e.t.0.0badf00d");
  EXPECT_EQ(by_name[0], "squeue");
  EXPECT_NE(std::find(by_name.begin(), by_name.end(), "--name=tuneup.e.t.0.0badf00d"),
            by_name.end());
  EXPECT_NE(std::find(by_name.begin(), by_name.end(), "--states=PENDING"), by_name.end());
}

TEST(ParseSqueueTest, ReadsEveryLine) {
  // Recorded from Slurm 22.05.8 (a held job, a running one, one that failed, one requeued).
  auto jobs = ParseSqueue(
      "1|PENDING|JobHeldUser|0|\n"
      "2|RUNNING|None|0|\n"
      "3|FAILED|NonZeroExitCode|0|\n"
      "4|PENDING|BeginTime|1|\n");
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs.at(1), (SlurmJobState{1, "PENDING", "JobHeldUser", 0}));
  EXPECT_EQ(jobs.at(2), (SlurmJobState{2, "RUNNING", "None", 0}));
  EXPECT_EQ(jobs.at(3), (SlurmJobState{3, "FAILED", "NonZeroExitCode", 0}));
  EXPECT_EQ(jobs.at(4), (SlurmJobState{4, "PENDING", "BeginTime", 1}));
}

TEST(ParseSqueueTest, PaddingNoTrailingNewlineAndJunk) {
  auto jobs = ParseSqueue(
      "squeue: warning: something\n"
      "\n"
      "  10 |COMPLETED |None |0 |\n"
      "x|RUNNING|None|0|\n"
      "11|PENDING|JobHeldUser|\n"
      "12|RUNNING|None|many|\n"
      "13||None|0|\n"
      "14|CANCELLED|None|2|");
  ASSERT_EQ(jobs.size(), 4u);
  EXPECT_EQ(jobs.at(10), (SlurmJobState{10, "COMPLETED", "None", 0}));
  EXPECT_EQ(jobs.at(11), (SlurmJobState{11, "PENDING", "JobHeldUser", 0}));  // by-name form
  EXPECT_EQ(jobs.at(12).restarts, 0);
  EXPECT_EQ(jobs.at(14), (SlurmJobState{14, "CANCELLED", "None", 2}));
  EXPECT_TRUE(ParseSqueue("").empty());
}

TEST(ParseSqueueTest, UnknownJobError) {
  EXPECT_TRUE(IsUnknownJobError("slurm_load_jobs error: Invalid job id specified\n"));
  EXPECT_FALSE(IsUnknownJobError(
      "slurm_load_jobs error: Unable to contact slurm controller (connect failure)\n"));
}

SlurmPhase Phase(const char* state, const char* reason = "None", int restarts = 0) {
  return SlurmPhaseOf(SlurmJobState{1, state, reason, restarts});
}

TEST(SlurmPhaseTest, States) {
  EXPECT_EQ(Phase("PENDING", "JobHeldUser"), SlurmPhase::kHeld);
  EXPECT_EQ(Phase("PENDING", "JobHeldAdmin"), SlurmPhase::kQueued);  // not ours to release
  EXPECT_EQ(Phase("PENDING", "Resources"), SlurmPhase::kQueued);
  EXPECT_EQ(Phase("PENDING", "Priority"), SlurmPhase::kQueued);
  EXPECT_EQ(Phase("RUNNING"), SlurmPhase::kRunning);
  EXPECT_EQ(Phase("CONFIGURING"), SlurmPhase::kRunning);
  EXPECT_EQ(Phase("SUSPENDED"), SlurmPhase::kRunning);
  EXPECT_EQ(Phase("COMPLETING"), SlurmPhase::kCompleting);
  for (const char* ended : {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY",
                            "PREEMPTED", "NODE_FAIL", "BOOT_FAIL", "DEADLINE", "REVOKED"})
    EXPECT_EQ(Phase(ended), SlurmPhase::kEnded) << ended;
}

TEST(SlurmPhaseTest, RequeuedByStateOrByRestartCount) {
  EXPECT_EQ(Phase("REQUEUED"), SlurmPhase::kRequeued);
  EXPECT_EQ(Phase("REQUEUE_HOLD"), SlurmPhase::kRequeued);
  EXPECT_EQ(Phase("REQUEUE_FED"), SlurmPhase::kRequeued);
  EXPECT_EQ(Phase("SPECIAL_EXIT"), SlurmPhase::kRequeued);
  // What a partition with PreemptMode=REQUEUE does to a preempted job (Slurm 22.05).
  EXPECT_EQ(Phase("PENDING", "BeginTime", 1), SlurmPhase::kRequeued);
  EXPECT_EQ(Phase("PENDING", "JobHeldUser", 1), SlurmPhase::kRequeued);
  EXPECT_EQ(Phase("RUNNING", "None", 2), SlurmPhase::kRequeued);
  // Its processes are still ending: not yet.
  EXPECT_EQ(Phase("COMPLETING", "None", 1), SlurmPhase::kCompleting);
  // Cancelled by tuneup after the requeue: ended.
  EXPECT_EQ(Phase("CANCELLED", "None", 1), SlurmPhase::kEnded);
}

TEST(SlurmEndTest, PreemptionAndInfrastructureAreNotTheProgramsDoing) {
  EXPECT_EQ(SlurmEndOf("PREEMPTED"), SlurmEnd::kPreempted);
  EXPECT_EQ(SlurmEndOf("NODE_FAIL"), SlurmEnd::kInfrastructure);
  EXPECT_EQ(SlurmEndOf("BOOT_FAIL"), SlurmEnd::kInfrastructure);
  for (const char* state :
       {"COMPLETED", "FAILED", "CANCELLED", "TIMEOUT", "OUT_OF_MEMORY", "DEADLINE"})
    EXPECT_EQ(SlurmEndOf(state), SlurmEnd::kByProgram) << state;
}

}  // namespace
}  // namespace tuneup
