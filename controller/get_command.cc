#include <iostream>

#include "api/trial_json.h"
#include "api/tuneup_annotations.h"
#include "common/error.h"
#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/report.h"
#include "db/store.h"

namespace tuneup {

int GetCommand(const GetOptions& options, std::ostream& out, std::ostream& err) {
  if (options.output != "table" && options.output != "json") {
    err << "tuneup get: -o " << options.output << ": must be table or json\n";
    return kExitUsage;
  }
  try {
    std::unique_ptr<Store> store = OpenStore(options.db);
    if (options.kind == "experiments") {
      Json list = Json::array();
      for (const auto& record : store->ListExperiments()) {
        if (!options.name.empty() && record.experiment.metadata.name != options.name) continue;
        if (options.output == "json") {
          list.push_back({{"name", record.experiment.metadata.name},
                          {"state", std::string(ExperimentStateName(record.status.state))},
                          {"reason", record.status.reason},
                          {"message", record.status.message}});
        } else {
          out << record.experiment.metadata.name << "  " << ExperimentStateName(record.status.state)
              << "  " << record.status.reason << "\n";
        }
      }
      if (options.output == "json") out << list.dump(2) << "\n";
      return kExitOk;
    }
    auto record = store->GetExperiment(options.name);
    if (!record) {
      err << "tuneup get trials: no experiment \"" << options.name << "\" in "
          << RedactLocation(options.db) << "\n";
      return kExitFailed;
    }
    std::vector<Trial> trials = store->ListTrials(options.name);
    if (options.output == "table") {
      PrintResults(out, record->experiment, record->status, trials, trials.size());
      return kExitOk;
    }
    FieldErrors ignored;  // validated when it was stored
    const int folds = ReadTuneupSettings(record->experiment, ignored).cv.folds;
    Json list = Json::array();
    for (const auto& trial : trials)
      list.push_back(TrialToJson(trial, folds));
    out << list.dump(2) << "\n";
    return kExitOk;
  } catch (const Error& e) {
    err << "tuneup get: " << e.what() << "\n";
    return kExitFailed;
  }
}

}  // namespace tuneup
