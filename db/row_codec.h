// How structured fields are written into database columns and read back, shared by every Store
// implementation. Reading never trusts the row: a value that does not decode throws
// Error(kInternal) naming the table, the row and the column.
#pragma once

#include <map>
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

// Throws Error(kInvalidArgument) naming the trial when an observation, the objective or a metric
// summary is not a finite number: databases store NaN and infinities inconsistently (SQLite turns
// NaN into NULL), so they are refused before anything is written.
void CheckStorable(const Trial& trial, std::span<const Observation> observations);
void CheckStorable(std::string_view trial, std::span<const Observation> observations);

TrialStatus DecodeTrialStatus(const std::string& text, const RowContext& where);
ExperimentState DecodeExperimentState(const std::string& text, const RowContext& where);

}  // namespace tuneup
