// tuneup's own per-experiment settings, given as annotations in the manifest's metadata so that
// the manifest stays valid for Katib (which ignores annotations it does not know):
//
//   tuneup.dev/infrastructure-retries: "3"   how many times one trial may be re-run after the
//       infrastructure failed under it (a node died or never booted), 0..1000, default 3.
//       Preemptions are not counted: a preempted trial is always re-run.
//   tuneup.dev/priority: low|normal|high (default normal)   how the experiment's trials compete
//       with other work: low runs them as background work (locally SCHED_IDLE and nice 19) that
//       yields to other work when told to; `tuneup run --priority` overrides it.
//   tuneup.dev/slurm-partition: "gpu"       where the Slurm executor submits the trials
//   tuneup.dev/slurm-qos: "tuning"          (sbatch --partition, --qos, --account, --time); each
//   tuneup.dev/slurm-account: "ml-team"     overrides `tuneup run --slurm-...` and the priority
//   tuneup.dev/slurm-time: "1:30:00"        mapping. A time is minutes, M:S, H:M:S, D-H, D-H:M or
//       D-H:M:S; a partition may be a comma-separated list; names are letters, digits, . _ -.
//       Other executors ignore them.
//   tuneup.dev/cv-folds: "5"    cross-validation: each trial runs as k fold jobs (2..100) and
//   tuneup.dev/cv-repeats: "1"  is judged by their mean; repeated k-fold (1..100, default 1);
//   tuneup.dev/cv-race: "false"  stop a trial's remaining folds once it cannot win (true/false);
//   tuneup.dev/cv-final: "false" run the best configuration once more on all data (true/false).
//       The last three need cv-folds.
//
// Annotations under tuneup.dev/ that tuneup does not know are errors (a typo would otherwise be
// ignored silently); other annotations are left alone.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "api/experiment.h"
#include "common/error.h"

namespace tuneup {

inline constexpr const char* kInfrastructureRetriesAnnotation = "tuneup.dev/infrastructure-retries";
inline constexpr const char* kPriorityAnnotation = "tuneup.dev/priority";
inline constexpr const char* kSlurmPartitionAnnotation = "tuneup.dev/slurm-partition";
inline constexpr const char* kSlurmQosAnnotation = "tuneup.dev/slurm-qos";
inline constexpr const char* kSlurmAccountAnnotation = "tuneup.dev/slurm-account";
inline constexpr const char* kSlurmTimeAnnotation = "tuneup.dev/slurm-time";
inline constexpr const char* kCvFoldsAnnotation = "tuneup.dev/cv-folds";
inline constexpr const char* kCvRepeatsAnnotation = "tuneup.dev/cv-repeats";
inline constexpr const char* kCvRaceAnnotation = "tuneup.dev/cv-race";
inline constexpr const char* kCvFinalAnnotation = "tuneup.dev/cv-final";
// Set by the controller on each fold job's trialSpec (not by users): the job's fold, 0-based
// ("final" for the final evaluation), so that a trial parameter with reference
// ${trialSpec.Annotations[tuneup.dev/fold]} passes it to the trainer.
inline constexpr const char* kFoldAnnotation = "tuneup.dev/fold";

enum class Priority { kLow, kNormal, kHigh };
// "low", "normal", "high"; nullopt for anything else.
std::optional<Priority> ParsePriority(std::string_view text);
std::string_view PriorityName(Priority priority);

// Where an experiment's trials go on Slurm; empty: not said (the executor's defaults apply).
struct SlurmSettings {
  std::string partition;
  std::string qos;
  std::string account;
  std::string time;
  bool operator==(const SlurmSettings&) const = default;
};

// Cross-validation (folds == 0: the experiment is not a cross-validation run).
struct CvSettings {
  int folds = 0;
  int repeats = 1;
  bool race = false;
  bool final_evaluation = false;
  bool operator==(const CvSettings&) const = default;
};

struct TuneupSettings {
  int infrastructure_retries = 3;
  Priority priority = Priority::kNormal;
  SlurmSettings slurm;
  CvSettings cv;
};

// Whether `text` is a time limit sbatch --time accepts: minutes, M:S, H:M:S, D-H, D-H:M,
// D-H:M:S (digits only), or "infinite"/"unlimited".
bool IsSlurmTimeLimit(std::string_view text);

// Whether `text` is a Slurm partition, QOS or account name tuneup passes on: letters, digits and
// . _ - (and, when `list` is true, commas between names).
bool IsSlurmName(std::string_view text, bool list = false);

// The settings `experiment` asks for; defaults for what it does not say. Problems are added to
// `errors` (path metadata.annotations[KEY]) and leave the default in place.
TuneupSettings ReadTuneupSettings(const Experiment& experiment, FieldErrors& errors);

// As above, for an experiment already validated: throws Error(kInvalidArgument) on a problem.
TuneupSettings TuneupSettingsOf(const Experiment& experiment);

}  // namespace tuneup
