// Cross-validated trials (tuneup.dev/cv-folds, api/tuneup_annotations.h): how the results of a
// trial's fold jobs make the trial's score, and how they are written as JSON.
//
// A trial's score is the mean over its folds of each fold's objective (the objective metric
// reduced by its metricStrategy within the fold), shown with the sample standard deviation
// (n - 1) of those fold objectives. The trial's metric summaries are the means of the folds'
// summaries (min, max and latest each averaged; count summed).
#pragma once

#include <optional>
#include <span>
#include <string>
#include <vector>

#include "api/trial.h"

namespace tuneup {

// The spread of some values: their number, mean and sample standard deviation (n - 1; 0 for
// fewer than two values).
struct Spread {
  int count = 0;
  double mean = 0;
  double sd = 0;
};

Spread SpreadOf(std::span<const double> values);

// The objectives of the trial's folds that succeeded, in fold order.
std::vector<double> FoldObjectives(const Trial& trial);

// The spread of the trial's succeeded folds' objectives (count 0 when it has none).
Spread ObjectiveSpread(const Trial& trial);

// The mean of the succeeded folds' objectives, or nullopt when none succeeded.
std::optional<double> MeanObjective(const std::vector<FoldResult>& folds);

// Per metric name (in the order first seen), the mean of the succeeded folds' summaries.
std::vector<MetricSummary> MeanMetrics(const std::vector<FoldResult>& folds);

// "0.9712 ± 0.0081" (sd to the same precision); just the mean when there is one fold.
std::string FormatMeanSd(const Spread& spread);

// The fold, repeat and job name of fold job `index` with `folds` folds per repeat. Job names are
// "<trial>-fold-<index>" (kFinalJob: "<trial>-final"), valid wherever a trial's name is (a
// Kubernetes Job's name, a Slurm job name); the job's files are in the trial's directory, under
// FoldDirName: "fold-<index>" or "final".
int FoldOf(int index, int folds);
int RepeatOf(int index, int folds);
std::string FoldJobName(const std::string& trial, int index);
std::string FoldDirName(int index);

// JSON of fold results: [{index, fold?, repeat?, status, message, attempt, objective?, metrics,
// job, startTime?, completionTime?}]; `folds` (folds per repeat) adds fold and repeat. The
// reader throws Error(kInvalidArgument) naming the entry and field that is wrong. Metric
// summaries are [{name, min, max, latest, count}], as the stores keep a trial's too.
Json FoldResultToJson(const FoldResult& result, int folds = 0);
FoldResult FoldResultFromJson(const Json& json);
Json MetricSummariesToJson(const std::vector<MetricSummary>& metrics);
std::vector<MetricSummary> MetricSummariesFromJson(const Json& json);

}  // namespace tuneup
