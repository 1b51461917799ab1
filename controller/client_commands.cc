// The commands that talk to a running `tuneup serve` (rpc/manager_client.h): submit, watch, and
// get with --server.
#include <fstream>
#include <iostream>
#include <sstream>

#include "common/error.h"
#include "common/text.h"
#include "controller/cli.h"
#include "controller/commands.h"
#include "controller/run_setup.h"
#include "rpc/manager_client.h"

namespace tuneup {

namespace {

// "3 Succeeded, 1 Running | best e2e-0002 loss=0.12".
std::string Progress(const ExperimentSummary& summary) {
  std::string text;
  for (const auto& [status, count] : summary.trials)
    text += (text.empty() ? "" : ", ") + std::to_string(count) + " " + status;
  if (text.empty()) text = "no trials";
  if (!summary.optimal_trial.empty()) {
    text += " | best " + summary.optimal_trial + " " + FormatDouble(summary.optimal_objective);
  }
  return text;
}

Json SummaryJson(const ExperimentSummary& summary) {
  Json json = {{"name", summary.name},
               {"state", summary.state},
               {"reason", summary.reason},
               {"message", summary.message},
               {"trials", summary.trials}};
  if (!summary.optimal_trial.empty()) {
    json["optimalTrial"] = summary.optimal_trial;
    json["optimalObjective"] = summary.optimal_objective;
  }
  return json;
}

ClientSecurity SecurityFrom(const ClientOptions& options) {
  ClientSecurity security;
  security.ca_pem = ReadOptionFile(options.ca_file, "--ca");
  security.cert_pem = ReadOptionFile(options.client_cert_file, "--client-cert");
  security.key_pem = ReadOptionFile(options.client_key_file, "--client-key");
  security.token = options.token;
  return security;
}

int ExitCodeForError(const Error& e) {
  return e.code() == ErrorCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

}  // namespace

int SubmitCommand(const ClientOptions& options, const std::vector<std::string>& files,
                  std::ostream& out, std::ostream& err) {
  ClientSecurity security;
  try {
    security = SecurityFrom(options);
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return kExitUsage;
  }
  ManagerClient client(options.server, security);
  int exit_code = kExitOk;
  for (const auto& file : files) {
    std::ifstream in(file);
    if (!in) {
      err << "error: " << file << ": cannot read it\n";
      exit_code = kExitUsage;
      continue;
    }
    std::stringstream text;
    text << in.rdbuf();
    try {
      auto [summary, created] = client.Submit(text.str());
      out << "experiment/" << summary.name << (created ? " created" : " unchanged") << " ("
          << summary.state << ")\n";
    } catch (const Error& e) {
      err << "error: " << file << ": " << e.what() << "\n";
      exit_code = std::max(exit_code, ExitCodeForError(e));
    }
  }
  return exit_code;
}

int WatchCommand(const ClientOptions& options, const std::string& name, std::ostream& out,
                 std::ostream& err) {
  try {
    ExperimentSummary last;
    ManagerClient(options.server, SecurityFrom(options))
        .Watch(name, [&](const ExperimentSummary& summary) {
          out << summary.name << "  " << summary.state << "  " << Progress(summary) << "\n"
              << std::flush;
          last = summary;
        });
    if (last.state == "Failed") return kExitFailed;
    return kExitOk;
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return ExitCodeForError(e);
  }
}

int GetFromServer(const GetOptions& options, std::ostream& out, std::ostream& err) {
  try {
    ManagerClient client(options.remote.server, SecurityFrom(options.remote));
    if (options.kind == "experiments") {
      std::vector<ExperimentSummary> summaries;
      if (options.name.empty()) {
        summaries = client.ListExperiments();
      } else {
        summaries.push_back(client.GetExperiment(options.name));
      }
      if (options.output == "json") {
        Json list = Json::array();
        for (const auto& summary : summaries)
          list.push_back(SummaryJson(summary));
        out << list.dump(2) << "\n";
      } else {
        for (const auto& summary : summaries)
          out << summary.name << "  " << summary.state << "  " << Progress(summary) << "\n";
      }
      return kExitOk;
    }
    std::vector<Json> trials = client.ListTrials(options.name);
    if (options.output == "json") {
      out << Json(trials).dump(2) << "\n";
      return kExitOk;
    }
    for (const auto& trial : trials) {
      out << trial.value("name", "") << "  " << trial.value("status", "");
      if (trial.contains("objective"))
        out << "  " << FormatDouble(trial["objective"].get<double>());
      out << "\n";
    }
    return kExitOk;
  } catch (const Error& e) {
    err << "error: " << e.what() << "\n";
    return ExitCodeForError(e);
  }
}

}  // namespace tuneup
