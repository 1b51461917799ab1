#include "kubeapi/katib_objects.h"

#include <openssl/evp.h>

#include <array>
#include <cstdio>
#include <ctime>

#include "api/best_trial.h"
#include "api/experiment_json.h"
#include "common/text.h"

namespace tuneup::kubeapi {

namespace {

// Katib's condition, as its controllers write them.
Json Condition(const std::string& type, bool status, const std::string& reason,
               const std::string& message, Timestamp time) {
  return {{"type", type},
          {"status", status ? "True" : "False"},
          {"reason", reason},
          {"message", message},
          {"lastUpdateTime", KubeTime(time)},
          {"lastTransitionTime", KubeTime(time)}};
}

// Katib's Metric: the values as strings.
Json MetricsJson(const std::vector<MetricSummary>& metrics) {
  Json list = Json::array();
  for (const auto& metric : metrics) {
    list.push_back({{"name", metric.name},
                    {"min", FormatDouble(metric.min)},
                    {"max", FormatDouble(metric.max)},
                    {"latest", FormatDouble(metric.latest)}});
  }
  return list;
}

Json Metadata(const std::string& kind, const ExperimentRecord& record, const std::string& name,
              Timestamp created) {
  const std::string ns = NamespaceOf(record.experiment);
  return {{"name", name},
          {"namespace", ns},
          {"uid", ObjectUid(kind, ns, name, created)},
          {"generation", 1},
          {"creationTimestamp", KubeTime(created)}};
}

}  // namespace

std::string NamespaceOf(const Experiment& experiment) {
  return experiment.metadata.namespace_.empty() ? "default" : experiment.metadata.namespace_;
}

std::string ObjectUid(const std::string& kind, const std::string& ns, const std::string& name,
                      Timestamp created) {
  const std::string key =
      "tuneup/" + kind + "/" + ns + "/" + name + "/" + std::to_string(ToUnixMicros(created));
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), digest.data(), &size, EVP_sha1(), nullptr);
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x50);  // version 5
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);  // RFC 4122 variant
  std::string uid;
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) uid += '-';
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", digest[i]);
    uid += hex;
  }
  return uid;
}

std::string KubeTime(Timestamp time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(
      std::chrono::time_point_cast<std::chrono::seconds>(time));
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Json ExperimentObject(const ExperimentRecord& record, const std::vector<Trial>& trials) {
  const Experiment& experiment = record.experiment;
  const Json manifest = ExperimentToJson(experiment);
  Json metadata = manifest.value("metadata", Json::object());
  // What the store kept of an earlier server's metadata is replaced by this server's.
  for (const char* key : {"uid", "resourceVersion", "generation", "creationTimestamp",
                          "managedFields", "selfLink", "deletionTimestamp"})
    metadata.erase(key);
  metadata.update(Metadata("Experiment", record, experiment.metadata.name, record.created_at));

  const ExperimentStatus& state = record.status;
  Json status = Json::object();
  if (state.start_time) status["startTime"] = KubeTime(*state.start_time);
  if (state.completion_time) status["completionTime"] = KubeTime(*state.completion_time);
  const Timestamp last_change = state.completion_time ? *state.completion_time
                                : state.start_time    ? *state.start_time
                                                      : record.created_at;
  status["lastReconcileTime"] = KubeTime(last_change);
  Json conditions = Json::array();
  conditions.push_back(
      Condition("Created", true, "ExperimentCreated", "Experiment is created", record.created_at));
  switch (state.state) {
    case ExperimentState::kCreated:
      break;
    case ExperimentState::kRunning:
      conditions.push_back(
          Condition("Running", true, state.reason,
                    state.message.empty() ? "Experiment is running" : state.message,
                    state.start_time.value_or(record.created_at)));
      break;
    case ExperimentState::kSucceeded:
    case ExperimentState::kFailed: {
      const bool succeeded = state.state == ExperimentState::kSucceeded;
      const std::string message = !state.message.empty() ? state.message
                                  : succeeded            ? "Experiment has succeeded"
                                                         : "Experiment has failed";
      conditions.push_back(Condition("Running", false, state.reason, message, last_change));
      conditions.push_back(
          Condition(succeeded ? "Succeeded" : "Failed", true, state.reason, message, last_change));
      break;
    }
  }
  status["conditions"] = conditions;

  // Katib's trial counts and name lists, by status.
  static const std::vector<std::pair<TrialStatus, std::pair<const char*, const char*>>> kFields = {
      {TrialStatus::kPending, {"trialsPending", "pendingTrialList"}},
      {TrialStatus::kRunning, {"trialsRunning", "runningTrialList"}},
      {TrialStatus::kSucceeded, {"trialsSucceeded", "succeededTrialList"}},
      {TrialStatus::kFailed, {"trialsFailed", "failedTrialList"}},
      {TrialStatus::kKilled, {"trialsKilled", "killedTrialList"}},
      {TrialStatus::kEarlyStopped, {"trialsEarlyStopped", "earlyStoppedTrialList"}},
      {TrialStatus::kMetricsUnavailable,
       {"trialMetricsUnavailable", "metricsUnavailableTrialList"}},
  };
  for (const auto& [trial_status, names] : kFields) {
    Json list = Json::array();
    for (const auto& trial : trials)
      if (trial.status == trial_status) list.push_back(trial.name);
    if (!list.empty()) {
      status[names.first] = list.size();
      status[names.second] = list;
    }
  }
  if (!trials.empty()) status["trials"] = trials.size();

  if (const Trial* best = FindBestTrial(experiment, trials)) {
    status["currentOptimalTrial"] = {{"bestTrialName", best->name},
                                     {"parameterAssignments", AssignmentToJson(best->assignment)},
                                     {"observation", {{"metrics", MetricsJson(best->metrics)}}}};
  }
  return {{"apiVersion", kGroupVersion},
          {"kind", "Experiment"},
          {"metadata", metadata},
          {"spec", manifest.value("spec", Json::object())},
          {"status", status}};
}

namespace {

// A Trial object, given its experiment's objective as JSON (null when there is none).
Json TrialObjectWith(const ExperimentRecord& record, const Trial& trial, const Json& objective) {
  const Experiment& experiment = record.experiment;
  const std::string ns = NamespaceOf(experiment);
  Json metadata = Metadata("Trial", record, trial.name, trial.created_at);
  metadata["labels"] = {{kExperimentLabel, experiment.metadata.name}};
  // tuneup's own trial labels (job identities, promotions) are not valid label values in
  // general: they go to annotations.
  if (!trial.labels.empty()) metadata["annotations"] = trial.labels;
  metadata["ownerReferences"] = Json::array(
      {{{"apiVersion", kGroupVersion},
        {"kind", "Experiment"},
        {"name", experiment.metadata.name},
        {"uid", ObjectUid("Experiment", ns, experiment.metadata.name, record.created_at)},
        {"controller", true},
        {"blockOwnerDeletion", true}}});

  Json spec = Json::object();
  if (!objective.is_null()) spec["objective"] = objective;
  spec["parameterAssignments"] = AssignmentToJson(trial.assignment);

  Json status = Json::object();
  if (trial.started_at) status["startTime"] = KubeTime(*trial.started_at);
  if (trial.completed_at) status["completionTime"] = KubeTime(*trial.completed_at);
  Json conditions = Json::array();
  conditions.push_back(
      Condition("Created", true, "TrialCreated", "Trial is created", trial.created_at));
  if (trial.status == TrialStatus::kRunning) {
    conditions.push_back(Condition("Running", true, "TrialRunning", "Trial is running",
                                   trial.started_at.value_or(trial.created_at)));
  } else if (!IsActive(trial.status)) {
    // Katib's trial condition types are the names of the states a trial ends in.
    const std::string final_type(TrialStatusName(trial.status));
    const Timestamp end = trial.completed_at.value_or(trial.created_at);
    const std::string message = trial.message.empty() ? "Trial has " + final_type : trial.message;
    if (trial.started_at) {
      conditions.push_back(Condition("Running", false, trial.reason, message, end));
    }
    conditions.push_back(Condition(final_type, true, trial.reason, message, end));
  }
  status["conditions"] = conditions;
  if (!trial.metrics.empty()) status["observation"] = {{"metrics", MetricsJson(trial.metrics)}};
  return {{"apiVersion", kGroupVersion},
          {"kind", "Trial"},
          {"metadata", metadata},
          {"spec", spec},
          {"status", status}};
}

}  // namespace

std::vector<Json> TrialObjects(const ExperimentRecord& record, const std::vector<Trial>& trials) {
  // The experiment's objective, which each Trial repeats, is read once for all of them.
  const Json manifest_spec = ExperimentToJson(record.experiment).value("spec", Json::object());
  const Json objective = manifest_spec.value("objective", Json());
  std::vector<Json> objects;
  objects.reserve(trials.size());
  for (const auto& trial : trials)
    objects.push_back(TrialObjectWith(record, trial, objective));
  return objects;
}

Json TrialObject(const ExperimentRecord& record, const Trial& trial) {
  return TrialObjects(record, {trial}).at(0);
}

Json SuggestionObject(const ExperimentRecord& record, const std::vector<Trial>& trials) {
  const Experiment& experiment = record.experiment;
  const Json manifest = ExperimentToJson(experiment);
  Json spec = {{"requests", trials.size()}};
  for (const char* key : {"algorithm", "earlyStopping", "resumePolicy"})
    if (manifest["spec"].contains(key)) spec[key] = manifest["spec"][key];
  Json suggestions = Json::array();
  for (const auto& trial : trials)
    suggestions.push_back(
        {{"name", trial.name}, {"parameterAssignments", AssignmentToJson(trial.assignment)}});
  const bool finished = IsFinished(record.status.state);
  Json conditions = Json::array();
  conditions.push_back(
      Condition("Created", true, "SuggestionCreated", "Suggestion is created", record.created_at));
  const Timestamp since = record.status.start_time.value_or(record.created_at);
  conditions.push_back(Condition("Running", !finished, finished ? "Succeeded" : "SuggestionRunning",
                                 finished ? "Suggestion has succeeded" : "Suggestion is running",
                                 since));
  if (finished) {
    conditions.push_back(Condition("Succeeded", true, "Succeeded", "Suggestion has succeeded",
                                   record.status.completion_time.value_or(since)));
  }
  return {{"apiVersion", kGroupVersion},
          {"kind", "Suggestion"},
          {"metadata", Metadata("Suggestion", record, experiment.metadata.name, record.created_at)},
          {"spec", spec},
          {"status",
           {{"suggestionCount", trials.size()},
            {"suggestions", suggestions},
            {"conditions", conditions}}}};
}

}  // namespace tuneup::kubeapi
