// Prometheus metrics of `tuneup serve --metrics-listen HOST:PORT`: GET /metrics answers in the
// text exposition format, from prometheus-cpp's embedded HTTP server and its own threads.
//
//   tuneup_experiments{state}               gauge      experiments in the store, by state
//                                                      (Created, Running, Succeeded, Failed)
//   tuneup_trials{state}                    gauge      their trials, by status (Pending, Running,
//                                                      Succeeded, Failed, Killed, EarlyStopped,
//                                                      MetricsUnavailable)
//   tuneup_suggestion_seconds{algorithm,source}
//                                           histogram  how long an algorithm took to suggest;
//                                                      source "controller" (the experiments this
//                                                      server runs) or "grpc" (Katib's
//                                                      Suggestion service)
//   tuneup_executor_queue_depth             gauge      jobs handed to the executor that have not
//                                                      started to run (Executor::waiting)
//   tuneup_executor_running_jobs            gauge      jobs started and not ended
//   tuneup_trials_started_total             counter    trial jobs started or adopted
//   tuneup_trials_finished_total{status}    counter    trials that ended, by final status
//
// The gauges are computed when scraped: the store by a StateCensus (controller/state_census.h) on
// a store of the scrapes' own, the executor by a function the server gives (read on its event
// loop, controller/executor_load.h). The histogram and the counters count since this process
// started, as things happen: nothing on those paths reads the store or holds a lock for longer
// than a map lookup. A scrape while the store cannot be read leaves out the experiment and trial
// gauges (an absent series, not a wrong one); while the event loop cannot answer within a second
// the executor gauges keep the last values it gave.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "controller/executor_load.h"
#include "controller/runner.h"
#include "db/store.h"
#include "suggestion/timed_suggest.h"

namespace tuneup {

struct ServeMetricsSources {
  // Read by scrapes only, one at a time: never the store the event loop uses.
  std::unique_ptr<Store> store;
  // The executor's load, called by scrapes from their threads; nullopt when it cannot be known
  // now. May be empty: the executor gauges are then left out.
  std::function<std::optional<ExecutorLoad>()> executor_load;
};

class ServeMetrics {
 public:
  // Serves /metrics on `address` (HOST:PORT, an IPv4 address or a host name; port 0: any free
  // port). Throws Error(kInvalidArgument) naming --metrics-listen when `address` is not HOST:PORT
  // or cannot be listened on (the port is taken, the host is not an address of this machine).
  static std::unique_ptr<ServeMetrics> Start(const std::string& address,
                                             ServeMetricsSources sources);
  // Stops serving, after the scrapes in progress.
  ~ServeMetrics();
  ServeMetrics(const ServeMetrics&) = delete;
  ServeMetrics& operator=(const ServeMetrics&) = delete;

  // The port listened on: the chosen one when `address` asked for port 0.
  int port() const;

  // Where the experiment runners (RunnerOptions::suggestion_observer) and the gRPC Suggestion
  // service (RpcServerOptions::suggestion_observer) report their algorithms' times.
  SuggestionObserver& controller_suggestions();
  SuggestionObserver& grpc_suggestions();
  // Counts trials started and finished; give it to every runner (with its progress observer,
  // controller/run_observer_tee.h). Thread-safe.
  RunObserver& trial_counter();

 private:
  struct Impl;
  explicit ServeMetrics(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace tuneup
