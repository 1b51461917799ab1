// A trial as JSON, for people and programs reading results (`tuneup get trials -o json`).
#pragma once

#include "api/experiment.h"
#include "api/trial.h"

namespace tuneup {

// {name, experiment, status, reason, message, attempt, assignment: [{name, value}],
//  objective?, metrics: [{name, min, max, latest, count}], labels, creationTime, startTime?,
//  completionTime?} and, for a cross-validated trial (`folds` folds per repeat),
//  crossValidation: {mean, sd, folds: n succeeded, of: all fold jobs,
//                    results: [FoldResultToJson...], finalEvaluation?}.
Json TrialToJson(const Trial& trial, int folds = 0);

}  // namespace tuneup
