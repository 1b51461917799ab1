#include "controller/trial_job.h"

#include <filesystem>
#include <map>
#include <optional>

#include "api/trial_template.h"
#include "common/error.h"

namespace tuneup {

namespace {

using Values = std::map<std::string, std::string, std::less<>>;

[[noreturn]] void Fail(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, "cannot render the trial template: " + message);
}

std::string MetadataValue(const MetadataReference& ref, const Experiment& experiment,
                          const Json& trial_spec, const std::string& trial_name) {
  if (ref.key == "Name") return trial_name;
  if (ref.key == "Namespace") {
    return experiment.metadata.namespace_.empty() ? "default" : experiment.metadata.namespace_;
  }
  if (ref.key == "Kind") return TrialSpecKind(trial_spec);
  if (ref.key == "APIVersion") return TrialSpecApiVersion(trial_spec);
  const char* field = ref.key == "Labels" ? "labels" : "annotations";
  const Json* map = nullptr;
  if (auto meta = trial_spec.find("metadata"); meta != trial_spec.end() && meta->is_object()) {
    if (auto it = meta->find(field); it != meta->end() && it->is_object()) map = &*it;
  }
  if (ref.index.empty() || map == nullptr || !map->contains(ref.index) ||
      !(*map)[ref.index].is_string()) {
    Fail("${trialSpec." + ref.key + "[" + ref.index + "]}: the trialSpec has no such " +
         std::string(field).substr(0, std::string(field).size() - 1));
  }
  return (*map)[ref.index].get<std::string>();
}

// Values of every trial parameter, by name.
Values TrialParameterValues(const RenderRequest& request, const Json& trial_spec) {
  const Experiment& experiment = *request.experiment;
  Values values;
  const auto& parameters = experiment.spec.trial_template->trial_parameters;
  if (!parameters) return values;
  for (const auto& parameter : *parameters) {
    if (auto ref = ParseMetadataReference(parameter.reference)) {
      values[parameter.name] = MetadataValue(*ref, experiment, trial_spec, request.trial_name);
    } else if (auto value = FindValue(*request.assignment, parameter.reference)) {
      values[parameter.name] = *value;
    } else {
      Fail("trial parameter \"" + parameter.name + "\" references \"" + parameter.reference +
           "\", which the assignment does not contain");
    }
  }
  return values;
}

// One pass over `text`: ${trialParameters.X} -> parameter value; with `env`, $(VAR) -> env value
// and $$ -> $. Unknown references stay as written (as Kubernetes leaves them).
std::string Substitute(std::string_view text, const Values& parameters, const Values* env) {
  static constexpr std::string_view kParameterPrefix = "${trialParameters.";
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    if (text.compare(i, kParameterPrefix.size(), kParameterPrefix) == 0) {
      size_t start = i + kParameterPrefix.size();
      size_t close = text.find('}', start + 1);
      if (close != std::string_view::npos) {
        auto it = parameters.find(text.substr(start, close - start));
        if (it != parameters.end()) {
          out += it->second;
          i = close + 1;
          continue;
        }
      }
    } else if (env != nullptr && text[i] == '$' && i + 1 < text.size()) {
      if (text[i + 1] == '$') {
        out += '$';
        i += 2;
        continue;
      }
      if (text[i + 1] == '(') {
        size_t close = text.find(')', i + 2);
        if (close != std::string_view::npos) {
          auto it = env->find(text.substr(i + 2, close - i - 2));
          if (it != env->end()) {
            out += it->second;
            i = close + 1;
            continue;
          }
        }
      }
    }
    out += text[i];
    ++i;
  }
  return out;
}

// Replaces parameter placeholders in every string of `node` (keys stay as they are).
void SubstituteAll(Json& node, const Values& parameters) {
  if (node.is_string()) {
    node = Substitute(node.get<std::string>(), parameters, nullptr);
  } else if (node.is_array() || node.is_object()) {
    for (auto& child : node)
      SubstituteAll(child, parameters);
  }
}

std::vector<std::string> StringList(const Json& container, const char* key) {
  std::vector<std::string> values;
  auto it = container.find(key);
  if (it == container.end() || !it->is_array()) return values;
  for (const auto& item : *it) {
    if (item.is_string()) values.push_back(item.get<std::string>());
  }
  return values;
}

// The variables tuneup gives every process of a trial (see RenderTrialJob).
std::vector<std::pair<std::string, std::string>> TuneupEnv(const RenderRequest& request) {
  std::vector<std::pair<std::string, std::string>> env = {
      {"TUNEUP_TRIAL_DIR", request.trial_dir},
      {"TUNEUP_TRIAL_NAME", request.trial_name},
      {"TUNEUP_EXPERIMENT_NAME", request.experiment->metadata.name},
      {"KATIB_TRIAL_NAME", request.trial_name},
      {"PYTHONUNBUFFERED", "1"}};
  if (!request.checkpoint_dir.empty())
    env.emplace_back("TUNEUP_CHECKPOINT_DIR", request.checkpoint_dir);
  if (!request.resume_from.empty()) env.emplace_back("TUNEUP_RESUME_FROM", request.resume_from);
  if (!request.store.empty()) env.emplace_back("TUNEUP_DB", request.store);
  if (!request.tuneup_binary.empty()) env.emplace_back("TUNEUP_BINARY", request.tuneup_binary);
  if (request.max_observations > 0)
    env.emplace_back("TUNEUP_MAX_OBSERVATIONS", std::to_string(request.max_observations));
  env.insert(env.end(), request.extra_env.begin(), request.extra_env.end());
  return env;
}

// Appends the container's env to job.env and sets argv (command + args) and the working
// directory, substituting `parameters` and expanding $(VAR) as the kubelet does.
void FillFromContainer(const Json& container, const Values& parameters,
                       const RenderRequest& request, TrialJob& job) {
  Values env;  // the container's variables defined so far, for $(VAR) expansion
  if (auto list = container.find("env"); list != container.end() && list->is_array()) {
    for (const auto& var : *list) {
      if (!var.is_object() || !var.contains("name") || !var["name"].is_string()) continue;
      std::string name = var["name"].get<std::string>();
      std::string value = Substitute(var.value("value", ""), parameters, &env);
      env[name] = value;
      job.env.emplace_back(name, value);
    }
  }
  for (const auto& item : StringList(container, "command")) {
    job.argv.push_back(Substitute(item, parameters, &env));
  }
  for (const auto& item : StringList(container, "args")) {
    job.argv.push_back(Substitute(item, parameters, &env));
  }
  std::string working_dir = Substitute(container.value("workingDir", ""), parameters, &env);
  namespace fs = std::filesystem;
  if (working_dir.empty()) {
    job.working_dir = request.trial_dir;
  } else if (fs::path(working_dir).is_absolute()) {
    job.working_dir = fs::path(working_dir).lexically_normal().string();
  } else {
    job.working_dir = (fs::path(request.manifest_dir) / working_dir).lexically_normal().string();
  }
  if (job.working_dir.size() > 1 && job.working_dir.back() == '/') job.working_dir.pop_back();
}

}  // namespace

TrialJob RenderTrialJob(const RenderRequest& request) {
  const Experiment& experiment = *request.experiment;
  if (!experiment.spec.trial_template || !experiment.spec.trial_template->trial_spec) {
    Fail("the experiment has no spec.trialTemplate.trialSpec");
  }
  const TrialTemplate& t = *experiment.spec.trial_template;
  std::optional<Json> annotated;  // copied only when there is something to add
  if (!request.annotations.empty()) {
    annotated = *t.trial_spec;
    Json& metadata = (*annotated)["metadata"];
    if (!metadata.is_object()) metadata = Json::object();
    Json& annotations = metadata["annotations"];
    if (!annotations.is_object()) annotations = Json::object();
    for (const auto& [key, value] : request.annotations)
      annotations[key] = value;
  }
  const Json& template_spec = annotated ? *annotated : *t.trial_spec;
  Values parameters = TrialParameterValues(request, template_spec);

  TrialJob job;
  job.experiment = experiment.metadata.name;
  job.trial = request.job_name.empty() ? request.trial_name : request.job_name;
  job.trial_name = request.trial_name;
  job.trial_dir = request.trial_dir;
  job.rendered_spec = template_spec;
  SubstituteAll(job.rendered_spec, parameters);
  job.rendered_spec["metadata"]["name"] = request.trial_name;
  job.rendered_spec["metadata"]["namespace"] =
      experiment.metadata.namespace_.empty() ? "default" : experiment.metadata.namespace_;

  // The container is read from the unrendered template so that $(VAR) expansion and parameter
  // substitution happen in the same single pass.
  const Json* container = FindJobContainer(template_spec, t.primary_container_name);
  if (container == nullptr) {
    Fail("no container named \"" + t.primary_container_name + "\" in the trialSpec");
  }
  job.image = container->value("image", "");
  if (const Json* rendered = FindJobContainer(job.rendered_spec, t.primary_container_name);
      rendered != nullptr && rendered->contains("resources")) {
    job.resources = rendered->at("resources");
  }
  job.primary_container = t.primary_container_name;

  job.env = TuneupEnv(request);
  FillFromContainer(*container, parameters, request, job);
  if (job.argv.empty()) Fail("the primary container has no command");
  return job;
}

TrialJob RenderCustomCollectorJob(const RenderRequest& request, const Json& container) {
  TrialJob job;
  job.experiment = request.experiment->metadata.name;
  job.trial =
      (request.job_name.empty() ? request.trial_name : request.job_name) + kCustomCollectorSuffix;
  job.trial_dir = (std::filesystem::path(request.trial_dir) / "custom-collector").string();
  job.image = container.value("image", "");
  job.rendered_spec = container;
  if (container.contains("resources")) job.resources = container.at("resources");
  job.env = TuneupEnv(request);
  FillFromContainer(container, Values{}, request, job);
  if (job.argv.empty()) {
    throw Error(ErrorCode::kInvalidArgument,
                "spec.metricsCollectorSpec.collector.customCollector: no command to run");
  }
  return job;
}

}  // namespace tuneup
