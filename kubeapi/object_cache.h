// The Kubernetes objects `tuneup serve` shows (kubeapi/katib_objects.h), with the
// resourceVersions and watch events Kubernetes clients rely on.
//
// Objects are rendered from the store and handed to Sync whole; the cache compares them with
// what it holds and turns the differences into ADDED, MODIFIED and DELETED events, each with a
// new resourceVersion. Versions start from a number taken at start-up (the time in
// microseconds), so a version handed out by an earlier run of the server is always older than
// this run's history, and a client resuming a watch from it is told 410 Gone and lists again, as
// after a compaction in a real API server. Not thread-safe: one thread uses it.
#pragma once

#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace tuneup::kubeapi {

using Json = nlohmann::json;

struct WatchEvent {
  std::string resource;  // "experiments", "trials", ...
  std::string type;      // ADDED, MODIFIED, DELETED
  Json object;           // with metadata.resourceVersion
  uint64_t version = 0;
};

class ObjectCache {
 public:
  // `first_version`: the version of an empty cache; every change gets a larger one.
  // `history`: how many events are kept for watches that resume from a version.
  explicit ObjectCache(uint64_t first_version, size_t history = 4096);

  // Makes `objects` (each with metadata.namespace and metadata.name) the whole content of
  // `resource`, emitting an event for every object added, changed or gone.
  void Sync(const std::string& resource, const std::vector<Json>& objects);

  // The objects of `resource` in namespace `ns` ("" = every namespace), by namespace and name.
  std::vector<Json> List(const std::string& resource, const std::string& ns) const;
  std::optional<Json> Get(const std::string& resource, const std::string& ns,
                          const std::string& name) const;

  // The newest version: a list's resourceVersion.
  uint64_t version() const { return version_; }

  // The events of `resource` after `since`, oldest first; nullopt when events after `since` have
  // been forgotten (the client must list again: 410 Gone).
  std::optional<std::vector<WatchEvent>> EventsSince(const std::string& resource,
                                                     uint64_t since) const;

  // `listener` is called with every later event (of every resource) until Unsubscribe.
  int Subscribe(std::function<void(const WatchEvent&)> listener);
  void Unsubscribe(int id);

 private:
  struct Stored {
    Json rendered;  // without resourceVersion, for comparison
    uint64_t version = 0;
  };
  void Emit(const std::string& resource, const std::string& type, Json object, uint64_t version);
  static Json WithVersion(Json object, uint64_t version);

  uint64_t version_;
  size_t history_limit_;
  uint64_t forgotten_up_to_;  // events at or below this version are no longer kept
  // resource -> "namespace/name" -> object
  std::map<std::string, std::map<std::string, Stored>> objects_;
  std::deque<WatchEvent> history_;
  std::map<int, std::function<void(const WatchEvent&)>> listeners_;
  int next_listener_ = 0;
};

}  // namespace tuneup::kubeapi
