// How structured fields are written into database columns and read back, shared by every Store
// implementation. Reading never trusts the row: a value that does not decode throws
// Error(kInternal) naming the table, the row and the column.
#pragma once

#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "api/experiment.h"
#include "api/experiment_status.h"
#include "api/trial.h"

namespace tuneup {

// Where a value came from, for error messages: "trials row random-0003 column metrics".
struct RowContext {
  std::string table;
  std::string row;
  std::string column;
  std::string Describe() const { return table + " row " + row + " column " + column; }
};

std::string EncodeExperimentSpec(const Experiment& experiment);
Experiment DecodeExperimentSpec(const std::string& text, const RowContext& where);

std::string EncodeAssignment(const Assignment& assignment);
Assignment DecodeAssignment(const std::string& text, const RowContext& where);

std::string EncodeLabels(const std::map<std::string, std::string>& labels);
std::map<std::string, std::string> DecodeLabels(const std::string& text, const RowContext& where);

std::string EncodeMetrics(const std::vector<MetricSummary>& metrics);
std::vector<MetricSummary> DecodeMetrics(const std::string& text, const RowContext& where);

// A trial's cross-validation results (Trial::folds and Trial::final_evaluation), stored in one
// column as {"folds": [...], "final": {...}}, each entry as FoldResultToJson writes it. A key is
// left out when it has nothing: a trial that is not cross-validated is "{}", which is also what
// rows written before the column existed hold.
struct CrossValidationResults {
  std::vector<FoldResult> folds;
  std::optional<FoldResult> final_evaluation;
};

std::string EncodeCrossValidation(const Trial& trial);
CrossValidationResults DecodeCrossValidation(const std::string& text, const RowContext& where);

// Throws Error(kInvalidArgument) naming the trial when an observation, the objective or a metric
// summary (the trial's, or a fold's or the final evaluation's) is not a finite number: databases
// store NaN and infinities inconsistently (SQLite turns NaN into NULL), so they are refused before
// anything is written. Also refused, as the cross_validation column could not read them back: a
// fold index that is neither 0.. nor kFinalJob, a negative fold attempt, and a fold time outside
// the years 1678 to 2261 (RFC 3339 text, FoldResultToJson, reads back no other).
void CheckStorable(const Trial& trial, std::span<const Observation> observations);
void CheckStorable(std::string_view trial, std::span<const Observation> observations);

TrialStatus DecodeTrialStatus(const std::string& text, const RowContext& where);
ExperimentState DecodeExperimentState(const std::string& text, const RowContext& where);

}  // namespace tuneup
