// The runner's writes to the store, kept in order through database outages.
//
// While the store takes writes, each one is made at once, as if the runner called the store
// itself. When a write fails with kUnavailable (PostgreSQL stopped, restarting or unreachable),
// the writer starts buffering: that write and every later one wait in a queue, in the order they
// were made, and the trials keep running. The queue is retried with exponential backoff; once
// the store is back it is written out front to back and writing goes direct again.
//
// Nothing is written twice. A write that failed may still have been committed (the connection
// broke during COMMIT), so before retrying a write that carries observations the writer counts
// what the store holds for that trial attempt, and skips the observations if they are there; a
// retried CreateTrials that finds its trials already stored is done. Updates of a trial's or the
// experiment's state replace the state, so repeating one is harmless. The count works because the
// runner is the only writer of the observations of the attempts it runs, and each attempt starts
// empty.
//
// Bounded memory: observations beyond `memory_observations` are buffered in a local file
// (controller/observation_spill.h) instead. Consecutive observation batches of one attempt are
// merged while they wait, so catching up takes few transactions.
//
// A write that fails for any other reason, or an outage longer than `give_up_after`, is fatal: the
// queue is dropped and `on_fatal` gets a reason that names the database error; later writes are
// attempted once each, directly, and their errors reported the same way.
//
// Everything happens on the io_context's thread.
#pragma once

#include <chrono>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include <boost/asio/steady_timer.hpp>

#include "common/error.h"
#include "controller/observation_spill.h"
#include "db/store.h"

namespace tuneup {

struct StoreWriterOptions {
  std::chrono::milliseconds first_retry{100};  // doubled after each failed retry ...
  std::chrono::milliseconds max_retry{5000};   // ... up to this
  std::chrono::milliseconds give_up_after{std::chrono::hours(1)};  // of one outage
  // Observations buffered in memory during an outage; more go to `spill_path`.
  size_t memory_observations = 100'000;
  std::string spill_path;  // required
};

struct StoreWriterEvents {
  // The store became unavailable: writes are buffered from now on.
  std::function<void(const std::string& message)> on_outage;
  // The store is back and every buffered write is stored.
  std::function<void(const std::string& message)> on_recovered;
  // A write cannot be made (see above). Called at most once per failed write.
  std::function<void(const std::string& reason)> on_fatal;
};

class StoreWriter {
 public:
  StoreWriter(boost::asio::io_context& io, Store& store, StoreWriterOptions options,
              StoreWriterEvents events);
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  // As Store's methods of the same names, made now or queued.
  void CreateTrials(std::span<const Trial> trials);
  void UpdateTrial(const Trial& trial, std::span<const Observation> observations);
  void AppendObservations(const std::string& trial, int attempt,
                          std::span<const Observation> observations);
  void UpdateExperimentStatus(const std::string& experiment, const ExperimentStatus& status);

  // Calls `done` (on the loop) once no write is waiting: at once when none is, else when the
  // queue has been written out or dropped by a fatal error.
  void WhenDrained(std::function<void()> done);

  // Writes waiting for the store (0 while it is available).
  size_t pending() const { return queue_.size(); }
  // Whether a fatal error has happened; its reason.
  bool failed() const { return !fatal_.empty(); }
  const std::string& fatal_reason() const { return fatal_; }
  // Drops whatever is queued, as a fatal error with `reason` (the user gave up waiting).
  void Abandon(const std::string& reason);

 private:
  // (trial, attempt): whose observations a write carries.
  using AttemptKey = std::pair<std::string, int>;

  struct Write {
    enum class Kind { kCreateTrials, kUpdateTrial, kAppendObservations, kExperimentStatus };
    Kind kind = Kind::kExperimentStatus;
    std::vector<Trial> trials;                       // kCreateTrials; kUpdateTrial: the one trial
    AttemptKey attempt;                              // kUpdateTrial, kAppendObservations
    std::vector<Observation> observations;           // in memory ...
    std::optional<ObservationSpill::Batch> spilled;  // ... or in the spill file
    size_t observation_count = 0;
    std::string experiment;  // kExperimentStatus
    ExperimentStatus status;
    bool tried = false;  // failed before: it may have been committed all the same
  };

  void Enqueue(Write write);
  // Writes out the queue, front first, until it is empty or a write fails.
  void Drain();
  void Apply(Write& write);
  // The observations `write` must store: none when a retry finds them stored already.
  std::span<const Observation> ObservationsToStore(Write& write);
  void RetryLater(const Error& error);
  void Fail(const std::string& reason);
  void NotifyDrained();

  boost::asio::io_context& io_;
  Store& store_;
  StoreWriterOptions options_;
  StoreWriterEvents events_;
  std::deque<Write> queue_;
  ObservationSpill spill_;
  size_t observations_in_memory_ = 0;
  size_t buffered_total_ = 0;  // writes queued during the current outage
  // Observations of each attempt that are known to be stored (by this writer).
  std::map<AttemptKey, size_t> stored_;
  std::vector<Observation> spilled_scratch_;  // a spilled batch, read back for its write
  boost::asio::steady_timer retry_timer_;
  std::chrono::milliseconds next_retry_{0};
  std::optional<std::chrono::steady_clock::time_point> outage_since_;
  std::string last_error_;
  std::string fatal_;
  std::vector<std::function<void()>> drained_waiters_;
};

}  // namespace tuneup
