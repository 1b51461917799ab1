#include "controller/cli.h"

#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "controller/commands.h"

namespace tuneup {

namespace {

// The options `tuneup run` and `tuneup serve` share: where trials and the store live, the
// executor, and how trials are collected.
void AddTrialOptions(CLI::App* command, RunOptions& options, int& slurm_poll_ms) {
  command->add_option("--workdir", options.workdir,
                      "directory for trials/ and the default database (default: .)");
  command
      ->add_option("--db", options.db,
                   "the store: a SQLite file (default: WORKDIR/tuneup.db) or a postgresql:// URI")
      ->envname("TUNEUP_DB");
  command
      ->add_option("--executor", options.executor,
                   "where trials run: local (processes on this machine, the default), slurm "
                   "(batch jobs on the Slurm cluster this machine submits to) or kubernetes (a "
                   "batch/v1 Job per trial)")
      ->capture_default_str();
  SlurmOptions& slurm = options.slurm;
  command
      ->add_option("--slurm-partition", slurm.partition,
                   "Slurm: partition(s) for the trials (default: the cluster's default; the "
                   "tuneup.dev/slurm-partition annotation overrides)")
      ->group("Slurm executor");
  command->add_option("--slurm-qos", slurm.qos, "Slurm: QOS for the trials (tuneup.dev/slurm-qos)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-account", slurm.account,
                   "Slurm: account charged for the trials (tuneup.dev/slurm-account)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-time", slurm.time,
                   "Slurm: time limit per trial, e.g. 30, 1:30:00, 2-00:00:00 "
                   "(tuneup.dev/slurm-time)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-low-partition", slurm.low_partition,
                   "Slurm: partition for low-priority experiments (default: --slurm-partition)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-low-qos", slurm.low_qos,
                   "Slurm: QOS for low-priority experiments (default: --slurm-qos)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-low-nice", slurm.low_nice,
                   "Slurm: --nice of low-priority trials (default 10000)")
      ->check(CLI::Range(0, 2'000'000'000))
      ->group("Slurm executor");
  command
      ->add_option("--slurm-high-partition", slurm.high_partition,
                   "Slurm: partition for high-priority experiments (default: --slurm-partition)")
      ->group("Slurm executor");
  command
      ->add_option("--slurm-high-qos", slurm.high_qos,
                   "Slurm: QOS for high-priority experiments (default: --slurm-qos)")
      ->group("Slurm executor");
  slurm_poll_ms = static_cast<int>(slurm.poll_interval.count());
  command
      ->add_option("--slurm-poll-ms", slurm_poll_ms,
                   "Slurm: milliseconds between two squeue calls (one for all trials) and reads of "
                   "the trials' output files (default 1000)")
      ->check(CLI::Range(50, 600'000))
      ->group("Slurm executor");
  command->add_option("--kubeconfig", options.kubeconfig,
                      "--executor kubernetes: the kubeconfig file (default: $KUBECONFIG, else "
                      "~/.kube/config, else the in-cluster service account)");
  command->add_option("--kube-context", options.kube_context,
                      "--executor kubernetes: the kubeconfig context (default: current-context)");
  command->add_option("--namespace", options.kube_namespace,
                      "--executor kubernetes: the namespace of the trials' Jobs (default: the "
                      "experiment's metadata.namespace, else default)");
  command
      ->add_option("--kube-priority-class-low", options.kube_priority_class_low,
                   "--executor kubernetes: the PriorityClass of low-priority experiments' pods "
                   "(\"\" = the manifest's own)")
      ->capture_default_str();
  command->add_option("--kube-priority-class-high", options.kube_priority_class_high,
                      "--executor kubernetes: the PriorityClass of high-priority experiments' pods "
                      "(default: the manifest's own)");
  command
      ->add_option("--kill-grace", options.kill_grace_seconds,
                   "seconds between SIGTERM and SIGKILL when stopping trials")
      ->check(CLI::Range(0, 3600));
  command
      ->add_option("--file-poll-ms", options.file_poll_ms,
                   "milliseconds between reads of a metrics collector's files and of the values "
                   "trials push (default 200)")
      ->check(CLI::Range(1, 60'000));
  command
      ->add_option("--max-observations", options.max_observations,
                   "observations kept per trial attempt; later ones are dropped with a warning "
                   "(default 100000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  command
      ->add_option("--custom-collector-grace-ms", options.custom_collector_grace_ms,
                   "how long a Custom metrics collector may run on after its trial ended, before "
                   "it is stopped (default 5000)")
      ->check(CLI::Range(0, 3'600'000));
  command
      ->add_option("--db-outage-limit", options.db_outage_limit,
                   "seconds the database may be unavailable (writes are buffered and retried "
                   "meanwhile) before the experiment fails (default 3600)")
      ->check(CLI::Range(1, 7 * 24 * 3600));
  command
      ->add_option("--priority", options.priority,
                   "low, normal or high (default: the tuneup.dev/priority annotation, else "
                   "normal). Low-priority trials run as background work (SCHED_IDLE, nice 19) and "
                   "yield on SIGUSR1: stopped and re-queued until SIGUSR2")
      ->check(CLI::IsMember({"low", "normal", "high"}));
}

// How to reach `tuneup serve` securely (TLS, token, client certificate), for the commands that
// talk to it.
void AddSecurityOptions(CLI::App* command, ClientOptions& options) {
  command->add_option("--ca", options.ca_file,
                      "the CA certificate (PEM) of a TLS server: connect with TLS");
  command->add_option("--token", options.token, "bearer token for a server that requires one")
      ->envname("TUNEUP_TOKEN");
  command->add_option("--client-cert", options.client_cert_file,
                      "client certificate (PEM), for a server that requires one");
  command->add_option("--client-key", options.client_key_file,
                      "the client certificate's key (PEM)");
}

}  // namespace

int CliMain(int argc, char** argv) {
  CLI::App app{"tuneup: hyperparameter tuning that speaks Katib's Experiment manifests"};
  app.require_subcommand(1);

  std::vector<std::string> validate_files;
  auto* validate =
      app.add_subcommand("validate", "Check Experiment manifests against Katib's rules");
  validate->add_option("FILE", validate_files, "YAML or JSON manifests")->required();

  RunOptions run_options;
  auto* run =
      app.add_subcommand("run", "Run an experiment on this machine (resumes an unfinished one)");
  run->add_option("FILE", run_options.manifest, "the Experiment manifest (YAML or JSON)")
      ->required();
  int slurm_poll_ms = 0;
  AddTrialOptions(run, run_options, slurm_poll_ms);

  ReportOptions report_options;
  auto* report = app.add_subcommand(
      "report", "Store a running trial's metrics (for collector kinds Push and None)");
  report->add_option("METRIC", report_options.metrics, "NAME=VALUE, e.g. loss=0.31")->required();
  report->add_option("--trial", report_options.trial, "the trial (default: $KATIB_TRIAL_NAME)")
      ->envname("KATIB_TRIAL_NAME");
  report->add_option("--db", report_options.db, "the store (default: $TUNEUP_DB)")
      ->envname("TUNEUP_DB");
  report->add_option("--time", report_options.time, "RFC 3339 time of the values (default: now)");
  report
      ->add_option("--max-observations", report_options.max_observations,
                   "the trial's limit (default: $TUNEUP_MAX_OBSERVATIONS)")
      ->envname("TUNEUP_MAX_OBSERVATIONS");
  report
      ->add_option("--db-outage-limit", report_options.outage_limit,
                   "seconds to keep retrying while the database is unavailable (default 3600)")
      ->envname("TUNEUP_DB_OUTAGE_LIMIT")
      ->check(CLI::Range(0, 7 * 24 * 3600));

  ServeOptions serve_options;
  auto* serve = app.add_subcommand(
      "serve",
      "Serve Katib's gRPC API (DBManager, Suggestion, EarlyStopping), tuneup's management API and "
      "optionally a Kubernetes API for Katib's resources, and run every unfinished experiment of "
      "the store");
  serve
      ->add_option("--listen", serve_options.listen,
                   "host:port of the gRPC server (port 0: any free port)")
      ->capture_default_str();
  serve->add_option("--port-file", serve_options.port_file,
                    "write the port listened on to this file once listening");
  serve->add_option("--tls-cert", serve_options.tls_cert_file,
                    "serve TLS only, with this certificate (chain, PEM)");
  serve->add_option("--tls-key", serve_options.tls_key_file, "the certificate's key (PEM)");
  serve->add_option("--tls-client-ca", serve_options.tls_client_ca_file,
                    "require client certificates signed by this CA (PEM)");
  serve->add_option("--token-file", serve_options.token_file,
                    "bearer tokens, one per line: every call must carry one (needs TLS)");
  serve->add_option("--metrics-listen", serve_options.metrics_listen,
                    "serve Prometheus metrics over HTTP at http://HOST:PORT/metrics (port 0: any "
                    "free port; default: none)");
  serve->add_option("--metrics-port-file", serve_options.metrics_port_file,
                    "write the metrics port to this file once listening");
  serve->add_option("--kube-listen", serve_options.kube_listen,
                    "host:port of a Kubernetes API for Katib's resources (HTTPS): kubectl and "
                    "Katib's SDK submit and read experiments there");
  serve->add_option("--write-kubeconfig", serve_options.kubeconfig_file,
                    "write a kubeconfig for --kube-listen (server, CA, token) to this file");
  int serve_slurm_poll_ms = 0;
  AddTrialOptions(serve, serve_options.run, serve_slurm_poll_ms);

  GetOptions get_options;
  auto* get = app.add_subcommand("get", "Show stored experiments, or an experiment's trials");
  get->add_option("KIND", get_options.kind, "experiments | trials")
      ->required()
      ->check(CLI::IsMember({"experiments", "trials"}));
  get->add_option("NAME", get_options.name, "the experiment");
  get->add_option("--db", get_options.db, "the store (default: tuneup.db)")->envname("TUNEUP_DB");
  get->add_option("-o,--output", get_options.output, "table | json")
      ->check(CLI::IsMember({"table", "json"}));
  get->add_option("--server", get_options.remote.server,
                  "ask a running `tuneup serve` (host:port) instead of the store")
      ->envname("TUNEUP_SERVER");
  AddSecurityOptions(get, get_options.remote);

  ClientOptions client_options;
  std::vector<std::string> submit_files;
  auto* submit = app.add_subcommand("submit", "Submit Experiment manifests to `tuneup serve`");
  submit->add_option("FILE", submit_files, "YAML or JSON manifests, one Experiment each")
      ->required();
  submit->add_option("--server", client_options.server, "host:port of `tuneup serve`")
      ->envname("TUNEUP_SERVER")
      ->capture_default_str();
  AddSecurityOptions(submit, client_options);
  std::string watch_name;
  auto* watch =
      app.add_subcommand("watch", "Follow an experiment on `tuneup serve` until it has finished");
  watch->add_option("NAME", watch_name, "the experiment")->required();
  watch->add_option("--server", client_options.server, "host:port of `tuneup serve`")
      ->envname("TUNEUP_SERVER")
      ->capture_default_str();
  AddSecurityOptions(watch, client_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (validate->parsed()) return ValidateCommand(validate_files, std::cout, std::cerr);
  if (run->parsed()) {
    run_options.slurm.poll_interval = std::chrono::milliseconds(slurm_poll_ms);
    return RunCommand(run_options, std::cout, std::cerr);
  }
  if (report->parsed()) return ReportCommand(report_options, std::cout, std::cerr);
  if (submit->parsed()) return SubmitCommand(client_options, submit_files, std::cout, std::cerr);
  if (watch->parsed()) return WatchCommand(client_options, watch_name, std::cout, std::cerr);
  if (serve->parsed()) {
    serve_options.run.slurm.poll_interval = std::chrono::milliseconds(serve_slurm_poll_ms);
    return ServeCommand(serve_options, std::cout, std::cerr);
  }
  if (get->parsed()) {
    if (get_options.kind == "trials" && get_options.name.empty()) {
      std::cerr << "tuneup get trials: name the experiment\n";
      return kExitUsage;
    }
    if (!get_options.remote.server.empty()) return GetFromServer(get_options, std::cout, std::cerr);
    return GetCommand(get_options, std::cout, std::cerr);
  }
  return kExitUsage;
}

}  // namespace tuneup
