// The subcommands behind the CLI, callable without argument parsing.
#pragma once

#include <cstdint>
#include <iosfwd>
#include <optional>
#include <string>
#include <vector>

#include "controller/slurm_options.h"

namespace tuneup {

// `tuneup validate FILE...`: checks every Experiment in every file. Prints a one-line summary
// per valid experiment (plus what keeps it from running here, if anything) and every problem
// of the invalid ones. Returns kExitOk when all are valid, kExitFailed otherwise.
int ValidateCommand(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

struct RunOptions {
  std::string manifest;
  std::string workdir = ".";             // trials/ and the default database live here
  std::optional<std::string> db;         // SQLite path; default <workdir>/tuneup.db
  std::string executor = "local";        // where trials run: local | slurm | kubernetes
  int kill_grace_seconds = 10;           // SIGTERM -> SIGKILL delay when stopping trials
  int file_poll_ms = 200;                // how often collectors read files and pushed values
  int64_t max_observations = 100'000;    // per trial attempt; later ones are dropped
  int custom_collector_grace_ms = 5000;  // a Custom collector's time after its trial ended
  int db_outage_limit = 3600;            // seconds of database outage before the run gives up
  std::optional<std::string> priority;   // low|normal|high; overrides tuneup.dev/priority
  std::optional<bool> live_progress;     // default: when stderr is a terminal
  SlurmOptions slurm;                    // --executor slurm: --slurm-partition, ...
  // --executor kubernetes (controller/kubernetes_executor.h): the kubeconfig file, its context,
  // the namespace of the trials' Jobs (overrides the manifest's), and the PriorityClass names for
  // low- and high-priority experiments ("" = leave the manifest's).
  std::string kubeconfig;
  std::string kube_context;
  std::string kube_namespace;
  std::string kube_priority_class_low = "tuneup-low";
  std::string kube_priority_class_high;
};

// `tuneup run FILE`: runs (or resumes, or reports) the experiment. Returns kExitOk when it
// Succeeded, kExitFailed when it Failed, kExitUsage for an invalid manifest or a conflicting
// stored experiment, kExitInterrupted after SIGINT/SIGTERM.
int RunCommand(const RunOptions& options, std::ostream& out, std::ostream& err);

struct ReportOptions {
  std::vector<std::string> metrics;  // "NAME=VALUE", each a finite number
  std::string trial;                 // default: $KATIB_TRIAL_NAME
  std::string db;                    // default: $TUNEUP_DB
  std::string time;                  // RFC 3339; default: now
  int64_t max_observations = 0;      // default: $TUNEUP_MAX_OBSERVATIONS; 0: no limit
  int outage_limit = 3600;           // seconds to keep retrying while the database is unavailable
};

// `tuneup report loss=0.31 accuracy=0.9`: a trial (collector kind Push or None) stores its own
// observations, all with one time, in one transaction, to its current attempt. All arguments are
// checked first: one bad argument stores nothing (kExitUsage). The trial must be Running
// (kExitFailed otherwise, naming its state). Beyond max_observations the values are dropped with
// a warning and kExitOk, so a trainer that reports in a loop is not killed by the limit. Names
// that are not metrics of the experiment are stored with a warning. While the database is
// unavailable it retries (backoff up to 5 s) for up to outage_limit seconds, never storing the
// values twice.
int ReportCommand(const ReportOptions& options, std::ostream& out, std::ostream& err);

struct ServeOptions {
  // The work directory, the store, the executor and the trials' options, as for `tuneup run`
  // (its manifest is not used).
  RunOptions run;
  std::string listen = "127.0.0.1:6789";  // host:port of the gRPC server; port 0: any free one
  std::string port_file;                  // written with the port once listening ("" = none)
  // TLS: certificate (chain) and key files (PEM); a client CA file makes client certificates
  // required. token_file: bearer tokens, one per line; every call must then carry one.
  std::string tls_cert_file;
  std::string tls_key_file;
  std::string tls_client_ca_file;
  std::string token_file;
  // Prometheus metrics over plain HTTP (controller/serve_metrics.h) on host:port ("" = none;
  // port 0: any free one), and a file written with its port once listening ("" = none).
  std::string metrics_listen;
  std::string metrics_port_file;
  // The Kubernetes API slice for Katib's resources (kubeapi/kube_api_service.h), over HTTPS:
  // with --tls-cert/--tls-key when given, else a self-signed certificate made at start. Its
  // bearer tokens are those of --token-file, or one made at start. "" = not served.
  std::string kube_listen;
  // Written once it listens: a kubeconfig with its address, CA and token ("" = none).
  std::string kubeconfig_file;
};

// `tuneup serve`: one process that serves Katib's gRPC services (DBManager over the store,
// Suggestion with tuneup's algorithms, EarlyStopping with the median rule; rpc/server.h) and runs
// every unfinished experiment of the store at once, resuming each as `tuneup run` would (one
// event loop, one executor). Runs until SIGINT/SIGTERM, which interrupts the experiments
// (resumable) and stops the server: kExitOk. kExitUsage for a bad option or an address it
// cannot listen on.
int ServeCommand(const ServeOptions& options, std::ostream& out, std::ostream& err);

struct ClientOptions {
  std::string server = "127.0.0.1:6789";  // host:port of `tuneup serve` (--server, TUNEUP_SERVER)
  std::string ca_file;                    // the CA of the server's certificate: TLS when set (--ca)
  std::string token;                      // bearer token (--token, TUNEUP_TOKEN)
  std::string client_cert_file;  // a client certificate and key, for servers that ask for one
  std::string client_key_file;
};

struct GetOptions {
  std::string kind;              // "experiments" or "trials"
  std::string name;              // the experiment (required for trials)
  std::string db = "tuneup.db";  // the store
  std::string output = "table";  // table | json
  // With remote.server set (--server): ask that `tuneup serve` instead of the store.
  ClientOptions remote{
      .server = "", .ca_file = "", .token = "", .client_cert_file = "", .client_key_file = ""};
};

// `tuneup get experiments|trials [NAME]`: what the store holds. Trials as the results table
// (every trial, best first; a cross-validated trial's score as mean ± sd) or as JSON (api/
// trial_json.h: per-fold results and the final evaluation included). kExitFailed when the
// experiment or the store is missing.
int GetCommand(const GetOptions& options, std::ostream& out, std::ostream& err);
// `tuneup get ... --server`: the same from a running `tuneup serve` (rpc/manager_client.h).
int GetFromServer(const GetOptions& options, std::ostream& out, std::ostream& err);

// `tuneup submit FILE...`: submits each manifest to `tuneup serve`, which validates it as
// `tuneup validate` does and runs it; prints "experiment/NAME created" (or "unchanged" when it
// was there with the same spec). kExitUsage for an invalid manifest, kExitFailed for another
// error (a name taken by another spec, a server that cannot be reached).
int SubmitCommand(const ClientOptions& options, const std::vector<std::string>& files,
                  std::ostream& out, std::ostream& err);

// `tuneup watch NAME`: one line per change of the experiment (state, trials by status, best
// trial) until it has finished; kExitOk when it Succeeded, kExitFailed when it Failed.
int WatchCommand(const ClientOptions& options, const std::string& name, std::ostream& out,
                 std::ostream& err);

}  // namespace tuneup
