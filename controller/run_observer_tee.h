// Two RunObservers (controller/runner.h) as one: each event goes to the first, then the second.
#pragma once

#include <string>
#include <string_view>

#include "controller/runner.h"

namespace tuneup {

class RunObserverTee final : public RunObserver {
 public:
  // Both must outlive the tee.
  RunObserverTee(RunObserver& first, RunObserver& second) : first_(first), second_(second) {}

  void OnTrialStarted(const Trial& trial) override {
    first_.OnTrialStarted(trial);
    second_.OnTrialStarted(trial);
  }
  void OnTrialFinished(const Trial& trial) override {
    first_.OnTrialFinished(trial);
    second_.OnTrialFinished(trial);
  }
  void OnWarning(const std::string& trial, std::string_view message) override {
    first_.OnWarning(trial, message);
    second_.OnWarning(trial, message);
  }
  void OnFinalEvaluation(const Trial& trial) override {
    first_.OnFinalEvaluation(trial);
    second_.OnFinalEvaluation(trial);
  }
  void OnStoreMessage(std::string_view message) override {
    first_.OnStoreMessage(message);
    second_.OnStoreMessage(message);
  }

 private:
  RunObserver& first_;
  RunObserver& second_;
};

}  // namespace tuneup
