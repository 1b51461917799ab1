#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <filesystem>
#include <fstream>
#include <memory>
#include <ostream>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/experiment_lock.h"
#include "controller/report.h"
#include "controller/run_setup.h"
#include "db/store.h"
#include "rpc/server.h"
#include "suggestion/early_stopping.h"
#include "suggestion/registry.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// One experiment the server runs.
struct Served {
  explicit Served(ExperimentLock held) : lock(std::move(held)) {}
  ExperimentLock lock;
  std::unique_ptr<ProgressPrinter> progress;
  std::unique_ptr<ExperimentRunner> runner;
  bool done = false;
};

}  // namespace

int ServeCommand(const ServeOptions& options, std::ostream& out, std::ostream& err) {
  std::error_code ec;
  fs::create_directories(options.run.workdir, ec);
  const fs::path workdir = fs::absolute(options.run.workdir, ec).lexically_normal();
  if (ec || !fs::is_directory(workdir)) {
    err << "error: --workdir " << options.run.workdir << ": cannot use it as a directory\n";
    return kExitUsage;
  }
  const std::string db_path = options.run.db ? *options.run.db : (workdir / "tuneup.db").string();
  const Clock& clock = SystemClock::Instance();

  std::unique_ptr<Store> store;      // the runners', on the event loop's thread
  std::unique_ptr<Store> rpc_store;  // gRPC's threads'
  std::unique_ptr<RpcServer> server;
  try {
    store = OpenStore(db_path);
    rpc_store = OpenStore(db_path);
    RpcServerOptions rpc_options;
    rpc_options.address = options.listen;
    server = RpcServer::Start(*rpc_store, rpc_options);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const std::string host = options.listen.substr(0, options.listen.rfind(':'));
  out << "tuneup serve: listening on " << host << ":" << server->port()
      << " (Katib's DBManager, Suggestion and EarlyStopping services; grpc.health.v1), store "
      << RedactLocation(db_path) << "\n"
      << std::flush;
  if (!options.port_file.empty()) {
    // Written whole under another name and renamed, so a reader never sees half of it.
    const std::string partial = options.port_file + ".partial";
    std::ofstream(partial) << server->port() << "\n";
    fs::rename(partial, options.port_file, ec);
  }

  asio::io_context io;
  std::unique_ptr<Executor> executor;
  try {
    executor = MakeExecutor(io, ExecutorChoiceFor(options.run));
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  // Every unfinished experiment in the store runs again, as `tuneup run` would resume it: jobs
  // left running are adopted, the rest re-run (controller/runner.h).
  std::vector<std::unique_ptr<Served>> served;
  std::vector<ExperimentRecord> records;
  try {
    records = store->ListExperiments();
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
  for (const auto& record : records) {
    if (IsFinished(record.status.state)) continue;
    const std::string& name = record.experiment.metadata.name;
    std::string lock_error;
    auto lock = ExperimentLock::TryAcquire(ExperimentLock::PathFor(workdir.string(), db_path, name),
                                           lock_error);
    if (!lock) {
      err << "experiment " << name << ": not run here: " << lock_error << "\n";
      continue;
    }
    auto entry = std::make_unique<Served>(std::move(*lock));
    std::unique_ptr<Algorithm> algorithm;
    std::unique_ptr<EarlyStopper> stopper;
    std::vector<Trial> existing;
    try {
      algorithm = AlgorithmRegistry::Default().Create(record.experiment);
      stopper = CreateEarlyStopper(record.experiment);
      existing = store->ListTrials(name);
    } catch (const Error& e) {
      err << "experiment " << name << ": not run: " << e.what() << "\n";
      continue;
    }
    // Stored experiments carry no manifest directory: relative workingDirs resolve against the
    // work directory.
    entry->progress = std::make_unique<ProgressPrinter>(err, clock, record.experiment, existing,
                                                        /*live=*/false);
    entry->runner = std::make_unique<ExperimentRunner>(
        io, *store, *executor, clock,
        RunnerOptionsFor(options.run, workdir.string(), workdir.string(), db_path),
        entry->progress.get());
    out << "experiment " << name << ": resumed with " << existing.size() << " trials\n"
        << std::flush;
    Served* raw = entry.get();
    entry->runner->Start(record, std::move(algorithm), std::move(stopper),
                         [raw, name, &out](const RunOutcome& outcome) {
                           raw->done = true;
                           out << "experiment " << name << ": "
                               << ExperimentStateName(outcome.status.state) << " ("
                               << (outcome.interrupted ? "interrupted" : outcome.status.reason)
                               << ")" << (outcome.error.empty() ? "" : ": " + outcome.error) << "\n"
                               << std::flush;
                         });
    served.push_back(std::move(entry));
  }

  // Runs until SIGINT or SIGTERM: then every experiment is interrupted (its trials re-queued,
  // as after Ctrl-C in `tuneup run`) and the server stops once they all have.
  auto keep_running = asio::make_work_guard(io);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  asio::steady_timer drained(io);
  std::function<void()> wait_until_drained = [&] {
    bool all_done = true;
    for (const auto& entry : served)
      all_done = all_done && entry->done;
    if (all_done) {
      // The signal set, the executor's watchers and the guard would keep the loop alive.
      io.stop();
      return;
    }
    drained.expires_after(std::chrono::milliseconds(50));
    drained.async_wait([&](const boost::system::error_code& error) {
      if (!error) wait_until_drained();
    });
  };
  std::function<void()> wait_for_signal = [&] {
    signals.async_wait([&](const boost::system::error_code& error, int signal) {
      if (error) return;
      out << "tuneup serve: received " << (signal == SIGINT ? "SIGINT" : "SIGTERM")
          << ": stopping the experiments' trials (again to kill them at once)\n"
          << std::flush;
      for (const auto& entry : served)
        if (!entry->done) entry->runner->Interrupt();
      if (!std::exchange(stopping, true)) wait_until_drained();
      wait_for_signal();
    });
  };
  wait_for_signal();
  io.run();
  server->Shutdown();
  out << "tuneup serve: stopped\n";
  return kExitOk;
}

}  // namespace tuneup
