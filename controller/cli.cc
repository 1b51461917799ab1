#include "controller/cli.h"

#include <unistd.h>

#include <iostream>

#include <CLI/CLI.hpp>

#include "controller/commands.h"

namespace tuneup {

int CliMain(int argc, char** argv) {
  CLI::App app{"tuneup: hyperparameter tuning that speaks Katib's Experiment manifests"};
  app.require_subcommand(1);

  std::vector<std::string> validate_files;
  auto* validate =
      app.add_subcommand("validate", "Check Experiment manifests against Katib's rules");
  validate->add_option("FILE", validate_files, "YAML or JSON manifests")->required();

  RunOptions run_options;
  auto* run =
      app.add_subcommand("run", "Run an experiment on this machine (resumes an unfinished one)");
  run->add_option("FILE", run_options.manifest, "the Experiment manifest (YAML or JSON)")
      ->required();
  run->add_option("--workdir", run_options.workdir,
                  "directory for trials/ and the default database (default: .)");
  run->add_option("--db", run_options.db, "SQLite database file (default: WORKDIR/tuneup.db)");
  run->add_option("--kill-grace", run_options.kill_grace_seconds,
                  "seconds between SIGTERM and SIGKILL when stopping trials")
      ->check(CLI::Range(0, 3600));
  run->add_option("--file-poll-ms", run_options.file_poll_ms,
                  "milliseconds between reads of a File metrics collector's file (default 200)")
      ->check(CLI::Range(1, 60'000));

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? kExitOk : kExitUsage;
  }
  if (validate->parsed()) return ValidateCommand(validate_files, std::cout, std::cerr);
  if (run->parsed()) return RunCommand(run_options, std::cout, std::cerr);
  return kExitUsage;
}

}  // namespace tuneup
