// The local executor with real processes: argv and environment exactly as given, output to the
// callbacks and the log files byte for byte, exit codes and signals, launch failures, stopping a
// trial's whole process group, and an event loop that returns once every job is done.
#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/local_executor.h"

#include <signal.h>
#include <sys/types.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "tests/support/test_support.h"

namespace tuneup {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using testing::ReadFile;
using Clock = std::chrono::steady_clock;

// Everything one job reported.
struct Capture {
  std::string out;
  std::string err;
  int exits = 0;
  bool output_after_exit = false;
  JobResult result;
  Clock::time_point ended;
};

// Whether `pid` is a live process (not a zombie) whose command line contains `token`; the token
// guards against the pid having been reused by an unrelated process.
bool IsAlive(pid_t pid, const std::string& token) {
  std::string stat = ReadFile("/proc/" + std::to_string(pid) + "/stat");
  size_t paren = stat.rfind(')');
  if (paren == std::string::npos || paren + 2 >= stat.size()) return false;
  char state = stat[paren + 2];
  if (state == 'Z' || state == 'X') return false;
  return ReadFile("/proc/" + std::to_string(pid) + "/cmdline").find(token) != std::string::npos;
}

// Polls until `pid` is gone (SIGKILL delivery is asynchronous to us); true if it went.
bool WaitUntilDead(pid_t pid, const std::string& token, std::chrono::milliseconds limit = 10s) {
  auto deadline = Clock::now() + limit;
  while (IsAlive(pid, token)) {
    if (Clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

// A pid a trial wrote to a file.
pid_t ReadPid(const std::string& path) {
  std::string text = ReadFile(path);
  return text.empty() ? -1 : static_cast<pid_t>(std::stol(text));
}

class LocalExecutorTest : public ::testing::Test {
 protected:
  LocalExecutorTest() {
    // Should a regression ever hand an argument to a shell, `rm -rf ~` must hit a throwaway
    // directory, not the real home.
    fs::create_directories(dir_.Join("home"));
  }

  // A job in its own trial directory, run in the test's directory.
  TrialJob Job(std::vector<std::string> argv, const std::string& trial = "t1") {
    TrialJob job;
    job.experiment = "local-executor-test";
    job.trial = trial;
    job.argv = std::move(argv);
    job.trial_dir = dir_.Join("trials/" + trial);
    fs::create_directories(job.trial_dir);
    job.working_dir = dir_.path().string();
    job.env = {{"HOME", dir_.Join("home")}};
    return job;
  }

  // A /bin/sh script in the test directory.
  std::string Script(const std::string& name, const std::string& body) {
    return dir_.WriteFile(name, "#!/bin/sh\n" + body, /*executable=*/true);
  }

  LocalExecutor& Executor(LocalExecutorOptions options = {}) {
    executor_.emplace(io_, options);
    return *executor_;
  }

  // Launches `job` on the executor; `on_output` (optional) sees every chunk after it is captured.
  Capture& Launch(const TrialJob& job,
                  std::function<void(OutputStream, std::string_view)> on_output = {}) {
    Capture& capture = captures_[job.trial];
    executor_->Launch(
        job,
        JobCallbacks{[&capture, on_output](OutputStream stream, std::string_view bytes) {
                       if (capture.exits > 0) capture.output_after_exit = true;
                       (stream == OutputStream::kStdout ? capture.out : capture.err).append(bytes);
                       if (on_output) on_output(stream, bytes);
                     },
                     [&capture](const JobResult& result) {
                       ++capture.exits;
                       capture.result = result;
                       capture.ended = Clock::now();
                     }});
    return capture;
  }

  // Runs the loop until it runs out of work. A loop still busy after `limit` is a failure (a job
  // that never ended, or work left behind); its jobs are then killed so the test can end.
  void RunLoop(std::chrono::seconds limit = 60s) {
    io_.run_for(limit);
    if (!io_.stopped()) {
      ADD_FAILURE() << "the event loop did not return within " << limit.count() << " s";
      executor_->KillAllNow();
      io_.run_for(10s);
    }
    io_.restart();
  }

  // Launches one job, runs the loop to the end and checks it reported exactly once.
  Capture& RunJob(const TrialJob& job) {
    Capture& capture = Launch(job);
    RunLoop();
    EXPECT_EQ(capture.exits, 1) << job.trial;
    EXPECT_FALSE(capture.output_after_exit) << job.trial;
    return capture;
  }

  testing::TempDir dir_;
  boost::asio::io_context io_;
  std::optional<LocalExecutor> executor_;
  std::map<std::string, Capture> captures_;
};

TEST_F(LocalExecutorTest, ArgvReachesTheProcessExactlyAndNoShellSeesIt) {
  Executor();
  const std::string marker = dir_.Join("MARKER");
  // Writes each argument to its own file, so that every byte (newlines included) is checked.
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
      "$(touch " + marker + "); rm -rf ~",
      "`touch " + marker + "`",
      "two words",
      "'single' \"double\" \\back",
      "line1\nline2\n",
      "",
      "naïve 日本語 ✓",
      "*",
      "${HOME} $HOME $(HOME)",
      "-n",
      "; touch " + marker,
      "  leading and trailing  ",
  };
  std::vector<std::string> argv = {script};
  argv.insert(argv.end(), args.begin(), args.end());
  TrialJob job = Job(argv);
  fs::create_directories(dir_.Join("args"));
  job.env.emplace_back("TUNEUP_ARGS_DIR", dir_.Join("args"));
  Capture& capture = RunJob(job);
  ASSERT_TRUE(capture.result.succeeded()) << capture.result.message << capture.err;
  ASSERT_EQ(ReadFile(dir_.Join("args/argc")), std::to_string(args.size()));
  for (size_t i = 0; i < args.size(); ++i) {
    EXPECT_EQ(ReadFile(dir_.Join("args/arg" + std::to_string(i + 1))), args[i]) << "argument " << i;
  }
  EXPECT_FALSE(fs::exists(marker)) << "a shell interpreted an argument";
}

TEST_F(LocalExecutorTest, Argv0IsPassedAsGiven) {
  Executor();
  // sh -c puts the argument after the command string into $0.
  Capture& capture = RunJob(Job({"/bin/sh", "-c", "printf '%s|%s' \"$0\" \"$1\"", "zero", "one"}));
  EXPECT_TRUE(capture.result.succeeded());
  EXPECT_EQ(capture.out, "zero|one");
}

TEST_F(LocalExecutorTest, JobEnvironmentOverridesTuneupsEnvironment) {
  Executor();
  ::setenv("TUNEUP_TEST_OVERRIDDEN", "from-tuneup", 1);
  ::setenv("TUNEUP_TEST_INHERITED", "inherited", 1);
  TrialJob job = Job({"/bin/sh", "-c",
                      "printf '%s|%s|%s|%s' \"$TUNEUP_TEST_OVERRIDDEN\" \"$TUNEUP_TEST_INHERITED\" "
                      "\"$TUNEUP_TEST_JOB_ONLY\" \"$TUNEUP_TEST_TWICE\""});
  job.env.emplace_back("TUNEUP_TEST_OVERRIDDEN", "from-job");
  job.env.emplace_back("TUNEUP_TEST_JOB_ONLY", "a b=c $(x)");
  job.env.emplace_back("TUNEUP_TEST_TWICE", "first");
  job.env.emplace_back("TUNEUP_TEST_TWICE", "second");  // later entries win, as in a container
  Capture& capture = RunJob(job);
  ::unsetenv("TUNEUP_TEST_OVERRIDDEN");
  ::unsetenv("TUNEUP_TEST_INHERITED");
  EXPECT_TRUE(capture.result.succeeded()) << capture.err;
  EXPECT_EQ(capture.out, "from-job|inherited|a b=c $(x)|second");
}

TEST_F(LocalExecutorTest, RunsInTheWorkingDirectory) {
  Executor();
  fs::create_directories(dir_.Join("somewhere/else"));
  TrialJob job = Job({"/bin/pwd"});
  job.working_dir = dir_.Join("somewhere/else");
  Capture& capture = RunJob(job);
  EXPECT_TRUE(capture.result.succeeded()) << capture.err;
  // /bin/pwd prints the physical path; $TMPDIR may contain a symlink.
  EXPECT_EQ(capture.out, fs::canonical(job.working_dir).string() + "\n");
}

// Background work: a low-priority job runs under SCHED_IDLE (policy 5) at nice 19; a normal one
// as tuneup does. Read from the job's own /proc entry (fields 19 and 41 of stat), after a pause
// so that the nice value, set just after the spawn, is there.
TEST_F(LocalExecutorTest, LowPriorityJobsRunAsBackgroundWork) {
  Executor();
  const std::string script =
      "sleep 0.2; read -r line < /proc/$$/stat; set -- $line; printf '%s %s' \"${19}\" \"${41}\"";
  TrialJob low = Job({"/bin/sh", "-c", script}, "low");
  low.priority = Priority::kLow;
  Capture& background = RunJob(low);
  EXPECT_EQ(background.out, "19 5") << background.err;
  Capture& normal = RunJob(Job({"/bin/sh", "-c", script}, "normal"));
  EXPECT_EQ(normal.out.substr(normal.out.find(' ')), " 0") << "SCHED_OTHER";
}

TEST_F(LocalExecutorTest, StdinIsEmpty) {
  Executor();
  // A trial that reads stdin must see end-of-file at once, not hang on tuneup's terminal.
  Capture& capture = RunJob(Job({"/bin/cat"}));
  EXPECT_TRUE(capture.result.succeeded());
  EXPECT_EQ(capture.out, "");
}

TEST_F(LocalExecutorTest, StdoutAndStderrGoToTheCallbacksAndTheLogFiles) {
  Executor();
  TrialJob job = Job({Script("both.sh", R"(
echo "to stdout"
echo "to stderr" >&2
printf 'partial line without newline'
printf 'err\r' >&2
)")});
  Capture& capture = RunJob(job);
  EXPECT_TRUE(capture.result.succeeded());
  EXPECT_EQ(capture.out, "to stdout\npartial line without newline");
  EXPECT_EQ(capture.err, "to stderr\nerr\r");
  EXPECT_EQ(ReadFile(job.trial_dir + "/stdout.log"), capture.out);
  EXPECT_EQ(ReadFile(job.trial_dir + "/stderr.log"), capture.err);
}

TEST_F(LocalExecutorTest, LargeBinaryOutputArrivesByteForByte) {
  Executor();
  // 5 MiB of every byte value (NULs, invalid UTF-8, \r), several times the pipe buffer and the
  // read chunk, on both streams at once.
  std::string data(5 << 20, '\0');
  for (size_t i = 0; i < data.size(); ++i)
    data[i] = static_cast<char>((i * 7 + i / 251) & 0xff);
  std::string reversed(data.rbegin(), data.rend());
  std::string data_file = dir_.WriteFile("data.bin", data);
  std::string reversed_file = dir_.WriteFile("reversed.bin", reversed);
  TrialJob job =
      Job({"/bin/sh", "-c", "cat \"$0\" & cat \"$1\" >&2; wait", data_file, reversed_file});
  Capture& capture = RunJob(job);
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
  ASSERT_EQ(capture.out.size(), data.size());
  EXPECT_TRUE(capture.out == data) << "stdout differs";
  ASSERT_EQ(capture.err.size(), reversed.size());
  EXPECT_TRUE(capture.err == reversed) << "stderr differs";
  EXPECT_TRUE(ReadFile(job.trial_dir + "/stdout.log") == data) << "stdout.log differs";
  EXPECT_TRUE(ReadFile(job.trial_dir + "/stderr.log") == reversed) << "stderr.log differs";
}

TEST_F(LocalExecutorTest, LogFilesStartEmptyForEachJob) {
  Executor();
  TrialJob job = Job({"/bin/echo", "first run, a long line"});
  RunJob(job);
  captures_.clear();
  job.argv = {"/bin/echo", "second"};
  RunJob(job);
  EXPECT_EQ(ReadFile(job.trial_dir + "/stdout.log"), "second\n");
}

TEST_F(LocalExecutorTest, ExitCodes) {
  Executor();
  Capture& ok = Launch(Job({"/bin/sh", "-c", "exit 0"}, "ok"));
  Capture& three = Launch(Job({"/bin/sh", "-c", "exit 3"}, "three"));
  RunLoop();
  EXPECT_EQ(ok.exits, 1);
  EXPECT_EQ(ok.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(ok.result.exit_code, 0);
  EXPECT_EQ(ok.result.signal, 0);
  EXPECT_TRUE(ok.result.succeeded());
  EXPECT_EQ(three.exits, 1);
  EXPECT_EQ(three.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(three.result.exit_code, 3);
  EXPECT_EQ(three.result.signal, 0);
  EXPECT_FALSE(three.result.succeeded());
  EXPECT_EQ(three.result.message, "exit code 3");
}

TEST_F(LocalExecutorTest, DeathBySignal) {
  Executor();
  // No core file: the point is the signal, not a dump in the test directory.
  Capture& capture = RunJob(Job({"/bin/sh", "-c", "ulimit -c 0; kill -SEGV $$"}));
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(capture.result.signal, SIGSEGV);
  EXPECT_FALSE(capture.result.succeeded());
  EXPECT_EQ(capture.result.message, "killed by SIGSEGV");
}

TEST_F(LocalExecutorTest, ExecutableNotFoundNamesItAndThePath) {
  Executor();
  TrialJob job = Job({"tuneup-no-such-program", "arg"});
  job.env.emplace_back("PATH", "/nonexistent/a:/nonexistent/b");
  Capture& capture = RunJob(job);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result.message.find("\"tuneup-no-such-program\""), std::string::npos)
      << capture.result.message;
  EXPECT_NE(capture.result.message.find("/nonexistent/a:/nonexistent/b"), std::string::npos)
      << capture.result.message;
  EXPECT_FALSE(capture.result.succeeded());
  EXPECT_EQ(capture.out, "");
}

TEST_F(LocalExecutorTest, RelativeCommandNotFoundNamesTheWorkingDirectory) {
  Executor();
  Capture& capture = RunJob(Job({"./missing.sh"}));
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result.message.find("./missing.sh"), std::string::npos);
  EXPECT_NE(capture.result.message.find(dir_.path().string()), std::string::npos)
      << capture.result.message;
}

TEST_F(LocalExecutorTest, NonExecutableFileIsALaunchFailure) {
  Executor();
  dir_.WriteFile("plain.sh", "#!/bin/sh\necho hi\n", /*executable=*/false);
  Capture& capture = RunJob(Job({"./plain.sh"}));
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed) << capture.result.message;
}

TEST_F(LocalExecutorTest, RelativeCommandIsResolvedAgainstTheWorkingDirectory) {
  Executor();
  dir_.WriteFile("work/x.sh", "#!/bin/sh\necho \"x ran in $(pwd)\"\n", true);
  dir_.WriteFile("work/sub/y.sh", "#!/bin/sh\necho y ran\n", true);
  TrialJob x = Job({"./x.sh"}, "x");
  x.working_dir = dir_.Join("work");
  TrialJob y = Job({"sub/y.sh"}, "y");
  y.working_dir = dir_.Join("work");
  Capture& x_capture = Launch(x);
  Capture& y_capture = Launch(y);
  RunLoop();
  EXPECT_TRUE(x_capture.result.succeeded()) << x_capture.result.message;
  EXPECT_EQ(x_capture.out, "x ran in " + fs::canonical(dir_.Join("work")).string() + "\n");
  EXPECT_TRUE(y_capture.result.succeeded()) << y_capture.result.message;
  EXPECT_EQ(y_capture.out, "y ran\n");
}

TEST_F(LocalExecutorTest, PathLookupUsesTheJobsPath) {
  Executor();
  dir_.WriteFile("bin1/tuneup-test-tool", "#!/bin/sh\necho from bin1\n", true);
  dir_.WriteFile("bin2/tuneup-test-tool", "#!/bin/sh\necho from bin2\n", true);
  TrialJob job = Job({"tuneup-test-tool"});
  // bin0 does not exist; bin1 comes before bin2. tuneup's own PATH has none of them.
  job.env.emplace_back("PATH",
                       dir_.Join("bin0") + ":" + dir_.Join("bin1") + ":" + dir_.Join("bin2"));
  Capture& capture = RunJob(job);
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
  EXPECT_EQ(capture.out, "from bin1\n");
}

TEST_F(LocalExecutorTest, MissingWorkingDirectoryIsALaunchFailure) {
  Executor();
  TrialJob job = Job({"/bin/echo", "never"});
  job.working_dir = dir_.Join("does/not/exist");
  Capture& capture = RunJob(job);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed);
  EXPECT_NE(capture.result.message.find(job.working_dir), std::string::npos)
      << capture.result.message;
  EXPECT_EQ(capture.out, "");
}

TEST_F(LocalExecutorTest, EmptyArgvIsALaunchFailure) {
  Executor();
  Capture& capture = RunJob(Job({}));
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed);
}

TEST_F(LocalExecutorTest, SameTrialTwiceAtOnceIsALaunchFailure) {
  Executor();
  TrialJob job = Job({"/bin/sleep", "0.2"});
  Capture& first = Launch(job);
  executor_->Launch(job, JobCallbacks{{}, [&](const JobResult& result) {
                                        EXPECT_EQ(result.kind, JobResult::Kind::kLaunchFailed);
                                        EXPECT_NE(result.message.find("already running"),
                                                  std::string::npos);
                                        // The first job is unaffected.
                                        EXPECT_EQ(executor_->running(), 1u);
                                      }});
  RunLoop();
  EXPECT_EQ(first.exits, 1);
  EXPECT_TRUE(first.result.succeeded());
}

TEST_F(LocalExecutorTest, KillTerminatesTheWholeProcessGroup) {
  LocalExecutorOptions options;
  options.kill_grace = 60s;  // so that only SIGTERM can end the job within the test's limits
  Executor(options);
  // The trial starts a background child in its group, then waits for it.
  TrialJob job = Job({Script("group.sh", R"(
/bin/sleep 1000 &
echo $! > "$TUNEUP_TRIAL_DIR/child.pid"
echo ready
wait
)")});
  job.env.emplace_back("TUNEUP_TRIAL_DIR", job.trial_dir);
  Clock::time_point kill_sent;
  Capture& capture = Launch(job, [&](OutputStream, std::string_view bytes) {
    if (bytes.find("ready") != std::string_view::npos) {
      kill_sent = Clock::now();
      executor_->Kill("t1");
      executor_->Kill("t1");  // a second request changes nothing
    }
  });
  RunLoop();
  ASSERT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled);
  EXPECT_EQ(capture.result.signal, SIGTERM) << capture.result.message;
  EXPECT_FALSE(capture.result.succeeded());
  EXPECT_LT(capture.ended - kill_sent, 30s) << "SIGTERM should have ended it, not the grace";
  pid_t child = ReadPid(job.trial_dir + "/child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(WaitUntilDead(child, "1000")) << "the background child survived";
}

TEST_F(LocalExecutorTest, TrialIgnoringSigtermIsKilledAfterTheGrace) {
  LocalExecutorOptions options;
  options.kill_grace = 300ms;
  Executor(options);
  // The trap shows SIGTERM arrived first; the loop keeps the trial alive through it.
  TrialJob job = Job({Script("stubborn.sh", R"(
trap 'echo got TERM' TERM
echo ready
while :; do /bin/sleep 0.05; done
)")});
  Clock::time_point kill_sent;
  bool killed = false;
  Capture& capture = Launch(job, [&](OutputStream, std::string_view bytes) {
    if (!killed && bytes.find("ready") != std::string_view::npos) {
      killed = true;
      kill_sent = Clock::now();
      executor_->Kill("t1");
    }
  });
  RunLoop();
  ASSERT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled);
  EXPECT_EQ(capture.result.signal, SIGKILL) << capture.result.message;
  EXPECT_EQ(capture.result.message, "killed by SIGKILL");
  EXPECT_GE(capture.ended - kill_sent, 300ms) << "SIGKILL came before the grace period ended";
  EXPECT_LT(capture.ended - kill_sent, 30s);
  EXPECT_NE(capture.out.find("got TERM"), std::string::npos) << "SIGTERM was not sent first";
}

TEST_F(LocalExecutorTest, TrialIgnoringSigtermEntirelyIsKilledAfterTheGrace) {
  LocalExecutorOptions options;
  options.kill_grace = 300ms;
  Executor(options);
  // `trap '' TERM` is inherited by the children: nothing in the group reacts to SIGTERM.
  TrialJob job = Job({Script("deaf.sh", R"(
trap '' TERM
/bin/sleep 1000 &
echo $! > "$TUNEUP_TRIAL_DIR/child.pid"
echo ready
wait
)")});
  job.env.emplace_back("TUNEUP_TRIAL_DIR", job.trial_dir);
  Capture& capture = Launch(job, [&](OutputStream, std::string_view bytes) {
    if (bytes.find("ready") != std::string_view::npos) executor_->Kill("t1");
  });
  RunLoop();
  ASSERT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled);
  EXPECT_EQ(capture.result.signal, SIGKILL) << capture.result.message;
  pid_t child = ReadPid(job.trial_dir + "/child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(WaitUntilDead(child, "1000"));
}

TEST_F(LocalExecutorTest, ZeroGraceKillsAtOnce) {
  LocalExecutorOptions options;
  options.kill_grace = 0ms;
  Executor(options);
  TrialJob job = Job({Script("stubborn.sh", "trap '' TERM\necho ready\nexec /bin/sleep 1000\n")});
  Capture& capture = Launch(job, [&](OutputStream, std::string_view bytes) {
    if (bytes.find("ready") != std::string_view::npos) executor_->Kill("t1");
  });
  RunLoop();
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled);
  EXPECT_EQ(capture.result.signal, SIGKILL);
}

TEST_F(LocalExecutorTest, KillAllNowKillsEveryJobWithoutGrace) {
  LocalExecutorOptions options;
  options.kill_grace = 60s;
  Executor(options);
  int ready = 0;
  std::vector<Capture*> captures;
  for (int i = 0; i < 3; ++i) {
    TrialJob job = Job({"/bin/sh", "-c", "trap '' TERM; echo ready; exec /bin/sleep 1000"},
                       "k" + std::to_string(i));
    captures.push_back(&Launch(job, [&](OutputStream, std::string_view bytes) {
      if (bytes.find("ready") != std::string_view::npos && ++ready == 3) executor_->KillAllNow();
    }));
  }
  RunLoop();
  for (Capture* capture : captures) {
    EXPECT_EQ(capture->exits, 1);
    EXPECT_EQ(capture->result.kind, JobResult::Kind::kKilled);
    EXPECT_EQ(capture->result.signal, SIGKILL);
  }
}

TEST_F(LocalExecutorTest, KillOfUnknownOrFinishedTrialIsIgnored) {
  Executor();
  executor_->Kill("nobody");
  Capture& capture = RunJob(Job({"/bin/echo", "done"}));
  executor_->Kill("t1");
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kExited);
}

TEST_F(LocalExecutorTest, BackgroundGrandchildIsKilledWhenTheTrialExits) {
  Executor();
  // The trial exits at once, leaving a child in its process group that holds its stdout.
  TrialJob job = Job({Script("leave.sh", R"(
/bin/sleep 1000 &
echo $! > "$TUNEUP_TRIAL_DIR/child.pid"
echo bye
)")});
  job.env.emplace_back("TUNEUP_TRIAL_DIR", job.trial_dir);
  Clock::time_point start = Clock::now();
  Capture& capture = RunJob(job);
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
  EXPECT_EQ(capture.out, "bye\n");
  EXPECT_LT(capture.ended - start, 10s);
  pid_t child = ReadPid(job.trial_dir + "/child.pid");
  ASSERT_GT(child, 0);
  EXPECT_TRUE(WaitUntilDead(child, "1000")) << "the trial's background child survived it";
}

// An escaped process (its own session) that keeps the pipes open: killed at the end of the test.
class EscapedProcess {
 public:
  ~EscapedProcess() {
    if (pid_ > 0) ::kill(pid_, SIGKILL);
  }
  void Set(pid_t pid) { pid_ = pid; }

 private:
  pid_t pid_ = -1;
};

TEST_F(LocalExecutorTest, EscapedGrandchildHoldingTheOutputDoesNotDelayTheEnd) {
  Executor();
  // setsid puts the grandchild out of the trial's process group, so it survives the group kill
  // and keeps stdout and stderr open for 1000 s: the job still ends when the trial does.
  TrialJob job = Job({Script("escape.sh", R"(
setsid /bin/sh -c 'echo $$ > "$TUNEUP_TRIAL_DIR/escaped.pid"; exec /bin/sleep 1000' &
while [ ! -s "$TUNEUP_TRIAL_DIR/escaped.pid" ]; do /bin/sleep 0.01; done
echo done
)")});
  job.env.emplace_back("TUNEUP_TRIAL_DIR", job.trial_dir);
  EscapedProcess escaped;
  Clock::time_point start = Clock::now();
  Capture& capture = RunJob(job);
  pid_t pid = ReadPid(job.trial_dir + "/escaped.pid");
  escaped.Set(pid);
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
  EXPECT_EQ(capture.out, "done\n");
  EXPECT_LT(capture.ended - start, 10s);
  ASSERT_GT(pid, 0);
  EXPECT_TRUE(IsAlive(pid, "1000")) << "the escaped process did not hold the output: the "
                                       "test checked nothing";
}

TEST_F(LocalExecutorTest, ManyJobsAtOnceEachReportExactlyOnce) {
  Executor();
  constexpr int kJobs = 50;
  std::vector<Capture*> captures;
  for (int i = 0; i < kJobs; ++i) {
    captures.push_back(
        &Launch(Job({"/bin/echo", "job", std::to_string(i)}, "job-" + std::to_string(i))));
  }
  EXPECT_EQ(executor_->running(), static_cast<size_t>(kJobs));
  RunLoop();
  EXPECT_EQ(executor_->running(), 0u);
  for (int i = 0; i < kJobs; ++i) {
    EXPECT_EQ(captures[i]->exits, 1) << i;
    EXPECT_FALSE(captures[i]->output_after_exit) << i;
    EXPECT_TRUE(captures[i]->result.succeeded()) << i << ": " << captures[i]->result.message;
    EXPECT_EQ(captures[i]->out, "job " + std::to_string(i) + "\n");
  }
}

TEST_F(LocalExecutorTest, RunningCountsJobsUntilTheyReport) {
  Executor();
  std::vector<size_t> running_at_exit;
  auto record = [&](const JobResult&) { running_at_exit.push_back(executor_->running()); };
  EXPECT_EQ(executor_->running(), 0u);
  executor_->Launch(Job({"/bin/sleep", "0.1"}, "a"), JobCallbacks{{}, record});
  executor_->Launch(Job({"/bin/sleep", "0.4"}, "b"), JobCallbacks{{}, record});
  executor_->Launch(Job({"/bin/sleep", "0.8"}, "c"), JobCallbacks{{}, record});
  EXPECT_EQ(executor_->running(), 3u);
  RunLoop();
  EXPECT_EQ(executor_->running(), 0u);
  // A job no longer counts when its on_exit runs. The sleeps end in order (0.3 s apart).
  EXPECT_EQ(running_at_exit, (std::vector<size_t>{2, 1, 0}));
}

TEST_F(LocalExecutorTest, AJobWaitsUntilItIsReleased) {
  Executor();
  std::function<void()> release;
  JobCallbacks callbacks;
  callbacks.on_output = [](OutputStream, std::string_view) {};
  bool exited = false;
  callbacks.on_exit = [&](const JobResult&) { exited = true; };
  callbacks.on_created = [&](const std::string&, std::function<void()> go) {
    release = std::move(go);
  };
  executor_->Launch(Job({"/bin/echo", "released"}), callbacks);
  EXPECT_EQ(executor_->waiting(), 1u);
  EXPECT_EQ(executor_->running(), 1u);
  while (!release)
    io_.run_one_for(10s);
  io_.run_for(200ms);
  EXPECT_EQ(executor_->waiting(), 1u) << "an unreleased job never starts";
  EXPECT_FALSE(exited);
  release();
  EXPECT_EQ(executor_->waiting(), 0u);
  EXPECT_EQ(executor_->running(), 1u);
  RunLoop();
  EXPECT_TRUE(exited);
  EXPECT_EQ(executor_->running(), 0u);
  EXPECT_EQ(executor_->waiting(), 0u);
}

TEST_F(LocalExecutorTest, EventLoopReturnsByItselfOnceAllJobsAreDone) {
  Executor();
  // Every way a job can end, including one whose output outlives its main process (a
  // background child killed only after the main process has been reaped).
  Launch(Job({"/bin/echo", "plain"}, "plain"));
  Launch(Job({"/bin/sh", "-c", "/bin/sleep 1000 & echo left"}, "left-child"));
  Launch(Job({"/bin/sh", "-c", "exit 7"}, "exit-7"));
  Launch(Job({"tuneup-no-such-program"}, "not-found"));
  Launch(Job({"/bin/sh", "-c", "echo ready; exec /bin/sleep 1000"}, "killed"),
         [this](OutputStream, std::string_view bytes) {
           if (bytes.find("ready") != std::string_view::npos) executor_->Kill("killed");
         });
  Clock::time_point start = Clock::now();
  io_.run_for(60s);
  EXPECT_TRUE(io_.stopped()) << "io_context.run() would not have returned: work was left behind";
  EXPECT_LT(Clock::now() - start, 30s);
  for (const auto& [name, capture] : captures_)
    EXPECT_EQ(capture.exits, 1) << name;
  EXPECT_EQ(executor_->running(), 0u);
  if (!io_.stopped()) {
    executor_->KillAllNow();
    io_.run_for(10s);
  }

  // And the executor is reusable on the same loop afterwards.
  io_.restart();
  Capture& again = Launch(Job({"/bin/echo", "again"}, "again"));
  io_.run_for(60s);
  EXPECT_TRUE(io_.stopped());
  EXPECT_EQ(again.exits, 1);
  EXPECT_EQ(again.out, "again\n");
}

// Crash safety: a job outlives the executor that launched it, and another one adopts it.
class LocalAdoptionTest : public LocalExecutorTest {
 protected:
  // Launches `job` on a first executor, which reports its identity and releases it (unless
  // `release` is false), then detaches from it as a dying controller would.
  std::string LaunchAndDetach(const TrialJob& job, bool release = true,
                              const std::string& wait_for_output = "") {
    LocalExecutor first(io_);
    std::string identity;
    JobCallbacks callbacks;
    callbacks.on_output = [](OutputStream, std::string_view) {};
    callbacks.on_exit = [](const JobResult& result) {
      ADD_FAILURE() << "the first executor saw the end: " << result.message;
    };
    callbacks.on_created = [&](const std::string& id, std::function<void()> go) {
      identity = id;
      if (release) go();
    };
    first.Launch(job, callbacks);
    auto deadline = Clock::now() + 10s;
    while (identity.empty() ||
           ReadFile(job.trial_dir + "/stdout.log").find(wait_for_output) == std::string::npos) {
      io_.run_for(10ms);
      if (Clock::now() > deadline) {
        ADD_FAILURE() << "no identity or output";
        break;
      }
    }
    first.Detach();
    io_.run_for(10ms);
    io_.restart();
    return identity;
  }

  Capture& Adopt(const TrialJob& job, const std::string& identity) {
    Capture& capture = captures_[job.trial];
    executor_->Adopt(
        job, identity,
        JobCallbacks{[&capture](OutputStream stream, std::string_view bytes) {
                       (stream == OutputStream::kStdout ? capture.out : capture.err).append(bytes);
                     },
                     [&capture](const JobResult& result) {
                       ++capture.exits;
                       capture.result = result;
                     }});
    return capture;
  }
};

TEST_F(LocalAdoptionTest, ARunningJobIsFollowedToItsEndWithItsWholeOutput) {
  TrialJob job = Job({Script("wait.sh", R"(echo one
while [ ! -e "$1" ]; do sleep 0.02; done
echo two; echo err >&2; exit 3
)"),
                      dir_.Join("go")});
  std::string identity = LaunchAndDetach(job, true, "one\n");
  Executor();
  Capture& capture = Adopt(job, identity);
  io_.run_for(200ms);
  EXPECT_EQ(capture.exits, 0) << "ended before its program did";
  dir_.WriteFile("go", "");
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.out, "one\ntwo\n");
  EXPECT_EQ(capture.err, "err\n");
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kExited);
  EXPECT_EQ(capture.result.exit_code, 3);
}

TEST_F(LocalAdoptionTest, AJobThatEndedMeanwhileIsCollectedFromItsFiles) {
  TrialJob job = Job({Script("quick.sh", "sleep 0.2\necho loss=0.5\nexit 0\n")});
  std::string identity = LaunchAndDetach(job);
  auto deadline = Clock::now() + 10s;
  while (!fs::exists(job.trial_dir + "/job.status") && Clock::now() < deadline)
    std::this_thread::sleep_for(10ms);
  Executor();
  Capture& capture = Adopt(job, identity);
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.out, "loss=0.5\n");
  EXPECT_TRUE(capture.result.succeeded()) << capture.result.message;
}

TEST_F(LocalAdoptionTest, AJobNeverReleasedNeverRuns) {
  TrialJob job = Job({Script("touch.sh", "touch \"$1\"\n"), dir_.Join("ran")});
  std::string identity = LaunchAndDetach(job, /*release=*/false);
  Executor();
  Capture& capture = Adopt(job, identity);
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kNeverStarted) << capture.result.message;
  EXPECT_FALSE(fs::exists(dir_.Join("ran")));
}

TEST_F(LocalAdoptionTest, AnAdoptedJobCanBeStopped) {
  TrialJob job = Job({Script("forever.sh", "echo up\nwhile :; do sleep 0.05; done\n")});
  std::string identity = LaunchAndDetach(job, true, "up\n");
  Executor();
  Capture& capture = Adopt(job, identity);
  io_.post([this] { executor_->Kill("t1"); });
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kKilled) << capture.result.message;
}

TEST_F(LocalAdoptionTest, AnIdentityThatIsNotALocalJobIsALaunchFailure) {
  Executor();
  for (const std::string identity :
       {"", "slurm:42", "{\"pid\":\"x\"}", "{\"pid\":0,\"start\":1,\"dir\":\"/\"}"}) {
    captures_.clear();
    Capture& capture = Adopt(Job({"/bin/true"}), identity);
    RunLoop();
    EXPECT_EQ(capture.result.kind, JobResult::Kind::kLaunchFailed) << identity;
    EXPECT_NE(capture.result.message.find("not the identity of a local job"), std::string::npos)
        << capture.result.message;
  }
}

TEST_F(LocalAdoptionTest, AProcessThatReusedThePidIsNotTakenForTheJob) {
  TrialJob job = Job({"/bin/true"});
  // This test's own pid, with a start time that is not its own.
  std::string identity =
      "{\"pid\":" + std::to_string(::getpid()) + ",\"start\":1,\"dir\":\"" + job.trial_dir + "\"}";
  Executor();
  Capture& capture = Adopt(job, identity);
  RunLoop();
  EXPECT_EQ(capture.exits, 1);
  EXPECT_EQ(capture.result.kind, JobResult::Kind::kNeverStarted) << capture.result.message;
}

TEST_F(LocalExecutorTest, DestroyingTheExecutorKillsRunningJobs) {
  Executor();
  TrialJob job = Job({Script("forever.sh", R"(
echo $$ > "$TUNEUP_TRIAL_DIR/main.pid"
exec /bin/sleep 1000
)")});
  job.env.emplace_back("TUNEUP_TRIAL_DIR", job.trial_dir);
  Launch(job);
  // Turn the loop until the trial has written its pid.
  auto deadline = Clock::now() + 30s;
  while (ReadPid(job.trial_dir + "/main.pid") <= 0 && Clock::now() < deadline) {
    io_.run_for(10ms);
    io_.restart();
  }
  pid_t pid = ReadPid(job.trial_dir + "/main.pid");
  ASSERT_GT(pid, 0);
  executor_.reset();
  EXPECT_TRUE(WaitUntilDead(pid, "1000"));
}

// ResolveExecutable, on a directory tree of its own.
class ResolveExecutableTest : public ::testing::Test {
 protected:
  ResolveExecutableTest() {
    dir_.WriteFile("bin1/tool", "#!/bin/sh\n", true);
    dir_.WriteFile("bin2/tool", "#!/bin/sh\n", true);
    dir_.WriteFile("bin2/other", "#!/bin/sh\n", true);
    dir_.WriteFile("bin1/plain", "not executable\n", false);
    dir_.WriteFile("bin2/plain", "#!/bin/sh\n", true);
    dir_.WriteFile("work/local.sh", "#!/bin/sh\n", true);
    dir_.WriteFile("work/sub/deep.sh", "#!/bin/sh\n", true);
    fs::create_directories(dir_.Join("bin1/dironly"));
  }
  std::string bin1() const { return dir_.Join("bin1"); }
  std::string bin2() const { return dir_.Join("bin2"); }
  std::string work() const { return dir_.Join("work"); }

  testing::TempDir dir_;
};

TEST_F(ResolveExecutableTest, BareNameSearchesThePathInOrder) {
  std::string path = bin1() + ":" + bin2();
  EXPECT_EQ(ResolveExecutable("tool", path, work()), bin1() + "/tool");
  EXPECT_EQ(ResolveExecutable("tool", bin2() + ":" + bin1(), work()), bin2() + "/tool");
  EXPECT_EQ(ResolveExecutable("other", path, work()), bin2() + "/other");
}

TEST_F(ResolveExecutableTest, SkipsNonExecutablesAndDirectories) {
  std::string path = bin1() + ":" + bin2();
  EXPECT_EQ(ResolveExecutable("plain", path, work()), bin2() + "/plain");
  EXPECT_EQ(ResolveExecutable("dironly", path, work()), "");
  EXPECT_EQ(ResolveExecutable(bin1() + "/plain", path, work()), "");
  EXPECT_EQ(ResolveExecutable(bin1() + "/dironly", path, work()), "");
}

TEST_F(ResolveExecutableTest, NotFound) {
  EXPECT_EQ(ResolveExecutable("missing", bin1() + ":" + bin2(), work()), "");
  EXPECT_EQ(ResolveExecutable("tool", "", "/nonexistent"), "");
  EXPECT_EQ(ResolveExecutable("tool", "/nonexistent", work()), "");
  EXPECT_EQ(ResolveExecutable("", bin1(), work()), "");
}

TEST_F(ResolveExecutableTest, NameWithSlashIsRelativeToTheWorkingDirectory) {
  EXPECT_EQ(ResolveExecutable("./local.sh", bin1(), work()), work() + "/local.sh");
  EXPECT_EQ(ResolveExecutable("sub/deep.sh", bin1(), work()), work() + "/sub/deep.sh");
  EXPECT_EQ(ResolveExecutable("sub/../local.sh", bin1(), work()), work() + "/local.sh");
  EXPECT_EQ(ResolveExecutable("../bin1/tool", "", work()), bin1() + "/tool");
  // A name with a slash is never searched on the PATH.
  EXPECT_EQ(ResolveExecutable("./tool", bin1(), work()), "");
}

TEST_F(ResolveExecutableTest, AbsoluteNameIsTakenAsIs) {
  EXPECT_EQ(ResolveExecutable(bin2() + "/other", "", "/nonexistent"), bin2() + "/other");
  EXPECT_EQ(ResolveExecutable("/bin/sh", "", work()), "/bin/sh");
}

TEST_F(ResolveExecutableTest, EmptyPathEntryMeansTheWorkingDirectory) {
  EXPECT_EQ(ResolveExecutable("local.sh", bin1() + "::" + bin2(), work()), work() + "/local.sh");
  EXPECT_EQ(ResolveExecutable("local.sh", ":" + bin1(), work()), work() + "/local.sh");
  EXPECT_EQ(ResolveExecutable("local.sh", bin1() + ":", work()), work() + "/local.sh");
  EXPECT_EQ(ResolveExecutable("local.sh", bin1(), work()), "");
}

TEST_F(ResolveExecutableTest, RelativePathEntryIsRelativeToTheWorkingDirectory) {
  EXPECT_EQ(ResolveExecutable("deep.sh", "sub", work()), work() + "/sub/deep.sh");
  // Not necessarily normalised ("work/../bin2/tool"), but the same file.
  EXPECT_EQ(fs::path(ResolveExecutable("tool", "../bin2", work())).lexically_normal(),
            fs::path(bin2() + "/tool"));
}

}  // namespace
}  // namespace tuneup
