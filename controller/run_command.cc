#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <unistd.h>

#include <filesystem>
#include <ostream>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/experiment_diff.h"
#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/executor_factory.h"
#include "controller/experiment_lock.h"
#include "controller/manifest_check.h"
#include "controller/report.h"
#include "controller/run_setup.h"
#include "controller/runner.h"
#include "db/store.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// Katib restarts a finished experiment whose budget was raised: only maxTrialCount,
// parallelTrialCount and maxFailedTrialCount may change, it must have ended because it reached
// maxTrialCount, and its resumePolicy must not be Never. Returns why not; "" when it may.
std::string WhyNotRestartable(const ExperimentRecord& stored, const Experiment& manifest,
                              const std::vector<std::string>& differences) {
  for (const auto& line : differences) {
    std::string field = line.substr(0, line.find(':'));
    if (field != "spec.maxTrialCount" && field != "spec.parallelTrialCount" &&
        field != "spec.maxFailedTrialCount") {
      return "only spec.maxTrialCount, spec.parallelTrialCount and spec.maxFailedTrialCount may "
             "change when a finished experiment is restarted";
    }
  }
  if (stored.status.reason != experiment_reason::kMaxTrialsReached) {
    return "it ended with " + stored.status.reason + "; only an experiment that ended with " +
           experiment_reason::kMaxTrialsReached + " can be restarted";
  }
  if (stored.experiment.spec.resume_policy == katib::kResumeNever) {
    return "its spec.resumePolicy is Never; set LongRunning or FromVolume to restart it";
  }
  if (manifest.spec.max_trial_count.value_or(0) <=
      stored.experiment.spec.max_trial_count.value_or(0)) {
    return "spec.maxTrialCount must grow for it to run more trials";
  }
  return "";
}

int ExitCodeFor(const ExperimentStatus& status) {
  return status.state == ExperimentState::kSucceeded ? kExitOk : kExitFailed;
}

std::string ContainerImage(const Experiment& experiment) {
  const auto& t = experiment.spec.trial_template;
  if (!t || !t->trial_spec) return "";
  const Json* containers = nullptr;
  try {
    containers = &t->trial_spec->at("spec").at("template").at("spec").at("containers");
  } catch (const Json::exception&) {
    return "";
  }
  for (const auto& container : *containers) {
    if (container.value("name", "") == t->primary_container_name) {
      return container.value("image", "");
    }
  }
  return "";
}

// Loads and checks the manifest; prints problems. nullopt means "exit with kExitUsage".
std::optional<ManifestCheck> LoadRunnable(const std::string& manifest, std::ostream& err) {
  std::vector<ManifestCheck> checks;
  try {
    checks = CheckManifestFile(manifest, AlgorithmRegistry::Default());
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return std::nullopt;
  }
  if (checks.size() != 1) {
    err << "error: " << manifest << " holds " << checks.size()
        << " Experiments; `tuneup run` takes a file with exactly one\n";
    return std::nullopt;
  }
  ManifestCheck& check = checks.front();
  if (!check.valid()) {
    err << "error: " << check.source << " is not a valid Experiment:\n";
    for (const auto& problem : check.errors)
      err << "  " << problem.ToString() << "\n";
    return std::nullopt;
  }
  if (!check.runnable()) {
    err << "error: tuneup cannot run " << check.source << " here:\n";
    for (const auto& problem : check.unsupported)
      err << "  " << problem.ToString() << "\n";
    return std::nullopt;
  }
  for (const auto& warning : check.warnings)
    err << "warning: " << warning.ToString() << "\n";
  return std::move(check);
}

}  // namespace

int RunCommand(const RunOptions& options, std::ostream& out, std::ostream& err) {
  std::optional<ManifestCheck> check = LoadRunnable(options.manifest, err);
  if (!check) return kExitUsage;
  const Experiment& experiment = check->experiment;
  const std::string& name = experiment.metadata.name;

  std::error_code ec;
  fs::create_directories(options.workdir, ec);
  fs::path workdir = fs::absolute(options.workdir, ec).lexically_normal();
  if (ec || !fs::is_directory(workdir)) {
    err << "error: --workdir " << options.workdir << ": cannot use it as a directory\n";
    return kExitUsage;
  }
  std::string db_path = options.db ? *options.db : (workdir / "tuneup.db").string();
  // Shown in messages: a server URI without its password.
  const std::string db_shown = RedactLocation(db_path);

  // One run per experiment: beside a database file, or in the work directory for a server.
  std::string lock_error;
  auto lock =
      ExperimentLock::TryAcquire(ExperimentLock::PathFor(workdir, db_path, name), lock_error);
  if (!lock) {
    err << "error: " << lock_error << "\n";
    return kExitUsage;
  }

  std::unique_ptr<Store> store;
  std::optional<ExperimentRecord> record;
  try {
    store = OpenStore(db_path);
    record = store->GetExperiment(name);
    if (record) {
      std::vector<std::string> differences = DiffExperiments(record->experiment, experiment);
      const bool finished = IsFinished(record->status.state);
      const std::string not_restartable = finished && !differences.empty()
                                              ? WhyNotRestartable(*record, experiment, differences)
                                              : "";
      if (!differences.empty() && (!finished || !not_restartable.empty())) {
        err << "error: experiment \"" << name << "\" is already in " << db_shown
            << " with a different spec (stored -> manifest):\n";
        for (const auto& line : differences)
          err << "  " << line << "\n";
        if (!not_restartable.empty())
          err << "It finished and cannot be restarted: " << not_restartable << ".\n";
        err << "Rename the experiment (metadata.name) or use another --db.\n";
        return kExitUsage;
      }
      if (!differences.empty()) {
        // A restart (resumePolicy LongRunning or FromVolume): the algorithm picks up from the
        // stored trials, which are the whole of its state here.
        store->UpdateExperimentSpec(experiment);
        record->experiment = experiment;
        record->status.completion_time.reset();
        record->status.state = ExperimentState::kRunning;
        out << "Restarting experiment " << name << " (" << differences.front() << ") from "
            << db_shown << "\n";
      } else if (finished) {
        out << "Experiment " << name << " already finished; its results from " << db_shown
            << ":\n\n";
        PrintResults(out, record->experiment, record->status, store->ListTrials(name));
        return ExitCodeFor(record->status);
      }
      if (differences.empty())
        out << "Resuming experiment " << name << " from " << db_shown << "\n";
    } else {
      record = ExperimentRecord{experiment, ExperimentStatus{}, SystemClock::Instance().Now()};
      store->CreateExperiment(*record);
    }
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }

  std::unique_ptr<Algorithm> algorithm;
  std::unique_ptr<EarlyStopper> stopper;
  try {
    algorithm = AlgorithmRegistry::Default().Create(experiment);
    stopper = CreateEarlyStopper(experiment);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitUsage;
  }

  asio::io_context io;
  const ExecutorChoice executor_choice = ExecutorChoiceFor(options);
  std::unique_ptr<Executor> executor_owner;
  try {
    executor_owner = MakeExecutor(io, executor_choice);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  Executor& executor = *executor_owner;
  const Clock& clock = SystemClock::Instance();
  bool live = options.live_progress.value_or(::isatty(STDERR_FILENO) == 1);
  std::vector<Trial> existing;
  try {
    existing = store->ListTrials(name);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
  ProgressPrinter progress(err, clock, experiment, existing, live);
  RunnerOptions runner_options =
      RunnerOptionsFor(options, workdir.string(), check->directory, db_path);
  ExperimentRunner runner(io, *store, executor, clock, runner_options, &progress);

  if (std::string image = ContainerImage(experiment);
      !image.empty() && executor_choice.kind == "local") {
    progress.Note("note: the local executor ignores the container image (" + image +
                  "); trials run as processes on this machine");
  }
  if (executor_choice.kind == "kubernetes") {
    const auto& spec = experiment.spec.metrics_collector_spec;
    std::string kind = spec && spec->collector ? spec->collector->kind : katib::kCollectorStdOut;
    if (kind != katib::kCollectorStdOut && kind != katib::kCollectorNone) {
      progress.Note("note: metrics collector " + kind +
                    " reads files, ports or the store from this machine; with --executor "
                    "kubernetes only the primary container's log (StdOut) reaches tuneup");
    }
  }
  progress.Note("Running experiment " + name + ": trials in " + (workdir / "trials").string() +
                ", store " + db_shown);

  asio::signal_set signals(io, SIGINT, SIGTERM);
  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      progress.Note(std::string("received ") + (signal == SIGINT ? "SIGINT" : "SIGTERM") +
                    ": stopping running trials (again to kill them at once)");
      runner.Interrupt();
      wait_for_signal();
    });
  };
  wait_for_signal();
  // Background tuning: SIGUSR1 asks a low-priority experiment to give the machine back, SIGUSR2
  // lets it go on.
  asio::signal_set yield_signals(io, SIGUSR1, SIGUSR2);
  std::function<void()> wait_for_yield = [&] {
    yield_signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      const bool yield = signal == SIGUSR1;
      if (!runner.Yield(yield)) {
        progress.Note("received " + std::string(yield ? "SIGUSR1" : "SIGUSR2") +
                      ": ignored, the experiment's priority is not low (tuneup.dev/priority)");
      } else {
        progress.Note(yield ? "received SIGUSR1: yielding, running trials are stopped and "
                              "re-queued until SIGUSR2"
                            : "received SIGUSR2: resuming");
      }
      wait_for_yield();
    });
  };
  wait_for_yield();
  asio::steady_timer ticker(io);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([&](const boost::system::error_code& error) {
      if (error) return;
      progress.Tick();
      tick();
    });
  };
  if (live) tick();

  RunOutcome outcome;
  runner.Start(*record, std::move(algorithm), std::move(stopper), [&](const RunOutcome& result) {
    outcome = result;
    boost::system::error_code ignored;
    signals.cancel(ignored);
    yield_signals.cancel(ignored);
    ticker.cancel();
  });
  io.run();
  progress.Close();

  if (!outcome.error.empty()) err << "error: " << outcome.error << "\n";
  std::vector<Trial> trials;
  try {
    trials = store->ListTrials(name);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
  if (outcome.interrupted) {
    out << "Interrupted. Run the same command again to resume experiment " << name << ".\n";
    PrintResults(out, experiment, outcome.status, trials);
    return kExitInterrupted;
  }
  out << "\n";
  PrintResults(out, experiment, outcome.status, trials);
  return ExitCodeFor(outcome.status);
}

}  // namespace tuneup
