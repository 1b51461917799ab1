// What a person sees of a run: a progress line while it runs, a table of trials at the end.
#pragma once

#include <iosfwd>
#include <string>
#include <vector>

#include "api/experiment.h"
#include "api/experiment_status.h"
#include "api/trial.h"
#include "common/clock.h"
#include "controller/runner.h"

namespace tuneup {

// Trials best first: those with an objective by objective (direction of `objective`), then the
// rest in creation order.
std::vector<const Trial*> SortByObjective(const std::vector<Trial>& trials,
                                          const ObjectiveSpec& objective);

// The final report: experiment state and reason, counts, a table of trials best first (the
// first `max_rows`; the rest are counted), and the best trial's assignment.
void PrintResults(std::ostream& out, const Experiment& experiment, const ExperimentStatus& status,
                  const std::vector<Trial>& trials, size_t max_rows = 30);

// A trial's objective as shown: the value, or for a cross-validated trial the mean over its
// folds ± their sample standard deviation ("0.9712 ± 0.0081"), with the number of folds when
// not all of them ran ("0.93 ± 0.02 (3/5 folds)"); "-" when it has none.
std::string ObjectiveText(const Trial& trial);

// "00:01:23".
std::string FormatElapsed(std::chrono::seconds elapsed);

// Progress while the experiment runs. Live mode (a terminal) redraws one line: trials running /
// succeeded / failed, the best objective so far and the elapsed time. Otherwise (a log, CI) it
// prints one line per finished trial.
class ProgressPrinter final : public RunObserver {
 public:
  ProgressPrinter(std::ostream& out, const Clock& clock, const Experiment& experiment,
                  const std::vector<Trial>& existing, bool live);

  void OnTrialStarted(const Trial& trial) override;
  void OnTrialFinished(const Trial& trial) override;
  void OnWarning(const std::string& trial, std::string_view message) override;
  void OnFinalEvaluation(const Trial& trial) override;
  void OnStoreMessage(std::string_view message) override;

  // Redraws the live line (called every second so the elapsed time moves).
  void Tick();
  // Ends the live line so that what follows starts on a fresh line.
  void Close();
  // Prints a message on its own line without garbling the live line.
  void Note(const std::string& message);

 private:
  std::string StatusLine() const;
  void Redraw();
  // Counts a trial that has ended (or was already stored) by status, and notes a new best.
  void CountEnded(const Trial& trial);

  std::ostream& out_;
  const Clock& clock_;
  const Experiment& experiment_;
  bool live_;
  Timestamp started_;
  int running_ = 0;
  int succeeded_ = 0;
  int failed_ = 0;
  int stopped_early_ = 0;
  int killed_ = 0;
  std::optional<double> best_;
  std::string best_text_;  // as ObjectiveText shows it
  std::string best_trial_;
  bool line_open_ = false;
  size_t warnings_ = 0;
};

}  // namespace tuneup
