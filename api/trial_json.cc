#include "api/trial_json.h"

#include "api/cross_validation.h"
#include "common/text.h"

namespace tuneup {

Json TrialToJson(const Trial& trial, int folds) {
  Json json = Json::object();
  json["name"] = trial.name;
  json["experiment"] = trial.experiment;
  json["status"] = std::string(TrialStatusName(trial.status));
  json["reason"] = trial.reason;
  json["message"] = trial.message;
  json["attempt"] = trial.attempt;
  json["assignment"] = AssignmentToJson(trial.assignment);
  if (trial.objective) json["objective"] = *trial.objective;
  json["metrics"] = MetricSummariesToJson(trial.metrics);
  json["labels"] = trial.labels;
  json["creationTime"] = FormatRfc3339(trial.created_at);
  if (trial.started_at) json["startTime"] = FormatRfc3339(*trial.started_at);
  if (trial.completed_at) json["completionTime"] = FormatRfc3339(*trial.completed_at);
  if (!trial.folds.empty() || trial.final_evaluation) {
    const Spread spread = ObjectiveSpread(trial);
    Json cv = Json::object();
    if (spread.count > 0) {
      cv["mean"] = spread.mean;
      cv["sd"] = spread.sd;
    }
    cv["folds"] = spread.count;
    cv["of"] = trial.folds.size();
    Json results = Json::array();
    for (const auto& fold : trial.folds)
      results.push_back(FoldResultToJson(fold, folds));
    cv["results"] = std::move(results);
    if (trial.final_evaluation) cv["finalEvaluation"] = FoldResultToJson(*trial.final_evaluation);
    json["crossValidation"] = std::move(cv);
  }
  return json;
}

}  // namespace tuneup
