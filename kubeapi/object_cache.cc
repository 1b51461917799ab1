#include "kubeapi/object_cache.h"

namespace tuneup::kubeapi {

namespace {

std::string KeyOf(const Json& object) {
  const Json& metadata = object.at("metadata");
  return metadata.value("namespace", "") + "/" + metadata.value("name", "");
}

}  // namespace

ObjectCache::ObjectCache(uint64_t first_version, size_t history)
    : version_(first_version), history_limit_(history), forgotten_up_to_(first_version) {}

Json ObjectCache::WithVersion(Json object, uint64_t version) {
  object["metadata"]["resourceVersion"] = std::to_string(version);
  return object;
}

void ObjectCache::Sync(const std::string& resource, const std::vector<Json>& objects) {
  auto& current = objects_[resource];
  std::map<std::string, Stored> next;
  for (const auto& object : objects) {
    const std::string key = KeyOf(object);
    auto found = current.find(key);
    if (found != current.end() && found->second.rendered == object) {
      next.emplace(key, std::move(found->second));
      current.erase(found);
      continue;
    }
    const bool added = found == current.end();
    if (!added) current.erase(found);
    const uint64_t version = ++version_;
    next.emplace(key, Stored{object, version});
    Emit(resource, added ? "ADDED" : "MODIFIED", WithVersion(object, version), version);
  }
  // What is left in `current` has gone.
  for (auto& [key, stored] : current) {
    const uint64_t version = ++version_;
    Emit(resource, "DELETED", WithVersion(std::move(stored.rendered), version), version);
  }
  current = std::move(next);
}

std::vector<Json> ObjectCache::List(const std::string& resource, const std::string& ns) const {
  std::vector<Json> out;
  auto found = objects_.find(resource);
  if (found == objects_.end()) return out;
  for (const auto& [key, stored] : found->second) {
    if (!ns.empty() && key.compare(0, ns.size() + 1, ns + "/") != 0) continue;
    out.push_back(WithVersion(stored.rendered, stored.version));
  }
  return out;
}

std::optional<Json> ObjectCache::Get(const std::string& resource, const std::string& ns,
                                     const std::string& name) const {
  auto found = objects_.find(resource);
  if (found == objects_.end()) return std::nullopt;
  auto object = found->second.find(ns + "/" + name);
  if (object == found->second.end()) return std::nullopt;
  return WithVersion(object->second.rendered, object->second.version);
}

std::optional<std::vector<WatchEvent>> ObjectCache::EventsSince(const std::string& resource,
                                                                uint64_t since) const {
  if (since < forgotten_up_to_) return std::nullopt;
  std::vector<WatchEvent> out;
  for (const auto& event : history_)
    if (event.version > since && event.resource == resource) out.push_back(event);
  return out;
}

int ObjectCache::Subscribe(std::function<void(const WatchEvent&)> listener) {
  listeners_.emplace(next_listener_, std::move(listener));
  return next_listener_++;
}

void ObjectCache::Unsubscribe(int id) {
  listeners_.erase(id);
}

void ObjectCache::Emit(const std::string& resource, const std::string& type, Json object,
                       uint64_t version) {
  history_.push_back(WatchEvent{resource, type, std::move(object), version});
  while (history_.size() > history_limit_) {
    forgotten_up_to_ = history_.front().version;
    history_.pop_front();
  }
  // A listener may unsubscribe (itself or another) while being called: iterate over a copy.
  const auto listeners = listeners_;
  for (const auto& [id, listener] : listeners)
    if (listeners_.count(id) != 0) listener(history_.back());
}

}  // namespace tuneup::kubeapi
