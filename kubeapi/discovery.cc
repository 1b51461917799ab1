#include "kubeapi/discovery.h"

#include "kubeapi/katib_objects.h"

namespace tuneup::kubeapi {

namespace {

Json GroupVersion() {
  return {{"groupVersion", kGroupVersion}, {"version", kVersion}};
}

Json Group() {
  return {{"name", kGroup},
          {"versions", Json::array({GroupVersion()})},
          {"preferredVersion", GroupVersion()}};
}

Json Resource(const std::string& name, const std::string& singular, const std::string& kind,
              bool namespaced, const std::vector<std::string>& verbs,
              const std::vector<std::string>& short_names = {},
              const std::vector<std::string>& categories = {}) {
  Json resource = {{"name", name},
                   {"singularName", singular},
                   {"namespaced", namespaced},
                   {"kind", kind},
                   {"verbs", verbs}};
  if (!short_names.empty()) resource["shortNames"] = short_names;
  if (!categories.empty()) resource["categories"] = categories;
  return resource;
}

}  // namespace

Json VersionInfo() {
  return {{"major", "1"},
          {"minor", "32"},
          {"gitVersion", "v1.32.0+tuneup"},
          {"gitCommit", ""},
          {"gitTreeState", "clean"},
          {"buildDate", "2026-01-01T00:00:00Z"},
          {"goVersion", "n/a (tuneup, C++)"},
          {"compiler", "gc"},
          {"platform", "linux/amd64"}};
}

Json CoreApiVersions(const std::string& address) {
  return {{"kind", "APIVersions"},
          {"versions", {"v1"}},
          {"serverAddressByClientCIDRs",
           Json::array({{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", address}}})}};
}

Json CoreResourceList() {
  return {{"kind", "APIResourceList"},
          {"groupVersion", "v1"},
          {"resources",
           Json::array(
               {Resource("namespaces", "namespace", "Namespace", false, {"get", "list"}, {"ns"}),
                Resource("events", "event", "Event", true, {"list", "watch"}, {"ev"})})}};
}

Json ApiGroupList() {
  return {{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", Json::array({Group()})}};
}

Json KatibApiGroup() {
  Json group = Group();
  group["kind"] = "APIGroup";
  group["apiVersion"] = "v1";
  return group;
}

Json KatibResourceList() {
  const std::vector<std::string> read_only = {"get", "list", "watch"};
  const std::vector<std::string> categories = {"all", "kubeflow", "katib"};
  return {
      {"kind", "APIResourceList"},
      {"apiVersion", "v1"},
      {"groupVersion", kGroupVersion},
      {"resources",
       Json::array(
           {Resource("experiments", "experiment", "Experiment", true,
                     {"create", "get", "list", "patch", "update", "watch"}, {}, categories),
            Resource("experiments/status", "", "Experiment", true, {"get"}),
            Resource("trials", "trial", "Trial", true, read_only, {}, categories),
            Resource("trials/status", "", "Trial", true, {"get"}),
            Resource("suggestions", "suggestion", "Suggestion", true, read_only, {}, categories),
            Resource("suggestions/status", "", "Suggestion", true, {"get"})})}};
}

Json NamespaceObject(const std::string& name) {
  return {{"kind", "Namespace"},
          {"apiVersion", "v1"},
          {"metadata", {{"name", name}}},
          {"spec", {{"finalizers", {"kubernetes"}}}},
          {"status", {{"phase", "Active"}}}};
}

}  // namespace tuneup::kubeapi
