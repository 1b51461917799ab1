#include "kubeapi/kube_table.h"

#include "common/text.h"

namespace tuneup::kubeapi {

namespace {

Json Column(const std::string& name, const std::string& type, const std::string& description,
            const std::string& format = "") {
  return {{"name", name},
          {"type", type},
          {"format", format},
          {"description", description},
          {"priority", 0}};
}

// The age of an object created at `timestamp` (RFC 3339), or "<unknown>".
std::string AgeOf(const std::string& timestamp) {
  const std::optional<Timestamp> created = ParseRfc3339(timestamp);
  if (!created) return "<unknown>";
  auto age =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now() - *created);
  return HumanDuration(age);
}

}  // namespace

std::string HumanDuration(std::chrono::seconds age) {
  int64_t seconds = age.count();
  if (seconds < 0) seconds = 0;
  const int64_t minutes = seconds / 60;
  const int64_t hours = minutes / 60;
  const int64_t days = hours / 24;
  auto n = [](int64_t value) { return std::to_string(value); };
  if (seconds < 120) return n(seconds) + "s";
  if (minutes < 10) return n(minutes) + "m" + (seconds % 60 == 0 ? "" : n(seconds % 60) + "s");
  if (hours < 3) return n(minutes) + "m";
  if (hours < 8) return n(hours) + "h" + (minutes % 60 == 0 ? "" : n(minutes % 60) + "m");
  if (hours < 48) return n(hours) + "h";
  if (days < 8) return n(days) + "d" + (hours % 24 == 0 ? "" : n(hours % 24) + "h");
  if (days < int64_t{365} * 2) return n(days) + "d";
  return n(days / 365) + "y";
}

Json TableOf(const std::string& resource, const std::vector<Json>& objects, uint64_t version,
             bool with_columns) {
  const bool suggestions = resource == "suggestions";
  Json columns = Json::array();
  columns.push_back(Column("Name", "string", "Name of the object", "name"));
  columns.push_back(Column("Type", "string", "The type of the last condition"));
  columns.push_back(Column("Status", "string", "The status of the last condition"));
  if (suggestions) {
    columns.push_back(Column("Requested", "string", "Trials requested"));
    columns.push_back(Column("Assigned", "string", "Trials proposed"));
  }
  columns.push_back(Column("Age", "date", "Time since creation"));
  Json rows = Json::array();
  for (const auto& object : objects) {
    const Json& metadata = object.at("metadata");
    const Json status = object.value("status", Json::object());
    const Json conditions = status.value("conditions", Json::array());
    const Json last = conditions.empty() ? Json::object() : conditions.back();
    Json cells = {metadata.value("name", ""), last.value("type", ""), last.value("status", "")};
    if (suggestions) {
      cells.push_back(std::to_string(object.value("spec", Json::object()).value("requests", 0)));
      cells.push_back(std::to_string(status.value("suggestionCount", 0)));
    }
    cells.push_back(AgeOf(metadata.value("creationTimestamp", "")));
    rows.push_back({{"cells", cells},
                    {"object",
                     {{"kind", "PartialObjectMetadata"},
                      {"apiVersion", "meta.k8s.io/v1"},
                      {"metadata", metadata}}}});
  }
  Json table = {{"kind", "Table"},
                {"apiVersion", "meta.k8s.io/v1"},
                {"metadata", {{"resourceVersion", std::to_string(version)}}},
                {"rows", rows}};
  if (with_columns) table["columnDefinitions"] = columns;
  return table;
}

}  // namespace tuneup::kubeapi
