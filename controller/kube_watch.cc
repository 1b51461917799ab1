#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/kube_watch.h"

#include <algorithm>
#include <vector>

#include <boost/asio/steady_timer.hpp>

namespace tuneup {

namespace asio = boost::asio;

namespace {

std::string NameOf(const Json& object) {
  const Json* metadata =
      object.is_object() && object.contains("metadata") ? &object["metadata"] : nullptr;
  if (metadata == nullptr || !metadata->contains("name") || !(*metadata)["name"].is_string())
    return "";
  return (*metadata)["name"].get<std::string>();
}

std::string VersionOf(const Json& object) {
  if (!object.is_object() || !object.contains("metadata")) return "";
  const Json& metadata = object["metadata"];
  auto it = metadata.find("resourceVersion");
  return it != metadata.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

struct KubeWatch::Impl : std::enable_shared_from_this<KubeWatch::Impl> {
  Impl(KubeClient& c, std::string coll, std::string selector, Handlers h, KubeWatchOptions o)
      : client(c),
        collection(std::move(coll)),
        label_selector(std::move(selector)),
        handlers(std::move(h)),
        options(o),
        timer(c.io()) {}

  KubeClient& client;
  std::string collection;
  std::string label_selector;
  Handlers handlers;
  KubeWatchOptions options;
  asio::steady_timer timer;
  std::map<std::string, Json> objects;
  std::string resource_version;
  std::shared_ptr<KubeStream> stream;
  std::string partial_line;
  bool running = false;
  bool synced = false;
  bool relisted = false;  // a 410 led to a fresh list and no event has arrived since
  uint64_t run = 0;       // bumped by Stop and Start: callbacks of an older run are dropped
  std::chrono::milliseconds delay{0};

  std::string Query(bool watch) const {
    std::string query = collection + "?";
    if (!label_selector.empty()) query += "labelSelector=" + UrlEncode(label_selector) + "&";
    if (watch) {
      query += "watch=true&allowWatchBookmarks=true&timeoutSeconds=" +
               std::to_string(options.watch_timeout_seconds) +
               "&resourceVersion=" + UrlEncode(resource_version);
    } else {
      query.pop_back();
    }
    return query;
  }

  void Emit(const std::string& type, const Json& object) {
    if (handlers.on_event) handlers.on_event(type, object);
  }

  void Fail(const std::string& message, int status = 0) {
    if (handlers.on_error) handlers.on_error(message, status);
  }

  // Runs `then` after the current backoff delay (which then grows).
  template <typename Then>
  void Later(Then then) {
    delay = delay.count() == 0 ? options.retry_initial : std::min(delay * 2, options.retry_max);
    timer.expires_after(delay);
    timer.async_wait([weak = weak_from_this(), this_run = run,
                      then = std::move(then)](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->run != this_run) return;
      then(*self);
    });
  }

  void List() {
    client.Request("GET", Query(false), "",
                   [weak = weak_from_this(), this_run = run](const KubeResponse& response) {
                     auto self = weak.lock();
                     if (!self || self->run != this_run) return;
                     self->OnList(response);
                   });
  }

  void OnList(const KubeResponse& response) {
    Json list = response.ok() ? response.json() : Json();
    if (!list.is_object() || !list.contains("items") || !list["items"].is_array()) {
      const uint64_t this_run = run;
      Fail("listing " + collection +
               " failed: " + (response.ok() ? "the answer is not a list" : response.Describe()),
           response.ok() ? 0 : response.status);
      if (run != this_run) return;  // stopped by the handler
      Later([](Impl& self) { self.List(); });
      return;
    }
    delay = std::chrono::milliseconds(0);
    resource_version = VersionOf(list);
    auto self = shared_from_this();
    const uint64_t this_run = run;
    std::map<std::string, Json> fresh;
    for (const Json& item : list["items"]) {
      std::string name = NameOf(item);
      if (!name.empty()) fresh[name] = item;
    }
    std::vector<Json> gone;
    for (const auto& [name, object] : objects) {
      if (!fresh.count(name)) gone.push_back(object);
    }
    std::map<std::string, Json> previous = std::move(objects);
    objects = fresh;
    for (const auto& [name, object] : fresh) {
      auto it = previous.find(name);
      if (it == previous.end()) {
        Emit("ADDED", object);
      } else if (VersionOf(it->second) != VersionOf(object)) {
        Emit("MODIFIED", object);
      }
      if (run != this_run) return;
    }
    for (const Json& object : gone) {
      Emit("DELETED", object);
      if (run != this_run) return;
    }
    synced = true;
    if (handlers.on_synced) handlers.on_synced();
    if (run != this_run) return;
    Watch();
  }

  void Watch() {
    partial_line.clear();
    const uint64_t this_run = run;
    stream = client.Stream(
        Query(true),
        [weak = weak_from_this(), this_run](std::string_view bytes) {
          auto self = weak.lock();
          if (!self || self->run != this_run) return;
          self->OnBytes(bytes);
        },
        [weak = weak_from_this(), this_run](const KubeResponse& response) {
          auto self = weak.lock();
          if (!self || self->run != this_run) return;
          self->OnWatchEnd(response);
        });
  }

  void OnBytes(std::string_view bytes) {
    partial_line.append(bytes);
    const uint64_t this_run = run;
    auto self = shared_from_this();
    size_t start = 0;
    for (size_t newline; (newline = partial_line.find('\n', start)) != std::string::npos;) {
      std::string line = partial_line.substr(start, newline - start);
      start = newline + 1;
      if (!line.empty()) OnEventLine(line);
      if (run != this_run) return;
    }
    partial_line.erase(0, start);
  }

  void OnEventLine(const std::string& line) {
    Json event = Json::parse(line, nullptr, /*allow_exceptions=*/false);
    if (!event.is_object() || !event.contains("type") || !event["type"].is_string()) {
      Fail("watch of " + collection + ": an event that is not JSON: " + line.substr(0, 200));
      return;
    }
    const std::string type = event["type"].get<std::string>();
    const Json object = event.value("object", Json::object());
    if (type == "ERROR") {
      const int code = object.value("code", 0);
      Fail("watch of " + collection + ": " + object.value("message", std::string("error")));
      Restart(code == 410);
      return;
    }
    if (std::string version = VersionOf(object); !version.empty()) resource_version = version;
    relisted = false;  // the watch works again
    if (type == "BOOKMARK") return;
    std::string name = NameOf(object);
    if (name.empty()) return;
    if (type == "DELETED") {
      objects.erase(name);
    } else {
      objects[name] = object;
    }
    Emit(type, object);
  }

  void OnWatchEnd(const KubeResponse& response) {
    stream.reset();
    if (response.status == 410) {
      Restart(true);
    } else if (response.ok() || response.error.rfind("idle", 0) == 0) {
      // The server ended the watch (timeoutSeconds) or it went quiet: resume where it was.
      delay = std::chrono::milliseconds(0);
      Watch();
    } else {
      Fail("watch of " + collection + " ended: " + response.Describe());
      Later([](Impl& self) { self.Watch(); });
    }
  }

  // Ends the current watch; a fresh list follows when `relist`, else a watch after a delay.
  void Restart(bool relist) {
    if (stream) stream->Cancel();
    stream.reset();
    ++run;  // drops whatever the cancelled stream still had queued
    if (relist && !relisted) {
      relisted = true;  // at once the first time; a server that keeps answering 410 waits
      List();
    } else if (relist) {
      Later([](Impl& self) { self.List(); });
    } else {
      Later([](Impl& self) { self.Watch(); });
    }
  }
};

KubeWatch::KubeWatch(KubeClient& client, std::string collection, std::string label_selector,
                     Handlers handlers, KubeWatchOptions options)
    : impl_(std::make_shared<Impl>(client, std::move(collection), std::move(label_selector),
                                   std::move(handlers), options)) {}

KubeWatch::~KubeWatch() {
  Stop();
}

void KubeWatch::Start() {
  if (impl_->running) return;
  impl_->running = true;
  impl_->synced = false;
  impl_->delay = std::chrono::milliseconds(0);
  ++impl_->run;
  impl_->List();
}

void KubeWatch::Stop() {
  if (!impl_->running) return;
  impl_->running = false;
  ++impl_->run;
  impl_->timer.cancel();
  if (impl_->stream) impl_->stream->Cancel();
  impl_->stream.reset();
}

bool KubeWatch::running() const {
  return impl_->running;
}

bool KubeWatch::synced() const {
  return impl_->synced;
}

const std::map<std::string, Json>& KubeWatch::objects() const {
  return impl_->objects;
}

}  // namespace tuneup
