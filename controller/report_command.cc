#include <algorithm>
#include <cmath>
#include <filesystem>
#include <ostream>
#include <set>

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
  try {
    std::unique_ptr<Store> store = OpenStore(options.db);
    std::optional<Trial> trial = store->GetTrial(options.trial);
    if (!trial) {
      err << "error: there is no trial \"" << options.trial << "\" in "
          << RedactLocation(options.db) << "\n";
      return kExitFailed;
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
    if (options.max_observations > 0) {
      const auto stored = static_cast<int64_t>(
          store->GetObservations(trial->name, std::nullopt, trial->attempt).size());
      if (stored + static_cast<int64_t>(observations.size()) > options.max_observations) {
        err << "warning: trial " << trial->name << " has reached its limit of "
            << options.max_observations << " observations (TUNEUP_MAX_OBSERVATIONS); these were "
            << "dropped\n";
        return kExitOk;
      }
    }
    store->AppendObservations(trial->name, trial->attempt, observations);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitFailed;
  }
  return kExitOk;
}

}  // namespace tuneup
