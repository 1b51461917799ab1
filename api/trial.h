// Trials, their parameter assignments and what they report.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "common/clock.h"

namespace tuneup {

// One parameter's value for one trial, as text (Katib's ParameterAssignment).
struct ParameterAssignment {
  std::string name;
  std::string value;
  bool operator==(const ParameterAssignment&) const = default;
};

// A trial's values, in the order of spec.parameters.
using Assignment = std::vector<ParameterAssignment>;

// A key equal for equal assignments regardless of order: detects repeated points.
std::string AssignmentKey(const Assignment& assignment);
// The value of `name`, if assigned.
std::optional<std::string> FindValue(const Assignment& assignment, std::string_view name);

Json AssignmentToJson(const Assignment& assignment);
// Throws Error(kInvalidArgument) unless `json` is a list of {name, value} strings.
Assignment AssignmentFromJson(const Json& json);

// Katib's trial states; Pending is "created, not started yet".
enum class TrialStatus {
  kPending,
  kRunning,
  kSucceeded,
  kFailed,
  kKilled,
  kEarlyStopped,
  kMetricsUnavailable,
};

std::string_view TrialStatusName(TrialStatus status);
std::optional<TrialStatus> ParseTrialStatus(std::string_view name);
// Pending or Running.
bool IsActive(TrialStatus status);
// Counted by maxFailedTrialCount (Failed and MetricsUnavailable, as in Katib).
bool CountsAsFailed(TrialStatus status);

// Observation::fold of a trial's own job (a trial that is not cross-validated).
inline constexpr int kTrialJob = -1;
// Observation::fold of a cross-validated trial's final evaluation (FoldResult, final_evaluation).
inline constexpr int kFinalJob = -2;

// One value a trial reported for one metric.
struct Observation {
  std::string metric;
  double value = 0;
  Timestamp time;
  // Which job reported it: kTrialJob, a cross-validation fold (0-based index over folds x
  // repeats, FoldResult::index) or kFinalJob.
  int fold = kTrialJob;
};

// A metric reduced over a trial's observations (Katib's Metric: min, max, latest).
struct MetricSummary {
  std::string name;
  double min = 0;
  double max = 0;
  double latest = 0;
  int64_t count = 0;
  bool operator==(const MetricSummary&) const = default;
};

// Reasons a trial ends, recorded in Trial::reason.
namespace trial_reason {
inline constexpr const char* kSucceeded = "TrialSucceeded";
inline constexpr const char* kFailed = "TrialFailed";
inline constexpr const char* kMetricsUnavailable = "MetricsUnavailable";
inline constexpr const char* kKilled = "TrialKilled";
inline constexpr const char* kEarlyStopped = "TrialEarlyStopped";
inline constexpr const char* kLaunchFailed = "LaunchFailed";
inline constexpr const char* kRequeued = "Requeued";
// tuneup's own: re-run after the cluster took the job away, or failed under it.
inline constexpr const char* kPreempted = "TrialPreempted";
inline constexpr const char* kInfrastructureFailed = "InfrastructureFailed";
}  // namespace trial_reason

// Label counting a trial's infrastructure failures (JobResult::kInfrastructureFailed), across
// attempts and runs, against the experiment's retry budget.
inline constexpr const char* kInfrastructureFailuresLabel = "tuneup.dev/infrastructure-failures";

// Label of a trial that continues another trial's training (a Hyperband or ASHA promotion): the
// earlier trial's name. The controller starts such a trial with a copy of that trial's checkpoint
// directory (controller/checkpoints.h), so a trainer that saves and resumes trains only the
// extra budget; a trainer that ignores checkpoints trains from scratch as in Katib.
inline constexpr const char* kResumeFromLabel = "tuneup.dev/resume-from";

// Label holding the identity of the job of a trial's current attempt, as its executor reported it
// (controller/executor.h, on_created): stored before the job may run, so that a controller that
// died can adopt the job instead of running the trial twice.
inline constexpr const char* kJobLabel = "tuneup.dev/job";

// One job of a cross-validated trial (api/tuneup_annotations.h, tuneup.dev/cv-folds): a fold of
// one repeat, or the final evaluation on all data. Each job has its own attempts: a fold that is
// preempted re-runs alone, and the folds that completed keep their results.
struct FoldResult {
  // 0-based over folds x repeats: the fold is index % folds, the repeat index / folds
  // (kFinalJob for the final evaluation).
  int index = 0;
  TrialStatus status = TrialStatus::kPending;
  std::string message;
  int attempt = 0;  // of this job; its observations are stored under it
  std::optional<double> objective;
  std::vector<MetricSummary> metrics;
  // Identity of the job of the current attempt (as kJobLabel holds for a whole trial); empty
  // while it has none.
  std::string job;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> completed_at;
  bool operator==(const FoldResult&) const = default;
};

struct Trial {
  std::string name;
  std::string experiment;
  int64_t sequence = 0;  // creation order within the experiment, from 0
  Assignment assignment;
  std::map<std::string, std::string> labels;

  TrialStatus status = TrialStatus::kPending;
  std::string reason;
  std::string message;
  // 0 for the first run; incremented each time the trial is re-run with the same assignment
  // (after an interrupted run or a preemption). Observations belong to one attempt.
  int attempt = 0;

  std::optional<double> objective;     // the objective metric reduced by its strategy
  std::vector<MetricSummary> metrics;  // every reported metric, reduced

  Timestamp created_at;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> completed_at;

  // Cross-validated trials only (empty otherwise): one entry per fold job, in index order; the
  // objective above is the mean of the folds' objectives (api/cross_validation.h).
  std::vector<FoldResult> folds;
  // The final evaluation on all data, when tuneup.dev/cv-final ran it on this (the best) trial:
  // reported apart from the cross-validation score.
  std::optional<FoldResult> final_evaluation;
};

}  // namespace tuneup
