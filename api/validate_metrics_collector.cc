// spec.metricsCollectorSpec: Katib's rules per collector kind, and filter regexes.
#include <re2/re2.h>

#include "api/validate.h"

namespace tuneup {

namespace {

const std::string kPath = "spec.metricsCollectorSpec";
const std::string kSourcePath = "spec.metricsCollectorSpec.source";
const std::string kFsPath = "spec.metricsCollectorSpec.source.fileSystemPath";

bool IsAbsolute(const std::string& path) { return !path.empty() && path.front() == '/'; }

void ValidateFilters(const SourceSpec& source, FieldErrors& errors) {
  if (!source.filter) return;
  const auto& formats = source.filter->metrics_format;
  for (size_t i = 0; i < formats.size(); ++i) {
    std::string path = IndexPath(kSourcePath + ".filter.metricsFormat", i);
    // Katib's collectors use Go's regexp, which is RE2 syntax: RE2 accepts exactly those.
    RE2::Options options;
    options.set_log_errors(false);
    RE2 re(formats[i], options);
    if (!re.ok()) {
      errors.push_back({path, "invalid filter \"" + formats[i] + "\": " + re.error()});
    } else if (re.NumberOfCapturingGroups() < 2) {
      errors.push_back({path, "filter \"" + formats[i] +
                                  "\" needs two capturing groups: the metric name, then its "
                                  "value"});
    }
  }
}

}  // namespace

void ValidateMetricsCollector(const ExperimentSpec& spec, FieldErrors& errors) {
  if (!spec.metrics_collector_spec) return;
  const MetricsCollectorSpec& mc = *spec.metrics_collector_spec;
  const std::string kind = mc.collector ? mc.collector->kind : katib::kCollectorStdOut;
  const SourceSpec empty_source;
  const SourceSpec& source = mc.source ? *mc.source : empty_source;
  const FileSystemPath* fs = source.file_system_path ? &*source.file_system_path : nullptr;

  if (kind == katib::kCollectorStdOut || kind == katib::kCollectorPush ||
      kind == katib::kCollectorNone) {
    // nothing more: output parsing needs no source
  } else if (kind == katib::kCollectorFile) {
    if (fs == nullptr || fs->kind != katib::kFileKindFile || !IsAbsolute(fs->path)) {
      errors.push_back({kFsPath + ".path",
                        "an absolute path to the metrics file (kind File) is required"});
    }
    std::string format = fs ? fs->format : "";
    if (format != katib::kFormatText && format != katib::kFormatJson) {
      errors.push_back({kFsPath + ".format", (format.empty() ? std::string("must be specified")
                                                             : "\"" + format + "\" is invalid") +
                                                 ": must be TEXT or JSON"});
    }
    if (format == katib::kFormatJson && source.filter) {
      errors.push_back({kSourcePath + ".filter", "must be omitted when the format is JSON"});
    }
  } else if (kind == katib::kCollectorTfEvent) {
    if (fs == nullptr || fs->kind != katib::kFileKindDirectory || !IsAbsolute(fs->path)) {
      errors.push_back({kFsPath + ".path",
                        "an absolute path to the directory of TensorFlow event files (kind "
                        "Directory) is required"});
    }
    if (fs != nullptr && !fs->format.empty()) {
      errors.push_back({kFsPath + ".format", "must be empty for TensorFlowEvent"});
    }
  } else if (kind == katib::kCollectorPrometheus) {
    const HttpGetAction* http = source.http_get ? &*source.http_get : nullptr;
    bool port_ok = http != nullptr &&
                   ((http->port.is_number_integer() && http->port.get<int64_t>() > 0) ||
                    (http->port.is_string() && !http->port.get<std::string>().empty() &&
                     http->port.get<std::string>().find_first_not_of("0123456789") ==
                         std::string::npos &&
                     std::stoll(http->port.get<std::string>().substr(0, 9)) > 0));
    if (!port_ok) {
      errors.push_back({kSourcePath + ".httpGet.port",
                        "must be a positive integer for collector kind PrometheusMetric"});
    }
    if (http == nullptr || http->path.empty() || http->path.front() != '/') {
      errors.push_back({kSourcePath + ".httpGet.path",
                        "must start with '/' for collector kind PrometheusMetric"});
    }
  } else if (kind == katib::kCollectorCustom) {
    if (!mc.collector || !mc.collector->custom_collector) {
      errors.push_back({kPath + ".collector.customCollector",
                        "must be specified for collector kind Custom"});
    }
    if (fs != nullptr && (!IsAbsolute(fs->path) || (fs->kind != katib::kFileKindDirectory &&
                                                    fs->kind != katib::kFileKindFile))) {
      errors.push_back({kFsPath, "needs an absolute path and kind File or Directory"});
    }
  } else {
    errors.push_back({kPath + ".collector.kind",
                      "\"" + kind +
                          "\" is invalid: must be StdOut, File, TensorFlowEvent, "
                          "PrometheusMetric, Custom, Push or None"});
  }
  ValidateFilters(source, errors);
}

}  // namespace tuneup
