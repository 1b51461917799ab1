#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <set>
#include <thread>
#include <utility>

#include "common/clock.h"
#include "common/error.h"
#include "common/text.h"
#include "controller/cli.h"
#include "controller/commands.h"
#include "db/store.h"
#include "metrics-collector/line_reader.h"

namespace tuneup {

namespace {

// "loss=0.31" -> observation; nullopt with `problem` set for anything else.
std::optional<Observation> ParseMetricArgument(const std::string& argument, Timestamp time,
                                               std::string& problem) {
  const size_t equals = argument.find('=');
  if (equals == std::string::npos) {
    problem = "expected NAME=VALUE";
    return std::nullopt;
  }
  std::string name = argument.substr(0, equals);
  std::string value_text = argument.substr(equals + 1);
  if (name.empty() || name.find_first_of(" \t\r\n") != std::string::npos) {
    problem = "the metric name must be non-empty and without spaces";
    return std::nullopt;
  }
  std::optional<double> value = ParseDouble(value_text);
  if (!value || !std::isfinite(*value)) {
    problem = "the value " + QuoteUntrusted(value_text) + " is not a finite number";
    return std::nullopt;
  }
  return Observation{std::move(name), *value, time};
}

// What a try of a report learned that the next try needs: how many observations the attempt held
// before the append, so a retry after a broken COMMIT does not store them twice.
struct ReportAttempt {
  std::optional<size_t> held_before;
};

// One try at storing the report. Throws Error; kUnavailable may be retried.
int StoreReport(const ReportOptions& options, const std::vector<Observation>& observations,
                ReportAttempt& attempt, std::ostream& err) {
  std::unique_ptr<Store> store = OpenStore(options.db);
  std::optional<Trial> trial = store->GetTrial(options.trial);
  if (!trial) {
    err << "error: there is no trial \"" << options.trial << "\" in " << RedactLocation(options.db)
        << "\n";
    return kExitFailed;
  }
  const size_t held = store->GetObservations(trial->name, std::nullopt, trial->attempt).size();
  if (attempt.held_before && held >= *attempt.held_before + observations.size()) {
    return kExitOk;  // the try that seemed to fail had stored them
  }
  if (trial->status != TrialStatus::kRunning) {
    err << "error: trial " << trial->name << " is " << TrialStatusName(trial->status)
        << "; observations are accepted only while it runs. Nothing was stored\n";
    return kExitFailed;
  }
  if (std::optional<ExperimentRecord> record = store->GetExperiment(trial->experiment);
      record && record->experiment.spec.objective) {
    std::vector<std::string> wanted = MetricNames(*record->experiment.spec.objective);
    for (const auto& observation : observations) {
      if (std::find(wanted.begin(), wanted.end(), observation.metric) == wanted.end()) {
        err << "warning: \"" << observation.metric << "\" is not a metric of experiment "
            << trial->experiment << "; stored, but not used\n";
      }
    }
  }
  if (options.max_observations > 0 &&
      static_cast<int64_t>(held + observations.size()) > options.max_observations) {
    err << "warning: trial " << trial->name << " has reached its limit of "
        << options.max_observations << " observations (TUNEUP_MAX_OBSERVATIONS); these were "
        << "dropped\n";
    return kExitOk;
  }
  attempt.held_before = held;
  store->AppendObservations(trial->name, trial->attempt, observations);
  return kExitOk;
}

}  // namespace

int ReportCommand(const ReportOptions& options, std::ostream& out, std::ostream& err) {
  (void)out;
  if (options.trial.empty()) {
    err << "error: no trial to report for: run `tuneup report` inside a trial (tuneup sets "
           "KATIB_TRIAL_NAME) or give --trial\n";
    return kExitUsage;
  }
  if (options.db.empty()) {
    err << "error: no store to report to: run `tuneup report` inside a trial (tuneup sets "
           "TUNEUP_DB) or give --db\n";
    return kExitUsage;
  }
  Timestamp time = SystemClock::Instance().Now();
  if (!options.time.empty()) {
    std::optional<Timestamp> parsed = ParseRfc3339(options.time);
    if (!parsed) {
      err << "error: --time " << QuoteUntrusted(options.time)
          << " is not an RFC 3339 time (e.g. 2026-11-23T08:32:00Z)\n";
      return kExitUsage;
    }
    time = *parsed;
  }
  std::vector<Observation> observations;
  std::set<std::string, std::less<>> names;
  bool bad = false;
  for (size_t i = 0; i < options.metrics.size(); ++i) {
    std::string problem;
    std::optional<Observation> observation = ParseMetricArgument(options.metrics[i], time, problem);
    if (observation && !names.insert(observation->metric).second)
      problem = "metric \"" + observation->metric + "\" is given twice";
    if (!problem.empty()) {
      err << "error: argument " << i + 1 << " " << QuoteUntrusted(options.metrics[i]) << ": "
          << problem << "\n";
      bad = true;
      continue;
    }
    observations.push_back(std::move(*observation));
  }
  if (bad) {
    err << "nothing was stored\n";
    return kExitUsage;
  }
  // OpenStore creates a missing database; a trial's report must not start an empty one.
  std::error_code ec;
  if (!IsServerLocation(options.db) && !std::filesystem::exists(options.db, ec)) {
    err << "error: the store " << options.db << " does not exist (TUNEUP_DB / --db)\n";
    return kExitFailed;
  }
  // While the database is unavailable (restarting, unreachable), the trial waits and tries again:
  // the runner buffers its own writes meanwhile, and the trial's values must not be lost either.
  ReportAttempt attempt;
  auto delay = std::chrono::milliseconds(100);
  const auto give_up =
      std::chrono::steady_clock::now() + std::chrono::seconds(options.outage_limit);
  bool warned = false;
  for (;;) {
    try {
      return StoreReport(options, observations, attempt, err);
    } catch (const Error& e) {
      if (e.code() != ErrorCode::kUnavailable || std::chrono::steady_clock::now() >= give_up) {
        err << "error: " << e.what() << "\n";
        return kExitFailed;
      }
      if (!std::exchange(warned, true)) {
        err << "warning: " << e.what() << "; retrying for up to " << options.outage_limit << " s\n";
      }
    }
    std::this_thread::sleep_for(delay);
    delay = std::min(delay * 2, std::chrono::milliseconds(5000));
  }
}

}  // namespace tuneup
