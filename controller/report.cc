#include "controller/report.h"

#include <algorithm>
#include <iomanip>
#include <ostream>

#include "api/cross_validation.h"
#include "common/text.h"

namespace tuneup {

namespace {

bool Maximize(const ObjectiveSpec& objective) {
  return objective.type == katib::kMaximize;
}

bool Better(double a, double b, bool maximize) {
  return maximize ? a > b : a < b;
}

std::string Pad(const std::string& text, size_t width) {
  return text.size() >= width ? text : text + std::string(width - text.size(), ' ');
}

std::string Truncate(const std::string& text, size_t width) {
  return text.size() <= width ? text : text.substr(0, width - 3) + "...";
}

}  // namespace

std::string FormatElapsed(std::chrono::seconds elapsed) {
  long long s = std::max<long long>(0, elapsed.count());
  char buffer[32];
  std::snprintf(buffer, sizeof(buffer), "%02lld:%02lld:%02lld", s / 3600, (s / 60) % 60, s % 60);
  return buffer;
}

std::vector<const Trial*> SortByObjective(const std::vector<Trial>& trials,
                                          const ObjectiveSpec& objective) {
  std::vector<const Trial*> sorted;
  sorted.reserve(trials.size());
  for (const auto& trial : trials)
    sorted.push_back(&trial);
  bool maximize = Maximize(objective);
  std::stable_sort(sorted.begin(), sorted.end(), [&](const Trial* a, const Trial* b) {
    bool a_ranked = a->status == TrialStatus::kSucceeded && a->objective;
    bool b_ranked = b->status == TrialStatus::kSucceeded && b->objective;
    if (a_ranked != b_ranked) return a_ranked;
    if (!a_ranked) return a->sequence < b->sequence;
    return Better(*a->objective, *b->objective, maximize);
  });
  return sorted;
}

std::string ObjectiveText(const Trial& trial) {
  if (!trial.objective) return "-";
  if (trial.folds.empty()) return FormatDouble(*trial.objective);
  const Spread spread = ObjectiveSpread(trial);
  std::string text = FormatMeanSd(spread);
  if (spread.count < static_cast<int>(trial.folds.size())) {
    text +=
        " (" + std::to_string(spread.count) + "/" + std::to_string(trial.folds.size()) + " folds)";
  }
  return text;
}

namespace {

// "accuracy=0.97 test-accuracy=0.95": each metric's latest value.
std::string LatestMetrics(const std::vector<MetricSummary>& metrics) {
  std::string text;
  for (const auto& metric : metrics)
    text += (text.empty() ? "" : " ") + metric.name + "=" + FormatDouble(metric.latest);
  return text.empty() ? "(no metrics)" : text;
}

std::string FinalEvaluationText(const FoldResult& final_evaluation) {
  if (final_evaluation.status == TrialStatus::kSucceeded)
    return LatestMetrics(final_evaluation.metrics);
  return std::string(TrialStatusName(final_evaluation.status)) +
         (final_evaluation.message.empty() ? "" : " (" + final_evaluation.message + ")");
}

}  // namespace

void PrintResults(std::ostream& out, const Experiment& experiment, const ExperimentStatus& status,
                  const std::vector<Trial>& trials, size_t max_rows) {
  const ObjectiveSpec& objective = *experiment.spec.objective;
  out << "Experiment " << experiment.metadata.name << ": " << ExperimentStateName(status.state)
      << " (" << status.reason << ")\n";
  if (!status.message.empty()) out << "  " << status.message << "\n";
  std::map<TrialStatus, int> counts;
  for (const auto& trial : trials)
    ++counts[trial.status];
  out << trials.size() << " trials:";
  bool first = true;
  for (const auto& [state, count] : counts) {
    out << (first ? " " : ", ") << count << " " << TrialStatusName(state);
    first = false;
  }
  if (status.start_time) {
    Timestamp end = status.completion_time.value_or(*status.start_time);
    out << "  (elapsed "
        << FormatElapsed(std::chrono::duration_cast<std::chrono::seconds>(end - *status.start_time))
        << ")";
  }
  out << "\n";
  if (trials.empty()) return;

  std::vector<std::string> headers{"trial", "status", objective.objective_metric_name};
  for (const auto& parameter : experiment.spec.parameters)
    headers.push_back(parameter.name);
  std::vector<std::vector<std::string>> rows;
  auto sorted = SortByObjective(trials, objective);
  for (size_t i = 0; i < sorted.size() && i < max_rows; ++i) {
    const Trial& trial = *sorted[i];
    std::vector<std::string> row{trial.name, std::string(TrialStatusName(trial.status)),
                                 ObjectiveText(trial)};
    for (const auto& parameter : experiment.spec.parameters) {
      row.push_back(Truncate(FindValue(trial.assignment, parameter.name).value_or("-"), 24));
    }
    rows.push_back(std::move(row));
  }
  std::vector<size_t> widths(headers.size());
  for (size_t c = 0; c < headers.size(); ++c) {
    widths[c] = headers[c].size();
    for (const auto& row : rows)
      widths[c] = std::max(widths[c], row[c].size());
  }
  out << "\n";
  auto print_row = [&](const std::vector<std::string>& row) {
    out << " ";
    for (size_t c = 0; c < row.size(); ++c)
      out << " " << Pad(row[c], widths[c]);
    out << "\n";
  };
  print_row(headers);
  for (const auto& row : rows)
    print_row(row);
  if (sorted.size() > max_rows) {
    out << "  ... " << (sorted.size() - max_rows) << " more trials (all are in the store)\n";
  }
  const Trial* best = sorted.front();
  if (best->status == TrialStatus::kSucceeded && best->objective) {
    out << "\nBest trial: " << best->name << "  " << objective.objective_metric_name << "="
        << ObjectiveText(*best) << "\n";
    for (const auto& item : best->assignment)
      out << "  " << item.name << "=" << item.value << "\n";
    if (best->final_evaluation) {
      out << "Final evaluation on all data (TUNEUP_FINAL=1): "
          << FinalEvaluationText(*best->final_evaluation) << "\n";
    }
  } else {
    out << "\nNo trial reported the objective metric \"" << objective.objective_metric_name
        << "\".\n";
  }
}

ProgressPrinter::ProgressPrinter(std::ostream& out, const Clock& clock,
                                 const Experiment& experiment, const std::vector<Trial>& existing,
                                 bool live)
    : out_(out), clock_(clock), experiment_(experiment), live_(live), started_(clock.Now()) {
  for (const auto& trial : existing)
    CountEnded(trial);
}

void ProgressPrinter::CountEnded(const Trial& trial) {
  if (trial.status == TrialStatus::kSucceeded) ++succeeded_;
  if (CountsAsFailed(trial.status)) ++failed_;
  if (trial.status == TrialStatus::kEarlyStopped) ++stopped_early_;
  if (trial.status == TrialStatus::kKilled) ++killed_;
  if (trial.status == TrialStatus::kSucceeded && trial.objective &&
      (!best_ || Better(*trial.objective, *best_, Maximize(*experiment_.spec.objective)))) {
    best_ = trial.objective;
    best_text_ = ObjectiveText(trial);
    best_trial_ = trial.name;
  }
}

std::string ProgressPrinter::StatusLine() const {
  auto elapsed = std::chrono::duration_cast<std::chrono::seconds>(clock_.Now() - started_);
  std::string line = "[" + FormatElapsed(elapsed) + "] running " + std::to_string(running_) +
                     " | succeeded " + std::to_string(succeeded_) + " | failed " +
                     std::to_string(failed_);
  if (stopped_early_ > 0) line += " | stopped early " + std::to_string(stopped_early_);
  if (killed_ > 0) line += " | killed " + std::to_string(killed_);
  line += " | best " + experiment_.spec.objective->objective_metric_name + " ";
  line += best_ ? best_text_ + " (" + best_trial_ + ")" : "-";
  return line;
}

void ProgressPrinter::Redraw() {
  if (!live_) return;
  out_ << "\r\033[K" << StatusLine() << std::flush;
  line_open_ = true;
}

void ProgressPrinter::Tick() {
  Redraw();
}

void ProgressPrinter::Close() {
  if (line_open_) out_ << "\n" << std::flush;
  line_open_ = false;
}

void ProgressPrinter::Note(const std::string& message) {
  if (line_open_) out_ << "\r\033[K";
  out_ << message << "\n";
  line_open_ = false;
  Redraw();
}

void ProgressPrinter::OnTrialStarted(const Trial& trial) {
  (void)trial;
  ++running_;
  Redraw();
}

void ProgressPrinter::OnTrialFinished(const Trial& trial) {
  if (trial.started_at && running_ > 0) --running_;
  CountEnded(trial);
  if (live_) {
    Redraw();
    return;
  }
  std::string line = std::string(TrialStatusName(trial.status)) + " " + trial.name;
  if (trial.objective) {
    line += " " + experiment_.spec.objective->objective_metric_name + "=" + ObjectiveText(trial);
  }
  if (!trial.message.empty() && trial.status != TrialStatus::kSucceeded) {
    line += " (" + trial.message + ")";
  }
  out_ << StatusLine() << "  " << line << "\n" << std::flush;
}

void ProgressPrinter::OnWarning(const std::string& trial, std::string_view message) {
  // Warnings go to the trial's metrics-collector.log; only the first few are echoed here.
  if (++warnings_ > 5) return;
  Note("warning: " + trial + ": " + std::string(message) +
       (warnings_ == 5 ? " (further warnings only in each trial's metrics-collector.log)" : ""));
}

void ProgressPrinter::OnFinalEvaluation(const Trial& trial) {
  Note("final evaluation of " + trial.name + " on all data: " +
       (trial.final_evaluation ? FinalEvaluationText(*trial.final_evaluation) : "-"));
}

void ProgressPrinter::OnStoreMessage(std::string_view message) {
  Note("store: " + std::string(message));
}

}  // namespace tuneup
