#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/store_writer.h"

#include <algorithm>
#include <cstdio>

#include <boost/asio/post.hpp>

#include "common/error.h"

namespace tuneup {

namespace asio = boost::asio;

namespace {

// "0.4 s", "6.3 s", "3600 s": tenths only where they matter.
std::string Seconds(std::chrono::steady_clock::duration duration) {
  const double seconds = std::chrono::duration<double>(duration).count();
  char text[32];
  std::snprintf(text, sizeof(text), seconds < 100 ? "%.1f s" : "%.0f s", seconds);
  return text;
}

}  // namespace

StoreWriter::StoreWriter(asio::io_context& io, Store& store, StoreWriterOptions options,
                         StoreWriterEvents events)
    : io_(io),
      store_(store),
      options_(std::move(options)),
      events_(std::move(events)),
      spill_(options_.spill_path),
      retry_timer_(io) {}

StoreWriter::~StoreWriter() = default;

void StoreWriter::CreateTrials(std::span<const Trial> trials) {
  Write write;
  write.kind = Write::Kind::kCreateTrials;
  write.trials.assign(trials.begin(), trials.end());
  Enqueue(std::move(write));
}

void StoreWriter::UpdateTrial(const Trial& trial, std::span<const Observation> observations) {
  Write write;
  write.kind = Write::Kind::kUpdateTrial;
  write.trials = {trial};
  write.attempt = {trial.name, trial.attempt};
  write.observations.assign(observations.begin(), observations.end());
  write.observation_count = observations.size();
  Enqueue(std::move(write));
}

void StoreWriter::AppendObservations(const std::string& trial, int attempt,
                                     std::span<const Observation> observations) {
  if (observations.empty()) return;
  Write write;
  write.kind = Write::Kind::kAppendObservations;
  write.attempt = {trial, attempt};
  write.observations.assign(observations.begin(), observations.end());
  write.observation_count = observations.size();
  Enqueue(std::move(write));
}

void StoreWriter::UpdateExperimentStatus(const std::string& experiment,
                                         const ExperimentStatus& status) {
  Write write;
  write.kind = Write::Kind::kExperimentStatus;
  write.experiment = experiment;
  write.status = status;
  Enqueue(std::move(write));
}

void StoreWriter::WhenDrained(std::function<void()> done) {
  drained_waiters_.push_back(std::move(done));
  if (queue_.empty()) NotifyDrained();
}

void StoreWriter::Abandon(const std::string& reason) {
  if (!queue_.empty()) Fail(reason);
}

void StoreWriter::Enqueue(Write write) {
  if (failed()) {
    try {
      Apply(write);
    } catch (const Error& e) {
      if (events_.on_fatal)
        events_.on_fatal(std::string("cannot write to the database: ") + e.what());
    }
    return;
  }
  const bool buffering = !queue_.empty();
  if (buffering) {
    ++buffered_total_;
    Write& last = queue_.back();
    const bool fits_in_memory =
        observations_in_memory_ + write.observation_count <= options_.memory_observations;
    if (write.kind == Write::Kind::kAppendObservations &&
        last.kind == Write::Kind::kAppendObservations && last.attempt == write.attempt &&
        !last.tried && !last.spilled && fits_in_memory) {
      last.observations.insert(last.observations.end(),
                               std::make_move_iterator(write.observations.begin()),
                               std::make_move_iterator(write.observations.end()));
      last.observation_count += write.observation_count;
      observations_in_memory_ += write.observation_count;
      return;
    }
    if (!fits_in_memory) {
      try {
        write.spilled = spill_.Append(write.observations);
      } catch (const Error& e) {
        Fail(std::string("cannot buffer observations while the database is unavailable (") +
             last_error_ + "): " + e.what());
        return;
      }
      write.observations = {};
    }
  }
  if (!write.spilled) observations_in_memory_ += write.observation_count;
  queue_.push_back(std::move(write));
  if (!buffering) Drain();
}

void StoreWriter::Drain() {
  while (!queue_.empty()) {
    Write& front = queue_.front();
    try {
      Apply(front);
    } catch (const Error& e) {
      if (e.code() == ErrorCode::kUnavailable) {
        front.tried = true;
        RetryLater(e);
      } else {
        Fail(std::string("cannot write to the database: ") + e.what());
      }
      return;
    }
    if (!front.spilled) observations_in_memory_ -= front.observation_count;
    queue_.pop_front();
  }
  spill_.Clear();
  if (outage_since_) {
    std::string message = "the database is back after " +
                          Seconds(std::chrono::steady_clock::now() - *outage_since_) + "; " +
                          std::to_string(buffered_total_) + " writes made meanwhile are stored";
    outage_since_.reset();
    buffered_total_ = 0;
    if (events_.on_recovered) events_.on_recovered(message);
  }
  NotifyDrained();
}

std::span<const Observation> StoreWriter::ObservationsToStore(Write& write) {
  if (write.observation_count == 0) return {};
  if (write.tried) {
    const size_t held =
        store_.GetObservations(write.attempt.first, std::nullopt, write.attempt.second).size();
    if (held >= stored_[write.attempt] + write.observation_count) return {};  // committed before
  }
  if (!write.spilled) return write.observations;
  spilled_scratch_ = spill_.Read(*write.spilled);
  return spilled_scratch_;
}

void StoreWriter::Apply(Write& write) {
  switch (write.kind) {
    case Write::Kind::kCreateTrials:
      try {
        store_.CreateTrials(write.trials);
      } catch (const Error& e) {
        if (!write.tried || e.code() != ErrorCode::kAlreadyExists) throw;
        // Committed by the attempt that seemed to fail, if every one of them is there.
        for (const auto& trial : write.trials) {
          if (!store_.GetTrial(trial.name)) throw;
        }
      }
      return;
    case Write::Kind::kUpdateTrial:
      store_.UpdateTrial(write.trials.front(), ObservationsToStore(write));
      stored_[write.attempt] += write.observation_count;
      return;
    case Write::Kind::kAppendObservations:
      if (auto observations = ObservationsToStore(write); !observations.empty())
        store_.AppendObservations(write.attempt.first, write.attempt.second, observations);
      stored_[write.attempt] += write.observation_count;
      return;
    case Write::Kind::kExperimentStatus:
      store_.UpdateExperimentStatus(write.experiment, write.status);
      return;
  }
}

void StoreWriter::RetryLater(const Error& error) {
  last_error_ = error.what();
  const auto now = std::chrono::steady_clock::now();
  if (!outage_since_) {
    outage_since_ = now;
    buffered_total_ = queue_.size();
    next_retry_ = options_.first_retry;
    if (events_.on_outage) {
      events_.on_outage("the database is unavailable (" + last_error_ +
                        "); trials keep running and their results are kept until it is back "
                        "(retrying for up to " +
                        Seconds(options_.give_up_after) + ")");
    }
  } else if (now - *outage_since_ >= options_.give_up_after) {
    Fail("the database has been unavailable for " + Seconds(now - *outage_since_) +
         ", longer than the " + Seconds(options_.give_up_after) + " allowed: " + last_error_);
    return;
  } else {
    next_retry_ = std::min(next_retry_ * 2, options_.max_retry);
  }
  retry_timer_.expires_after(next_retry_);
  // The timer belongs to this writer: destroying it aborts the wait, and the handler then
  // returns without touching the writer.
  retry_timer_.async_wait([this](const boost::system::error_code& error) {
    if (!error) Drain();
  });
}

void StoreWriter::Fail(const std::string& reason) {
  const size_t lost = queue_.size();
  queue_.clear();
  observations_in_memory_ = 0;
  spill_.Clear();
  retry_timer_.cancel();
  outage_since_.reset();
  fatal_ = reason;
  if (lost > 1) fatal_ += " (" + std::to_string(lost) + " writes were not stored)";
  if (events_.on_fatal) events_.on_fatal(fatal_);
  NotifyDrained();
}

void StoreWriter::NotifyDrained() {
  for (auto& waiter : std::exchange(drained_waiters_, {}))
    asio::post(io_, std::move(waiter));
}

}  // namespace tuneup
