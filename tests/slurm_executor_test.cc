// The Slurm executor against a real single-node Slurm 22.05 (the ctest fixture `slurm`,
// tests/support/slurm.sh): trials run as batch jobs, argv literally, output and exit codes, the
// placement sbatch gets, Kill, preemption by a high-priority partition, held leftovers, and Adopt
// of held, running, finished and never-started jobs by a second executor.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/slurm_executor.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controller/slurm_sbatch.h"
#include "tests/support/slurm_cluster.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::JobField;
using testing::ReadFile;
using testing::Slurm;

void Touch(const std::string& path, const std::string& content = "") {
  std::ofstream(path) << content;
}

struct Capture {
  std::string out;
  std::string err;
  int exits = 0;
  bool output_after_exit = false;
  JobResult result;
  std::string identity;
  std::function<void()> release;
};

class SlurmExecutorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(testing::RequireSlurmCluster());
    fs::create_directories(dir_.Join("home"));
  }
  void TearDown() override {
    executor_.reset();
    testing::CancelAllJobs();
  }

  SlurmOptions Options() {
    SlurmOptions options;
    options.poll_interval = 200ms;
    options.status_grace = 3s;
    return options;
  }

  SlurmExecutor& Executor(const SlurmOptions& options) {
    executor_.reset();
    executor_.emplace(io_, options);
    return *executor_;
  }
  SlurmExecutor& Executor() { return Executor(Options()); }

  TrialJob Job(std::vector<std::string> argv, const std::string& trial = "t1") {
    TrialJob job;
    job.experiment = "slurm-executor-test";
    job.trial = trial;
    job.argv = std::move(argv);
    job.trial_dir = dir_.Join("trials/" + trial);
    fs::create_directories(job.trial_dir);
    job.working_dir = dir_.path().string();
    job.env = {{"HOME", dir_.Join("home")}};
    return job;
  }

  std::string Script(const std::string& name, const std::string& body) {
    return dir_.WriteFile(name, "#!/bin/sh\n" + body, /*executable=*/true);
  }

  // The callbacks of one job, recorded in captures_[key]. With `hold`, on_created keeps the
  // release for the test instead of releasing at once.
  JobCallbacks Callbacks(
      const std::string& key, bool hold = false,
      const std::function<void(OutputStream, std::string_view)>& on_output = {}) {
    Capture& capture = captures_[key];
    JobCallbacks callbacks{
        [&capture, on_output](OutputStream stream, std::string_view bytes) {
          if (capture.exits > 0) capture.output_after_exit = true;
          (stream == OutputStream::kStdout ? capture.out : capture.err).append(bytes);
          if (on_output) on_output(stream, bytes);
        },
        [&capture](const JobResult& result) {
          ++capture.exits;
          capture.result = result;
        }};
    callbacks.on_created = [&capture, hold](const std::string& identity,
                                            const std::function<void()>& release) {
      capture.identity = identity;
      capture.release = release;
      if (!hold) release();
    };
    return callbacks;
  }

  Capture& Launch(const TrialJob& job, bool hold = false,
                  std::function<void(OutputStream, std::string_view)> on_output = {}) {
    executor_->Launch(job, Callbacks(job.trial, hold, on_output));
    return captures_[job.trial];
  }

  // Runs the loop until the executor has nothing left to do (at most `limit`).
  void RunLoop(std::chrono::seconds limit = 60s) {
    io_.run_for(limit);
    if (!io_.stopped()) {
      ADD_FAILURE() << "the event loop did not return within " << limit.count() << " s";
      executor_->KillAllNow();
      io_.run_for(10s);
    }
    io_.restart();
  }

  // Runs the loop until `done` holds (checked every 50 ms), at most `limit`.
  bool RunUntil(const std::function<bool()>& done, std::chrono::seconds limit = 30s) {
    auto deadline = std::chrono::steady_clock::now() + limit;
    while (!done()) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      io_.run_for(50ms);
      if (io_.stopped()) io_.restart();
    }
    return true;
  }

  static int64_t JobIdOf(const std::string& identity) {
    int64_t id = 0;
    std::string dir;
    EXPECT_TRUE(ParseSlurmIdentity(identity, id, dir)) << identity;
    return id;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  std::optional<SlurmExecutor> executor_;
  std::map<std::string, Capture> captures_;
};

TEST_F(SlurmExecutorTest, ArgvReachesTheJobLiterallyAndNoShellSeesIt) {
  Executor();
  const std::string marker = dir_.Join("MARKER");
  std::string script = Script("args.sh", R"(
out="$TUNEUP_ARGS_DIR"
printf '%s' "$#" > "$out/argc"
i=0
for a in "$@"; do
  i=$((i + 1))
  printf '%s' "$a" > "$out/arg$i"
done
)");
  std::vector<std::string> args = {
      "$(touch " + marker + "); rm -rf ~ 'q' \"d\" `touch " + marker + "`",
      "two words",
      "line1\nline2\n",
      "",
      "*",
      "${HOME} $HOME $(HOME) %j %x %%",
      "--parsable",
      "; touch " + marker + " #",
  };
  std::vector<std::string> argv = {script};
  argv.insert(argv.end(), args.begin(), args.end());
  TrialJob job = Job(argv);
  fs::create_directories(dir_.Join("args"));
  job.env.emplace_back("TUNEUP_ARGS_DIR", dir_.Join("args"));
  Capture& capture = Launch(job);
  RunLoop();
  ASSERT_EQ(capture.exits, 1);
  ASSERT_TRUE(capture.result.succeeded()) << capture.result.message << capture.err;
  ASSERT_EQ(ReadFile(dir_.Join("args/argc")), std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i)
    EXPECT_EQ(ReadFile(dir_.Join("args/arg" + std::to_string(i + 1))), args[i]) << "argument " << i;
  EXPECT_FALSE(fs::exists(marker)) << "a shell interpreted an argument";
  // The batch script holds no parameter value; it only execs the keeper.
  const std::string batch = ReadFile(job.trial_dir + "/job.sh");
  EXPECT_EQ(batch.find("touch"), std::string::npos) << batch;
  EXPECT_EQ(JobField(JobIdOf(capture.identity), "JobName"), SlurmJobName(job));
}

TEST_F(SlurmExecutorTest, OutputReachesOnOutputAndExitCodesAndSignalsAreReported) {
  Executor();
  Capture& ok =
      Launch(Job({"/bin/sh", "-c", "echo out1; echo err1 >&2; sleep 0.5; echo out2"}, "ok"));
  Capture& three = Launch(Job({"/bin/sh", "-c", "echo failing; exit 3"}, "three"));
  Capture& signal = Launch(Job({"/bin/sh", "-c", "kill -SEGV $$"}, "signal"));
  RunLoop();
  for (Capture* capture : {&ok, &three, &signal}) {
    EXPECT_EQ(capture->exits, 1);
    EXPECT_FALSE(capture->output_after_exit);
  }
  EXPECT_TRUE(ok.result.succeeded()) << ok.result.message;
  EXPECT_EQ(ok.out, "out1\nout2\n");
  EXPECT_EQ(ok.err, "err1\n");
  EXPECT_EQ(three.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(three.result.exit_code, 3);
  EXPECT_EQ(three.out, "failing\n");
  EXPECT_EQ(signal.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(signal.result.signal, SIGSEGV);
}

TEST_F(SlurmExecutorTest, PlacementAndResourcesReachSlurm) {
  Executor();
  TrialJob job = Job({"/bin/true"});
  job.slurm = SlurmSettings{"high", "", "", "7"};
  job.resources = Json::parse(R"({"limits": {"cpu": "1500m", "memory": "100Mi"}})");
  Capture& capture = Launch(job, /*hold=*/true);
  ASSERT_TRUE(RunUntil([&] { return !capture.identity.empty(); }));
  const int64_t id = JobIdOf(capture.identity);
  EXPECT_EQ(JobField(id, "Partition"), "high");
  EXPECT_EQ(JobField(id, "NumCPUs"), "2");
  EXPECT_EQ(JobField(id, "MinMemoryNode"), "100M");
  EXPECT_EQ(JobField(id, "TimeLimit"), "00:07:00");
  EXPECT_EQ(JobField(id, "JobState"), "PENDING");  // held until released
  EXPECT_EQ(JobField(id, "Reason"), "JobHeldUser");
  capture.release();
  RunLoop();
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
}

TEST_F(SlurmExecutorTest, LaunchFailuresAreReported) {
  Executor();
  Capture& missing = Launch(Job({"no-such-program-xyz"}, "missing"));
  TrialJob bad_partition = Job({"/bin/true"}, "partition");
  bad_partition.slurm.partition = "no-such-partition";
  Capture& rejected = Launch(bad_partition);
  RunLoop();
  EXPECT_EQ(missing.result.kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(missing.result.message.find("no-such-program-xyz"), std::string::npos);
  EXPECT_EQ(rejected.result.kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(rejected.result.message.find("sbatch failed"), std::string::npos)
      << rejected.result.message;
  EXPECT_NE(rejected.result.message.find("invalid partition"), std::string::npos)
      << rejected.result.message;
}

TEST_F(SlurmExecutorTest, KillCancelsTheJobAndTheTrialGetsSigterm) {
  Executor();
  const std::string got_term = dir_.Join("got-term");
  std::string script = Script("sleepy.sh", "trap 'touch " + got_term +
                                               "; exit 143' TERM\necho started\n"
                                               "sleep 60 & wait\n");
  Capture& capture = Launch(Job({script}), false, [this](OutputStream, std::string_view bytes) {
    if (bytes.find("started") != std::string_view::npos) executor_->Kill("t1");
  });
  const auto start = std::chrono::steady_clock::now();
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled) << capture.result.message;
  EXPECT_LT(std::chrono::steady_clock::now() - start, 20s);
  EXPECT_TRUE(fs::exists(got_term)) << "the trial did not get SIGTERM";
  EXPECT_EQ(JobField(JobIdOf(capture.identity), "JobState"), "CANCELLED");
}

TEST_F(SlurmExecutorTest, KillAllNowEndsEveryJob) {
  Executor();
  std::string script = Script("ignore.sh", "trap '' TERM\necho started\nsleep 60\n");
  int started = 0;
  size_t waiting_at_kill = 0;
  auto count = [&](OutputStream, std::string_view bytes) {
    if (bytes.find("started") != std::string_view::npos && ++started == 2) {
      waiting_at_kill = executor_->waiting();
      executor_->KillAllNow();
    }
  };
  // Two of them run (the node has two CPUs), the third waits.
  Capture& a = Launch(Job({script}, "a"), false, count);
  Capture& b = Launch(Job({script}, "b"), false, count);
  Capture& queued = Launch(Job({script}, "c"), false, count);
  const auto start = std::chrono::steady_clock::now();
  RunLoop();
  for (Capture* capture : {&a, &b, &queued}) {
    EXPECT_EQ(capture->exits, 1) << capture->out << capture->err;
    EXPECT_EQ(capture->result.kind, JobResult::Kind::kKilled) << capture->result.message;
  }
  // Well before the cluster's KillWait (5 s) would have ended the trials that ignore SIGTERM.
  EXPECT_LT(std::chrono::steady_clock::now() - start, 4s);
  EXPECT_EQ(executor_->running(), 0u);
  EXPECT_EQ(executor_->waiting(), 0u);
  // The third could not have started: both CPUs were taken.
  EXPECT_GE(waiting_at_kill, 1u);
  EXPECT_TRUE(testing::ProcessesWithToken(script).empty()) << "a trial survived";
}

TEST_F(SlurmExecutorTest, PreemptedByAHighPriorityJobIsReportedPreemptedAndCancelled) {
  Executor();
  std::string script = Script("long.sh", "echo started\nsleep 60\n");
  TrialJob a = Job({script}, "a");
  TrialJob b = Job({script}, "b");
  a.slurm.partition = b.slurm.partition = "low";
  int started = 0;
  int64_t high = 0;
  auto preempt_when_both_run = [&](OutputStream, std::string_view bytes) {
    if (bytes.find("started") != std::string_view::npos && ++started == 2)
      high = testing::SubmitSleep({"--partition=high", "--cpus-per-task=2"}, 2);
  };
  Capture& first = Launch(a, false, preempt_when_both_run);
  Capture& second = Launch(b, false, preempt_when_both_run);
  const auto start = std::chrono::steady_clock::now();
  RunLoop();
  ASSERT_NE(high, 0);
  for (Capture* capture : {&first, &second}) {
    EXPECT_EQ(capture->exits, 1);
    EXPECT_EQ(capture->result.kind, JobResult::Kind::kPreempted) << capture->result.message;
    EXPECT_NE(capture->result.message.find("requeued by Slurm"), std::string::npos)
        << capture->result.message;
    const int64_t id = JobIdOf(capture->identity);
    EXPECT_EQ(JobField(id, "JobState"), "CANCELLED") << "the requeued job must not run again";
    EXPECT_EQ(JobField(id, "Restarts"), "1");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 30s);
}

TEST_F(SlurmExecutorTest, HeldLeftoverOfTheSameAttemptIsCancelledBeforeSubmitting) {
  Executor();
  TrialJob job = Job({"/bin/sh", "-c", "echo ran"});
  Capture& first = Launch(job, /*hold=*/true);
  ASSERT_TRUE(RunUntil([&] { return !first.identity.empty(); }));
  const int64_t leftover = JobIdOf(first.identity);
  // The controller dies before storing the identity: a new one launches the same attempt.
  Executor();
  captures_.erase("t1");
  Capture& second = Launch(job);
  RunLoop();
  EXPECT_TRUE(second.result.succeeded()) << second.result.message;
  EXPECT_EQ(second.out, "ran\n");
  EXPECT_NE(JobIdOf(second.identity), leftover);
  EXPECT_EQ(JobField(leftover, "JobState"), "CANCELLED");
}

TEST_F(SlurmExecutorTest, AdoptReleasesAHeldJobAndFollowsIt) {
  Executor();
  TrialJob job = Job({"/bin/sh", "-c", "echo adopted-and-ran; exit 4"});
  Capture& launched = Launch(job, /*hold=*/true);
  ASSERT_TRUE(RunUntil([&] { return !launched.identity.empty(); }));
  const std::string identity = launched.identity;
  Executor();  // the controller died after storing the identity, before releasing
  executor_->Adopt(job, identity, Callbacks("adopted"));
  RunLoop();
  Capture& adopted = captures_["adopted"];
  EXPECT_EQ(adopted.exits, 1);
  EXPECT_EQ(adopted.result.kind, JobResult::Kind::kExited) << adopted.result.message;
  EXPECT_EQ(adopted.result.exit_code, 4);
  EXPECT_EQ(adopted.out, "adopted-and-ran\n");
  EXPECT_EQ(launched.exits, 0);
}

TEST_F(SlurmExecutorTest, AdoptFollowsARunningJobAndReplaysItsOutput) {
  Executor();
  const std::string go = dir_.Join("go");
  std::string script = Script(
      "waits.sh", "echo before\nwhile [ ! -e '" + go + "' ]; do sleep 0.1; done\necho after\n");
  TrialJob job = Job({script});
  Capture& launched = Launch(job);
  ASSERT_TRUE(RunUntil([&] { return launched.out == "before\n"; }));
  const std::string identity = launched.identity;
  Executor();  // the first controller is gone; the job runs on
  executor_->Adopt(job, identity, Callbacks("adopted"));
  Capture& adopted = captures_["adopted"];
  ASSERT_TRUE(RunUntil([&] { return adopted.out == "before\n"; }));
  Touch(go);
  RunLoop();
  EXPECT_EQ(adopted.exits, 1);
  EXPECT_TRUE(adopted.result.succeeded()) << adopted.result.message;
  EXPECT_EQ(adopted.out, "before\nafter\n");  // replayed from the start, then followed
}

TEST_F(SlurmExecutorTest, AdoptOfAFinishedJobReplaysItsOutputAndEnd) {
  Executor();
  TrialJob job = Job({"/bin/sh", "-c", "echo done-before; echo e >&2; exit 7"});
  Capture& launched = Launch(job);
  RunLoop();
  ASSERT_EQ(launched.result.exit_code, 7);
  Executor();
  executor_->Adopt(job, launched.identity, Callbacks("adopted"));
  RunLoop();
  Capture& adopted = captures_["adopted"];
  EXPECT_EQ(adopted.exits, 1);
  EXPECT_EQ(adopted.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(adopted.result.exit_code, 7);
  EXPECT_EQ(adopted.out, "done-before\n");
  EXPECT_EQ(adopted.err, "e\n");
}

TEST_F(SlurmExecutorTest, AdoptOfAJobThatNeverRanIsNeverStarted) {
  Executor();
  TrialJob job = Job({"/bin/true"});
  Capture& launched = Launch(job, /*hold=*/true);
  ASSERT_TRUE(RunUntil([&] { return !launched.identity.empty(); }));
  const int64_t id = JobIdOf(launched.identity);
  Executor();
  // Someone cancelled the held job meanwhile; and Slurm may have forgotten a job altogether.
  ASSERT_EQ(Slurm({"scancel", std::to_string(id)}).exit_code, 0);
  executor_->Adopt(job, launched.identity, Callbacks("cancelled"));
  TrialJob other = Job({"/bin/true"}, "t2");
  executor_->Adopt(other, SlurmIdentity(999'999, other.trial_dir), Callbacks("forgotten"));
  executor_->Adopt(Job({"/bin/true"}, "t3"), "pid 12", Callbacks("unreadable"));
  RunLoop();
  EXPECT_EQ(captures_["cancelled"].result.kind, JobResult::Kind::kNeverStarted)
      << captures_["cancelled"].result.message;
  EXPECT_EQ(captures_["forgotten"].result.kind, JobResult::Kind::kNeverStarted)
      << captures_["forgotten"].result.message;
  EXPECT_EQ(captures_["unreadable"].result.kind, JobResult::Kind::kLaunchFailed);
}

TEST_F(SlurmExecutorTest, AdoptOfAJobThatRanButLeftNoStatusIsAnInfrastructureFailure) {
  Executor();
  TrialJob job = Job({"/bin/true"}, "t4");
  // A job Slurm forgot, whose keeper started it but died before recording its end.
  Touch(job.trial_dir + "/job.status");  // created empty when the job starts
  executor_->Adopt(job, SlurmIdentity(999'998, job.trial_dir), Callbacks("t4"));
  RunLoop();
  EXPECT_EQ(captures_["t4"].result.kind, JobResult::Kind::kInfrastructureFailed)
      << captures_["t4"].result.message;
}

}  // namespace
}  // namespace tuneup
