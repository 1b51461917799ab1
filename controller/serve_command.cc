#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <ostream>
#include <sstream>
#include <vector>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include "api/experiment_diff.h"
#include "api/manifest.h"
#include "common/text.h"
#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/executor_load.h"
#include "controller/experiment_lock.h"
#include "controller/manifest_check.h"
#include "controller/report.h"
#include "controller/run_observer_tee.h"
#include "controller/run_setup.h"
#include "controller/serve_metrics.h"
#include "controller/serve_kube_api.h"
#include "db/store.h"
#include "rpc/experiment_host.h"
#include "rpc/server.h"
#include "suggestion/early_stopping.h"
#include "suggestion/registry.h"

namespace tuneup {

namespace asio = boost::asio;
namespace fs = std::filesystem;

namespace {

// The experiments `tuneup serve` runs: those it found unfinished in the store and those
// submitted to it. Everything but Submit's validation happens on the event loop's thread.
class ServeHost final : public ExperimentHost {
 public:
  // `metrics` (may be null) hears of every runner's trials and suggestions.
  ServeHost(asio::io_context& io, Store& store, Executor& executor, const ServeOptions& options,
            std::string workdir, std::string db_path, std::ostream& out, std::ostream& err,
            ServeMetrics* metrics)
      : io_(io),
        store_(store),
        executor_(executor),
        options_(options),
        workdir_(std::move(workdir)),
        db_path_(std::move(db_path)),
        out_(out),
        err_(err),
        metrics_(metrics) {}

  // Starts running `record` (on the loop's thread). Returns "" or why it cannot.
  std::string Run(const ExperimentRecord& record, const std::string& verb) {
    const std::string& name = record.experiment.metadata.name;
    std::string lock_error;
    auto lock =
        ExperimentLock::TryAcquire(ExperimentLock::PathFor(workdir_, db_path_, name), lock_error);
    if (!lock) return lock_error;
    auto entry = std::make_unique<Served>(std::move(*lock));
    std::unique_ptr<Algorithm> algorithm;
    std::unique_ptr<EarlyStopper> stopper;
    std::vector<Trial> existing;
    try {
      algorithm = AlgorithmRegistry::Default().Create(record.experiment);
      stopper = CreateEarlyStopper(record.experiment);
      existing = store_.ListTrials(name);
    } catch (const Error& e) {
      return e.what();
    }
    const Clock& clock = SystemClock::Instance();
    entry->progress = std::make_unique<ProgressPrinter>(err_, clock, record.experiment, existing,
                                                        /*live=*/false);
    // Stored and submitted experiments carry no manifest directory: relative workingDirs
    // resolve against the work directory.
    RunnerOptions runner_options = RunnerOptionsFor(options_.run, workdir_, workdir_, db_path_);
    RunObserver* observer = entry->progress.get();
    if (metrics_ != nullptr) {
      runner_options.suggestion_observer = &metrics_->controller_suggestions();
      entry->observer =
          std::make_unique<RunObserverTee>(*entry->progress, metrics_->trial_counter());
      observer = entry->observer.get();
    }
    entry->runner = std::make_unique<ExperimentRunner>(io_, store_, executor_, clock,
                                                       std::move(runner_options), observer);
    out_ << "experiment " << name << ": " << verb << " with " << existing.size() << " trials\n"
         << std::flush;
    Served* raw = entry.get();
    served_.push_back(std::move(entry));
    raw->runner->Start(record, std::move(algorithm), std::move(stopper),
                       [this, raw, name](const RunOutcome& outcome) {
                         raw->done = true;
                         out_ << "experiment " << name << ": "
                              << ExperimentStateName(outcome.status.state) << " ("
                              << (outcome.interrupted ? "interrupted" : outcome.status.reason)
                              << ")" << (outcome.error.empty() ? "" : ": " + outcome.error) << "\n"
                              << std::flush;
                       });
    return "";
  }

  Submitted Submit(const std::string& manifest) override {
    std::vector<LoadedExperiment> loaded = LoadManifestText(manifest, "submitted", workdir_);
    if (loaded.size() != 1) {
      throw Error(ErrorCode::kInvalidArgument,
                  "manifest: holds " + std::to_string(loaded.size()) + " experiments, not one");
    }
    ManifestCheck check = CheckExperiment(std::move(loaded[0]), AlgorithmRegistry::Default());
    if (!check.valid()) throw Error(ErrorCode::kInvalidArgument, JoinFieldErrors(check.errors));
    if (!check.runnable()) {
      throw Error(ErrorCode::kFailedPrecondition,
                  "valid, but cannot run here: " + JoinFieldErrors(check.unsupported));
    }
    auto promise = std::make_shared<std::promise<Submitted>>();
    std::future<Submitted> result = promise->get_future();
    asio::post(io_, [this, promise, experiment = check.experiment] {
      try {
        promise->set_value(Store(experiment));
      } catch (...) {
        promise->set_exception(std::current_exception());
      }
    });
    if (result.wait_for(std::chrono::seconds(30)) != std::future_status::ready) {
      throw Error(ErrorCode::kUnavailable,
                  "the server is busy: the submission was not taken in 30 s");
    }
    return result.get();
  }

  // Interrupts every running experiment; true when none is running any more.
  void InterruptAll() {
    for (const auto& entry : served_)
      if (!entry->done) entry->runner->Interrupt();
  }
  bool AllDone() const {
    for (const auto& entry : served_)
      if (!entry->done) return false;
    return true;
  }

 private:
  struct Served {
    explicit Served(ExperimentLock held) : lock(std::move(held)) {}
    ExperimentLock lock;
    std::unique_ptr<ProgressPrinter> progress;
    std::unique_ptr<RunObserverTee> observer;  // progress and metrics, with --metrics-listen
    std::unique_ptr<ExperimentRunner> runner;
    bool done = false;
  };

  // On the loop's thread: stores and starts a validated submission (idempotent by name + spec).
  Submitted Store(const Experiment& experiment) {
    const std::string& name = experiment.metadata.name;
    if (std::optional<ExperimentRecord> stored = store_.GetExperiment(name)) {
      std::vector<std::string> differences = DiffExperiments(stored->experiment, experiment);
      if (!differences.empty()) {
        std::string listed;
        for (const auto& line : differences)
          listed += (listed.empty() ? "" : "; ") + line;
        throw Error(ErrorCode::kAlreadyExists, "experiment \"" + name +
                                                   "\" exists with a different spec (stored -> "
                                                   "submitted): " +
                                                   listed);
      }
      return {name, false};
    }
    ExperimentRecord record{experiment, ExperimentStatus{}, SystemClock::Instance().Now()};
    store_.CreateExperiment(record);
    if (std::string why = Run(record, "submitted"); !why.empty()) {
      throw Error(ErrorCode::kFailedPrecondition, "stored, but not started: " + why);
    }
    return {name, true};
  }

  asio::io_context& io_;
  tuneup::Store& store_;
  Executor& executor_;
  const ServeOptions& options_;
  const std::string workdir_;
  const std::string db_path_;
  std::ostream& out_;
  std::ostream& err_;
  ServeMetrics* metrics_;
  std::vector<std::unique_ptr<Served>> served_;
};

// --metrics-listen: Prometheus /metrics, whose scrapes read a store of their own and the
// executor on the event loop. Null when not asked for.
std::unique_ptr<ServeMetrics> StartMetrics(const ServeOptions& options, const std::string& db_path,
                                           asio::io_context& io, const Executor& executor) {
  if (options.metrics_listen.empty()) return nullptr;
  ServeMetricsSources sources;
  sources.store = OpenStore(db_path);
  sources.executor_load = [&io, &executor] {
    return SampleExecutorLoad(io, executor, std::chrono::seconds(1));
  };
  return ServeMetrics::Start(options.metrics_listen, std::move(sources));
}

// Writes `port` to `path` whole under another name, then renames it, so a reader never sees half
// of it.
void WritePortFile(const std::string& path, int port) {
  const std::string partial = path + ".partial";
  std::ofstream(partial) << port << "\n";
  std::error_code ec;
  fs::rename(partial, path, ec);
}

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

  asio::io_context io;
  std::unique_ptr<Executor> executor;
  std::unique_ptr<Store> store;      // the runners', on the event loop's thread
  std::unique_ptr<Store> rpc_store;  // gRPC's threads'
  std::unique_ptr<ServeMetrics> metrics;
  std::vector<ExperimentRecord> records;
  try {
    executor = MakeExecutor(io, ExecutorChoiceFor(options.run));
    store = OpenStore(db_path);
    rpc_store = OpenStore(db_path);
    records = store->ListExperiments();
    metrics = StartMetrics(options, db_path, io, *executor);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  ServeHost host(io, *store, *executor, options, workdir.string(), db_path, out, err,
                 metrics.get());
  std::unique_ptr<RpcServer> server;
  std::unique_ptr<ServedKubeApi> kube_api;
  RpcServerOptions rpc_options;
  try {
    rpc_options.address = options.listen;
    rpc_options.host = &host;
    if (metrics) rpc_options.suggestion_observer = &metrics->grpc_suggestions();
    rpc_options.tls_cert_pem = ReadOptionFile(options.tls_cert_file, "--tls-cert");
    rpc_options.tls_key_pem = ReadOptionFile(options.tls_key_file, "--tls-key");
    rpc_options.tls_client_ca_pem = ReadOptionFile(options.tls_client_ca_file, "--tls-client-ca");
    std::istringstream tokens(ReadOptionFile(options.token_file, "--token-file"));
    for (std::string line; std::getline(tokens, line);) {
      const std::string token(TrimAsciiSpace(line));
      if (!token.empty()) rpc_options.tokens.push_back(token);
    }
    if (!options.token_file.empty() && rpc_options.tokens.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "--token-file " + options.token_file + ": holds no token");
    }
    server = RpcServer::Start(*rpc_store, rpc_options);
    if (!options.kube_listen.empty()) {
      kube_api = ServedKubeApi::Start(options, db_path, host, rpc_options.tokens,
                                      rpc_options.tls_cert_pem, rpc_options.tls_key_pem);
    }
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const std::string listen_host = options.listen.substr(0, options.listen.rfind(':'));
  out << "tuneup serve: listening on " << listen_host << ":" << server->port()
      << " (tuneup.v1.Manager; Katib's DBManager, Suggestion and EarlyStopping; "
         "grpc.health.v1), "
      << (metrics ? "metrics at http://" +
                        options.metrics_listen.substr(0, options.metrics_listen.rfind(':')) + ":" +
                        std::to_string(metrics->port()) + "/metrics, "
                  : "")
      << "store " << RedactLocation(db_path) << "\n";
  if (kube_api) {
    out << "tuneup serve: Kubernetes API for Katib's resources on " << kube_api->url()
        << (options.kubeconfig_file.empty() ? "" : " (kubeconfig " + options.kubeconfig_file + ")")
        << "\n";
  }
  out << std::flush;
  if (!options.port_file.empty()) WritePortFile(options.port_file, server->port());
  if (metrics && !options.metrics_port_file.empty()) {
    WritePortFile(options.metrics_port_file, metrics->port());
  }

  // Every unfinished experiment in the store runs again, as `tuneup run` would resume it: jobs
  // left running are adopted, the rest re-run (controller/runner.h).
  asio::post(io, [&] {
    for (const auto& record : records) {
      if (IsFinished(record.status.state)) continue;
      if (std::string why = host.Run(record, "resumed"); !why.empty()) {
        err << "experiment " << record.experiment.metadata.name << ": not run here: " << why
            << "\n";
      }
    }
  });

  // Runs until SIGINT or SIGTERM: then every experiment is interrupted (its trials re-queued,
  // as after Ctrl-C in `tuneup run`) and the server stops once they all have.
  auto keep_running = asio::make_work_guard(io);
  asio::signal_set signals(io, SIGINT, SIGTERM);
  bool stopping = false;
  asio::steady_timer drained(io);
  std::function<void()> wait_until_drained = [&] {
    if (host.AllDone()) {
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
      host.InterruptAll();
      if (!std::exchange(stopping, true)) wait_until_drained();
      wait_for_signal();
    });
  };
  wait_for_signal();
  io.run();
  // Submissions that come in now are refused by the stopped loop's deadline; stop taking them.
  kube_api.reset();
  server->Shutdown();
  out << "tuneup serve: stopped\n";
  return kExitOk;
}

}  // namespace tuneup
