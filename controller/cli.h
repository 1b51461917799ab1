// The `tuneup` command line: `tuneup validate FILE...`, `tuneup run FILE ...`.
#pragma once

namespace tuneup {

// Exit codes shared by the commands.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;  // the experiment Failed; validate: a manifest is invalid
inline constexpr int kExitUsage = 2;   // bad usage, or `run` given an invalid manifest
inline constexpr int kExitInterrupted = 130;

int CliMain(int argc, char** argv);

}  // namespace tuneup
