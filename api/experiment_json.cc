#include "api/experiment_json.h"

#include "api/json_reader.h"

namespace tuneup {

namespace {

std::vector<NamedSetting> ReadSettings(JsonObjectReader& parent, std::string_view key) {
  std::vector<NamedSetting> settings;
  const Json* list = parent.Get(key);
  if (list == nullptr) return settings;
  if (!list->is_array()) {
    parent.errors().push_back(
        {parent.PathOf(key), "must be a list of {name, value}, got " + DescribeJson(*list)});
    return settings;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    JsonObjectReader item((*list)[i], IndexPath(parent.PathOf(key), i), parent.errors());
    NamedSetting setting{item.String("name"), item.String("value")};
    item.RejectUnknownFields();
    settings.push_back(std::move(setting));
  }
  return settings;
}

template <typename ReadItem>
void ReadObjectList(JsonObjectReader& parent, std::string_view key, ReadItem read_item) {
  const Json* list = parent.Get(key);
  if (list == nullptr) return;
  if (!list->is_array()) {
    parent.errors().push_back({parent.PathOf(key), "must be a list, got " + DescribeJson(*list)});
    return;
  }
  for (size_t i = 0; i < list->size(); ++i) {
    JsonObjectReader item((*list)[i], IndexPath(parent.PathOf(key), i), parent.errors());
    read_item(item);
    item.RejectUnknownFields();
  }
}

// Kubernetes ObjectMeta: the fields tuneup uses are typed; the rest (uid, resourceVersion, ...)
// are kept verbatim in `other`, never rejected, because they are the API server's bookkeeping.
ObjectMeta ReadMetadata(const Json& raw, FieldErrors& errors) {
  JsonObjectReader reader(raw, "metadata", errors);
  ObjectMeta meta;
  meta.name = reader.String("name");
  meta.namespace_ = reader.String("namespace");
  meta.labels = reader.StringMap("labels");
  meta.annotations = reader.StringMap("annotations");
  if (raw.is_object()) {
    for (const auto& [key, value] : raw.items()) {
      if (key != "name" && key != "namespace" && key != "labels" && key != "annotations") {
        meta.other[key] = value;
      }
    }
  }
  return meta;
}

ParameterSpec ReadParameter(JsonObjectReader& reader) {
  ParameterSpec parameter;
  parameter.name = reader.String("name");
  parameter.parameter_type = reader.String("parameterType");
  static const Json kAbsent;
  const Json* raw_space = reader.Get("feasibleSpace");
  JsonObjectReader space(raw_space != nullptr ? *raw_space : kAbsent,
                         reader.PathOf("feasibleSpace"), reader.errors());
  parameter.feasible_space.max = space.String("max");
  parameter.feasible_space.min = space.String("min");
  parameter.feasible_space.list = space.StringList("list");
  parameter.feasible_space.step = space.String("step");
  parameter.feasible_space.distribution = space.String("distribution");
  space.RejectUnknownFields();
  return parameter;
}

ObjectiveSpec ReadObjective(JsonObjectReader& reader) {
  ObjectiveSpec objective;
  objective.type = reader.String("type");
  objective.goal = reader.Number("goal");
  objective.objective_metric_name = reader.String("objectiveMetricName");
  objective.additional_metric_names = reader.StringList("additionalMetricNames");
  ReadObjectList(reader, "metricStrategies", [&](JsonObjectReader& item) {
    objective.metric_strategies.push_back({item.String("name"), item.String("value")});
  });
  return objective;
}

TrialTemplate ReadTrialTemplate(JsonObjectReader& reader) {
  TrialTemplate t;
  t.retain = reader.Bool("retain");
  t.trial_spec = reader.RawObject("trialSpec");
  if (const Json* raw = reader.Get("configMap"); raw != nullptr) {
    JsonObjectReader cm(*raw, reader.PathOf("configMap"), reader.errors());
    ConfigMapSource source;
    source.config_map_name = cm.String("configMapName");
    source.config_map_namespace = cm.String("configMapNamespace");
    source.template_path = cm.String("templatePath");
    cm.RejectUnknownFields();
    t.config_map = source;
  }
  if (reader.Get("trialParameters") != nullptr) {
    t.trial_parameters.emplace();
    ReadObjectList(reader, "trialParameters", [&](JsonObjectReader& item) {
      t.trial_parameters->push_back(
          {item.String("name"), item.String("description"), item.String("reference")});
    });
  }
  t.primary_pod_labels = reader.StringMap("primaryPodLabels");
  t.primary_container_name = reader.String("primaryContainerName");
  t.success_condition = reader.String("successCondition");
  t.failure_condition = reader.String("failureCondition");
  return t;
}

MetricsCollectorSpec ReadMetricsCollector(JsonObjectReader& reader) {
  MetricsCollectorSpec spec;
  if (const Json* raw = reader.Get("source"); raw != nullptr) {
    JsonObjectReader source_reader(*raw, reader.PathOf("source"), reader.errors());
    SourceSpec source;
    if (const Json* http = source_reader.Get("httpGet"); http != nullptr) {
      JsonObjectReader h(*http, source_reader.PathOf("httpGet"), reader.errors());
      HttpGetAction action;
      action.path = h.String("path");
      if (const Json* port = h.Get("port"); port != nullptr) {
        if (port->is_number_integer() || port->is_string()) {
          action.port = *port;
        } else {
          reader.errors().push_back(
              {h.PathOf("port"), "must be an integer or a port name, got " + DescribeJson(*port)});
        }
      }
      action.host = h.String("host");
      action.scheme = h.String("scheme");
      if (const Json* headers = h.Get("httpHeaders"); headers != nullptr) {
        action.http_headers = *headers;
      }
      h.RejectUnknownFields();
      source.http_get = action;
    }
    if (const Json* fs = source_reader.Get("fileSystemPath"); fs != nullptr) {
      JsonObjectReader f(*fs, source_reader.PathOf("fileSystemPath"), reader.errors());
      source.file_system_path =
          FileSystemPath{f.String("path"), f.String("kind"), f.String("format")};
      f.RejectUnknownFields();
    }
    if (const Json* filter = source_reader.Get("filter"); filter != nullptr) {
      JsonObjectReader f(*filter, source_reader.PathOf("filter"), reader.errors());
      source.filter = FilterSpec{f.StringList("metricsFormat")};
      f.RejectUnknownFields();
    }
    source_reader.RejectUnknownFields();
    spec.source = source;
  }
  if (const Json* raw = reader.Get("collector"); raw != nullptr) {
    JsonObjectReader c(*raw, reader.PathOf("collector"), reader.errors());
    CollectorSpec collector;
    collector.kind = c.String("kind");
    collector.custom_collector = c.RawObject("customCollector");
    c.RejectUnknownFields();
    spec.collector = collector;
  }
  return spec;
}

template <typename T, typename Read>
std::optional<T> ReadOptionalObject(JsonObjectReader& parent, std::string_view key, Read read) {
  const Json* raw = parent.Get(key);
  if (raw == nullptr) return std::nullopt;
  JsonObjectReader reader(*raw, parent.PathOf(key), parent.errors());
  T value = read(reader);
  reader.RejectUnknownFields();
  return value;
}

ExperimentSpec ReadSpec(JsonObjectReader& reader) {
  ExperimentSpec spec;
  ReadObjectList(reader, "parameters",
                 [&](JsonObjectReader& item) { spec.parameters.push_back(ReadParameter(item)); });
  spec.objective = ReadOptionalObject<ObjectiveSpec>(reader, "objective", ReadObjective);
  spec.algorithm = ReadOptionalObject<AlgorithmSpec>(reader, "algorithm", [](JsonObjectReader& r) {
    AlgorithmSpec algorithm;
    algorithm.algorithm_name = r.String("algorithmName");
    algorithm.algorithm_settings = ReadSettings(r, "algorithmSettings");
    return algorithm;
  });
  spec.early_stopping =
      ReadOptionalObject<EarlyStoppingSpec>(reader, "earlyStopping", [](JsonObjectReader& r) {
        EarlyStoppingSpec early_stopping;
        early_stopping.algorithm_name = r.String("algorithmName");
        early_stopping.algorithm_settings = ReadSettings(r, "algorithmSettings");
        return early_stopping;
      });
  spec.trial_template =
      ReadOptionalObject<TrialTemplate>(reader, "trialTemplate", ReadTrialTemplate);
  spec.parallel_trial_count = reader.Int32("parallelTrialCount");
  spec.max_trial_count = reader.Int32("maxTrialCount");
  spec.max_failed_trial_count = reader.Int32("maxFailedTrialCount");
  spec.metrics_collector_spec = ReadOptionalObject<MetricsCollectorSpec>(
      reader, "metricsCollectorSpec", ReadMetricsCollector);
  spec.nas_config = reader.RawObject("nasConfig");
  spec.resume_policy = reader.String("resumePolicy");
  return spec;
}

// --- writing ---

void PutString(Json& object, const char* key, const std::string& value) {
  if (!value.empty()) object[key] = value;
}

void PutStringList(Json& object, const char* key, const std::vector<std::string>& values) {
  if (!values.empty()) object[key] = values;
}

void PutStringMap(Json& object, const char* key, const std::map<std::string, std::string>& values) {
  if (!values.empty()) object[key] = values;
}

Json SettingsToJson(const std::vector<NamedSetting>& settings) {
  Json list = Json::array();
  for (const auto& setting : settings) {
    Json item = Json::object();
    PutString(item, "name", setting.name);
    PutString(item, "value", setting.value);
    list.push_back(item);
  }
  return list;
}

Json ParameterToJson(const ParameterSpec& parameter) {
  Json item = Json::object();
  PutString(item, "name", parameter.name);
  PutString(item, "parameterType", parameter.parameter_type);
  Json space = Json::object();
  const FeasibleSpace& fs = parameter.feasible_space;
  PutString(space, "max", fs.max);
  PutString(space, "min", fs.min);
  PutStringList(space, "list", fs.list);
  PutString(space, "step", fs.step);
  PutString(space, "distribution", fs.distribution);
  item["feasibleSpace"] = space;
  return item;
}

Json ObjectiveToJson(const ObjectiveSpec& objective) {
  Json out = Json::object();
  PutString(out, "type", objective.type);
  if (objective.goal) out["goal"] = *objective.goal;
  PutString(out, "objectiveMetricName", objective.objective_metric_name);
  PutStringList(out, "additionalMetricNames", objective.additional_metric_names);
  if (!objective.metric_strategies.empty()) {
    Json list = Json::array();
    for (const auto& strategy : objective.metric_strategies) {
      Json item = Json::object();
      PutString(item, "name", strategy.name);
      PutString(item, "value", strategy.value);
      list.push_back(item);
    }
    out["metricStrategies"] = list;
  }
  return out;
}

Json TrialTemplateToJson(const TrialTemplate& t) {
  Json out = Json::object();
  if (t.retain) out["retain"] = true;
  if (t.trial_spec) out["trialSpec"] = *t.trial_spec;
  if (t.config_map) {
    Json cm = Json::object();
    PutString(cm, "configMapName", t.config_map->config_map_name);
    PutString(cm, "configMapNamespace", t.config_map->config_map_namespace);
    PutString(cm, "templatePath", t.config_map->template_path);
    out["configMap"] = cm;
  }
  if (t.trial_parameters) {
    Json list = Json::array();
    for (const auto& p : *t.trial_parameters) {
      Json item = Json::object();
      PutString(item, "name", p.name);
      PutString(item, "description", p.description);
      PutString(item, "reference", p.reference);
      list.push_back(item);
    }
    out["trialParameters"] = list;
  }
  PutStringMap(out, "primaryPodLabels", t.primary_pod_labels);
  PutString(out, "primaryContainerName", t.primary_container_name);
  PutString(out, "successCondition", t.success_condition);
  PutString(out, "failureCondition", t.failure_condition);
  return out;
}

Json MetricsCollectorToJson(const MetricsCollectorSpec& spec) {
  Json out = Json::object();
  if (spec.source) {
    Json source = Json::object();
    if (spec.source->http_get) {
      const HttpGetAction& h = *spec.source->http_get;
      Json http = Json::object();
      PutString(http, "path", h.path);
      if (!h.port.is_null()) http["port"] = h.port;
      PutString(http, "host", h.host);
      PutString(http, "scheme", h.scheme);
      if (!h.http_headers.is_null()) http["httpHeaders"] = h.http_headers;
      source["httpGet"] = http;
    }
    if (spec.source->file_system_path) {
      const FileSystemPath& f = *spec.source->file_system_path;
      Json fs = Json::object();
      PutString(fs, "path", f.path);
      PutString(fs, "kind", f.kind);
      PutString(fs, "format", f.format);
      source["fileSystemPath"] = fs;
    }
    if (spec.source->filter) {
      Json filter = Json::object();
      PutStringList(filter, "metricsFormat", spec.source->filter->metrics_format);
      source["filter"] = filter;
    }
    out["source"] = source;
  }
  if (spec.collector) {
    Json collector = Json::object();
    PutString(collector, "kind", spec.collector->kind);
    if (spec.collector->custom_collector) {
      collector["customCollector"] = *spec.collector->custom_collector;
    }
    out["collector"] = collector;
  }
  return out;
}

}  // namespace

Experiment ExperimentFromJson(const Json& document, FieldErrors& errors) {
  Experiment experiment;
  JsonObjectReader root(document, "", errors);
  if (!root.is_object()) return experiment;
  experiment.api_version = root.String("apiVersion");
  experiment.kind = root.String("kind");
  if (experiment.api_version != katib::kApiVersion) {
    errors.push_back({"apiVersion", experiment.api_version.empty()
                                        ? std::string("must be ") + katib::kApiVersion
                                        : "is \"" + experiment.api_version + "\"; must be " +
                                              katib::kApiVersion});
  }
  if (experiment.kind != katib::kKind) {
    errors.push_back({"kind", experiment.kind.empty()
                                  ? std::string("must be ") + katib::kKind
                                  : "is \"" + experiment.kind + "\"; must be " + katib::kKind});
  }
  if (const Json* metadata = root.Get("metadata"); metadata != nullptr) {
    experiment.metadata = ReadMetadata(*metadata, errors);
  }
  if (const Json* spec = root.Get("spec"); spec != nullptr) {
    JsonObjectReader spec_reader(*spec, "spec", errors);
    experiment.spec = ReadSpec(spec_reader);
    spec_reader.RejectUnknownFields();
  } else {
    errors.push_back({"spec", "must be specified"});
  }
  root.Get("status");  // computed by tuneup; accepted and ignored
  root.RejectUnknownFields();
  return experiment;
}

Json ExperimentToJson(const Experiment& experiment) {
  Json out = Json::object();
  out["apiVersion"] = experiment.api_version;
  out["kind"] = experiment.kind;
  Json metadata =
      experiment.metadata.other.is_object() ? experiment.metadata.other : Json::object();
  PutString(metadata, "name", experiment.metadata.name);
  PutString(metadata, "namespace", experiment.metadata.namespace_);
  PutStringMap(metadata, "labels", experiment.metadata.labels);
  PutStringMap(metadata, "annotations", experiment.metadata.annotations);
  out["metadata"] = metadata;

  const ExperimentSpec& s = experiment.spec;
  Json spec = Json::object();
  if (!s.parameters.empty()) {
    Json list = Json::array();
    for (const auto& parameter : s.parameters)
      list.push_back(ParameterToJson(parameter));
    spec["parameters"] = list;
  }
  if (s.objective) spec["objective"] = ObjectiveToJson(*s.objective);
  if (s.algorithm) {
    Json algorithm = Json::object();
    PutString(algorithm, "algorithmName", s.algorithm->algorithm_name);
    if (!s.algorithm->algorithm_settings.empty()) {
      algorithm["algorithmSettings"] = SettingsToJson(s.algorithm->algorithm_settings);
    }
    spec["algorithm"] = algorithm;
  }
  if (s.early_stopping) {
    Json early_stopping = Json::object();
    PutString(early_stopping, "algorithmName", s.early_stopping->algorithm_name);
    if (!s.early_stopping->algorithm_settings.empty()) {
      early_stopping["algorithmSettings"] = SettingsToJson(s.early_stopping->algorithm_settings);
    }
    spec["earlyStopping"] = early_stopping;
  }
  if (s.trial_template) spec["trialTemplate"] = TrialTemplateToJson(*s.trial_template);
  if (s.parallel_trial_count) spec["parallelTrialCount"] = *s.parallel_trial_count;
  if (s.max_trial_count) spec["maxTrialCount"] = *s.max_trial_count;
  if (s.max_failed_trial_count) spec["maxFailedTrialCount"] = *s.max_failed_trial_count;
  if (s.metrics_collector_spec) {
    spec["metricsCollectorSpec"] = MetricsCollectorToJson(*s.metrics_collector_spec);
  }
  if (s.nas_config) spec["nasConfig"] = *s.nas_config;
  PutString(spec, "resumePolicy", s.resume_policy);
  out["spec"] = spec;
  return out;
}

}  // namespace tuneup
