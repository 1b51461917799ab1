#include "controller/cli.h"

#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "controller/commands.h"

namespace tuneup {

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
  run->add_option("--workdir", run_options.workdir,
                  "directory for trials/ and the default database (default: .)");
  run->add_option("--db", run_options.db,
                  "the store: a SQLite file (default: WORKDIR/tuneup.db) or a postgresql:// URI")
      ->envname("TUNEUP_DB");
  run->add_option("--executor", run_options.executor,
                  "where trials run: local (processes on this machine, the default), slurm "
                  "(batch jobs on the Slurm cluster this machine submits to) or kubernetes (a "
                  "batch/v1 Job per trial)")
      ->capture_default_str();
  SlurmOptions& slurm = run_options.slurm;
  run->add_option("--slurm-partition", slurm.partition,
                  "Slurm: partition(s) for the trials (default: the cluster's default; the "
                  "tuneup.dev/slurm-partition annotation overrides)")
      ->group("Slurm executor");
  run->add_option("--slurm-qos", slurm.qos, "Slurm: QOS for the trials (tuneup.dev/slurm-qos)")
      ->group("Slurm executor");
  run->add_option("--slurm-account", slurm.account,
                  "Slurm: account charged for the trials (tuneup.dev/slurm-account)")
      ->group("Slurm executor");
  run->add_option("--slurm-time", slurm.time,
                  "Slurm: time limit per trial, e.g. 30, 1:30:00, 2-00:00:00 "
                  "(tuneup.dev/slurm-time)")
      ->group("Slurm executor");
  run->add_option("--slurm-low-partition", slurm.low_partition,
                  "Slurm: partition for low-priority experiments (default: --slurm-partition)")
      ->group("Slurm executor");
  run->add_option("--slurm-low-qos", slurm.low_qos,
                  "Slurm: QOS for low-priority experiments (default: --slurm-qos)")
      ->group("Slurm executor");
  run->add_option("--slurm-low-nice", slurm.low_nice,
                  "Slurm: --nice of low-priority trials (default 10000)")
      ->check(CLI::Range(0, 2'000'000'000))
      ->group("Slurm executor");
  run->add_option("--slurm-high-partition", slurm.high_partition,
                  "Slurm: partition for high-priority experiments (default: --slurm-partition)")
      ->group("Slurm executor");
  run->add_option("--slurm-high-qos", slurm.high_qos,
                  "Slurm: QOS for high-priority experiments (default: --slurm-qos)")
      ->group("Slurm executor");
  int slurm_poll_ms = static_cast<int>(slurm.poll_interval.count());
  run->add_option("--slurm-poll-ms", slurm_poll_ms,
                  "Slurm: milliseconds between two squeue calls (one for all trials) and reads of "
                  "the trials' output files (default 1000)")
      ->check(CLI::Range(50, 600'000))
      ->group("Slurm executor");
  run->add_option("--kubeconfig", run_options.kubeconfig,
                  "--executor kubernetes: the kubeconfig file (default: $KUBECONFIG, else "
                  "~/.kube/config, else the in-cluster service account)");
  run->add_option("--kube-context", run_options.kube_context,
                  "--executor kubernetes: the kubeconfig context (default: current-context)");
  run->add_option("--namespace", run_options.kube_namespace,
                  "--executor kubernetes: the namespace of the trials' Jobs (default: the "
                  "experiment's metadata.namespace, else default)");
  run->add_option("--kube-priority-class-low", run_options.kube_priority_class_low,
                  "--executor kubernetes: the PriorityClass of low-priority experiments' pods "
                  "(\"\" = the manifest's own)")
      ->capture_default_str();
  run->add_option("--kube-priority-class-high", run_options.kube_priority_class_high,
                  "--executor kubernetes: the PriorityClass of high-priority experiments' pods "
                  "(default: the manifest's own)");
  run->add_option("--kill-grace", run_options.kill_grace_seconds,
                  "seconds between SIGTERM and SIGKILL when stopping trials")
      ->check(CLI::Range(0, 3600));
  run->add_option("--file-poll-ms", run_options.file_poll_ms,
                  "milliseconds between reads of a metrics collector's files and of the values "
                  "trials push (default 200)")
      ->check(CLI::Range(1, 60'000));
  run->add_option("--max-observations", run_options.max_observations,
                  "observations kept per trial attempt; later ones are dropped with a warning "
                  "(default 100000)")
      ->check(CLI::Range(int64_t{1}, int64_t{1'000'000'000}));
  run->add_option("--custom-collector-grace-ms", run_options.custom_collector_grace_ms,
                  "how long a Custom metrics collector may run on after its trial ended, before "
                  "it is stopped (default 5000)")
      ->check(CLI::Range(0, 3'600'000));
  run->add_option("--db-outage-limit", run_options.db_outage_limit,
                  "seconds the database may be unavailable (writes are buffered and retried "
                  "meanwhile) before the experiment fails (default 3600)")
      ->check(CLI::Range(1, 7 * 24 * 3600));
  run->add_option("--priority", run_options.priority,
                  "low, normal or high (default: the tuneup.dev/priority annotation, else "
                  "normal). Low-priority trials run as background work (SCHED_IDLE, nice 19) and "
                  "yield on SIGUSR1: stopped and re-queued until SIGUSR2")
      ->check(CLI::IsMember({"low", "normal", "high"}));

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

  GetOptions get_options;
  auto* get = app.add_subcommand("get", "Show stored experiments, or an experiment's trials");
  get->add_option("KIND", get_options.kind, "experiments | trials")
      ->required()
      ->check(CLI::IsMember({"experiments", "trials"}));
  get->add_option("NAME", get_options.name, "the experiment");
  get->add_option("--db", get_options.db, "the store (default: tuneup.db)")->envname("TUNEUP_DB");
  get->add_option("-o,--output", get_options.output, "table | json")
      ->check(CLI::IsMember({"table", "json"}));

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
  if (get->parsed()) {
    if (get_options.kind == "trials" && get_options.name.empty()) {
      std::cerr << "tuneup get trials: name the experiment\n";
      return kExitUsage;
    }
    return GetCommand(get_options, std::cout, std::cerr);
  }
  return kExitUsage;
}

}  // namespace tuneup
