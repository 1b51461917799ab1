#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "kubeapi/kube_api_service.h"

#include <chrono>
#include <list>
#include <random>
#include <set>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include "api/defaults.h"
#include "api/experiment_diff.h"
#include "api/manifest.h"
#include "common/error.h"
#include "common/text.h"
#include "kubeapi/discovery.h"
#include "kubeapi/katib_objects.h"
#include "kubeapi/kube_status.h"
#include "kubeapi/kube_table.h"
#include "kubeapi/object_cache.h"
#include "kubeapi/openapi.h"
#include "kubeapi/selectors.h"

namespace tuneup::kubeapi {

namespace asio = boost::asio;
using std::chrono::steady_clock;

namespace {

constexpr auto kFreshEnough = std::chrono::milliseconds(100);
constexpr auto kWatchRefresh = std::chrono::milliseconds(250);
constexpr const char* kJson = "application/json";

// Path segments: "/apis/kubeflow.org/v1beta1/namespaces/x" -> {apis, kubeflow.org, v1beta1, ...}.
std::vector<std::string> Segments(const std::string& path) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < path.size()) {
    size_t slash = path.find('/', start);
    if (slash == std::string::npos) slash = path.size();
    if (slash > start) out.push_back(path.substr(start, slash - start));
    start = slash + 1;
  }
  return out;
}

bool IsKnownResource(const std::string& resource) {
  return resource == "experiments" || resource == "trials" || resource == "suggestions";
}

// "experiments" -> "Experiment".
std::string KindOf(const std::string& resource) {
  if (resource == "experiments") return "Experiment";
  if (resource == "trials") return "Trial";
  return "Suggestion";
}

bool WantsTable(const HttpRequest& request) {
  return request.Header("accept").find("as=Table") != std::string::npos;
}

bool IsWatch(const HttpRequest& request) {
  const std::string watch = request.Query("watch");
  return watch == "true" || watch == "1";
}

// A name for metadata.generateName: the prefix and five random characters, as the API server.
std::string GeneratedName(const std::string& prefix) {
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  static thread_local std::mt19937 random{std::random_device{}()};
  std::string name = prefix;
  for (int i = 0; i < 5; ++i)
    name += kAlphabet[random() % (sizeof(kAlphabet) - 1)];
  return name;
}

// What clients may not set when they create an object: the server's part of metadata.
void DropServerFields(Json& object) {
  object.erase("status");
  Json& metadata = object["metadata"];
  for (const char* key : {"uid", "resourceVersion", "generation", "creationTimestamp",
                          "managedFields", "selfLink", "deletionTimestamp", "generateName"})
    metadata.erase(key);
}

}  // namespace

struct KubeApiService::Impl : std::enable_shared_from_this<KubeApiService::Impl> {
  Impl(asio::io_context& io_context, Store& store_ref, ExperimentHost& host_ref)
      : io(io_context),
        store(store_ref),
        host(host_ref),
        cache(static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count())),
        refresh_timer(io_context) {}

  // A watch being streamed.
  struct Watch {
    std::shared_ptr<HttpResponder> responder;
    int listener = -1;
    std::unique_ptr<asio::steady_timer> timeout;
    bool done = false;
  };

  asio::io_context& io;
  Store& store;
  ExperimentHost& host;
  ObjectCache cache;
  std::unique_ptr<HttpServer> server;
  asio::thread_pool workers{2};
  asio::steady_timer refresh_timer;
  steady_clock::time_point last_refresh{};
  std::list<std::shared_ptr<Watch>> watches;
  bool stopped = false;

  // Re-reads the store into the cache, unless it was read less than kFreshEnough ago (`force`:
  // read it now). Throws what the store throws.
  void Refresh(bool force) {
    const auto now = steady_clock::now();
    if (!force && now - last_refresh < kFreshEnough) return;
    std::vector<Json> experiments;
    std::vector<Json> trials;
    std::vector<Json> suggestions;
    for (const auto& record : store.ListExperiments()) {
      const std::vector<Trial> listed = store.ListTrials(record.experiment.metadata.name);
      experiments.push_back(ExperimentObject(record, listed));
      suggestions.push_back(SuggestionObject(record, listed));
      for (Json& trial : TrialObjects(record, listed))
        trials.push_back(std::move(trial));
    }
    cache.Sync("experiments", experiments);
    cache.Sync("trials", trials);
    cache.Sync("suggestions", suggestions);
    last_refresh = steady_clock::now();
  }

  // While watches are open, the store is read every kWatchRefresh so that they see changes.
  void ScheduleRefresh() {
    refresh_timer.expires_after(kWatchRefresh);
    refresh_timer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || self->stopped) return;
      try {
        if (!self->watches.empty()) self->Refresh(/*force=*/true);
      } catch (const Error&) {
        // The store is unavailable for now: the watches see the change on a later tick.
      }
      self->ScheduleRefresh();
    });
  }

  void Handle(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder) {
    const std::vector<std::string> parts = Segments(request.path);
    const std::string& method = request.method;
    const bool read = method == "GET" || method == "HEAD";
    auto reply = [&](int status, const Json& body) {
      responder->Reply(status, kJson, body.dump());
    };
    try {
      if (request.path == "/version" && read) return reply(200, VersionInfo());
      if (request.path == "/openapi/v3" && read) return reply(200, OpenApiV3Root());
      if (request.path == "/openapi/v3/apis/kubeflow.org/v1beta1" && read) {
        return reply(200, OpenApiV3KatibGroup());
      }
      if (parts.size() == 1 && parts[0] == "api" && read) {
        return reply(200, CoreApiVersions(request.Header("host")));
      }
      if (parts.size() == 2 && parts[0] == "api" && parts[1] == "v1" && read) {
        return reply(200, CoreResourceList());
      }
      if (parts.size() == 1 && parts[0] == "apis" && read) return reply(200, ApiGroupList());
      if (parts.size() == 2 && parts[0] == "apis" && parts[1] == kGroup && read) {
        return reply(200, KatibApiGroup());
      }
      if (parts.size() == 3 && parts[0] == "apis" && parts[1] == kGroup && parts[2] == kVersion &&
          read) {
        return reply(200, KatibResourceList());
      }
      if (parts.size() >= 2 && parts[0] == "api" && parts[1] == "v1") {
        return HandleCore(request, responder, parts);
      }
      if (parts.size() >= 4 && parts[0] == "apis" && parts[1] == kGroup && parts[2] == kVersion) {
        // /apis/kubeflow.org/v1beta1/RESOURCE or .../namespaces/NS/RESOURCE[/NAME[/status]]
        std::string ns;
        size_t at = 3;
        if (parts[3] == "namespaces" && parts.size() >= 6) {
          ns = parts[4];
          at = 5;
        }
        const std::string& resource = parts[at];
        if (!IsKnownResource(resource)) {
          return reply(404, NotFoundPath());
        }
        const std::string name = parts.size() > at + 1 ? parts[at + 1] : "";
        const std::string sub = parts.size() > at + 2 ? parts[at + 2] : "";
        if (parts.size() > at + 3 || (!sub.empty() && sub != "status")) {
          return reply(404, NotFoundPath());
        }
        return HandleResource(request, responder, resource, ns, name, !sub.empty());
      }
      return reply(404, NotFoundPath());
    } catch (const Error& e) {
      reply(StatusCodeFor(e.code()), StatusFromError(e));
    }
  }

  // /api/v1/...: namespaces and (always empty) events, which kubectl describe asks for.
  void HandleCore(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
                  const std::vector<std::string>& parts) {
    const bool read = request.method == "GET" || request.method == "HEAD";
    const bool events = parts.back() == "events" &&
                        (parts.size() == 3 || (parts.size() == 5 && parts[2] == "namespaces"));
    if (events && read) {
      if (IsWatch(request)) {
        // Nothing will come; the stream stays open until the client or its timeout ends it.
        responder->BeginStream(200, kJson);
        return StartTimeout(request, responder, nullptr);
      }
      return responder->Reply(
          200, kJson,
          Json{{"kind", "EventList"},
               {"apiVersion", "v1"},
               {"metadata", {{"resourceVersion", std::to_string(cache.version())}}},
               {"items", Json::array()}}
              .dump());
    }
    if (parts.size() >= 3 && parts[2] == "namespaces" && read && parts.size() <= 4) {
      Refresh(false);
      std::set<std::string> names = {"default"};
      for (const auto& object : cache.List("experiments", ""))
        names.insert(object["metadata"].value("namespace", "default"));
      if (parts.size() == 4) {
        // Every namespace exists here: experiments may be created in any of them.
        return responder->Reply(200, kJson, NamespaceObject(parts[3]).dump());
      }
      Json items = Json::array();
      for (const auto& name : names)
        items.push_back(NamespaceObject(name));
      return responder->Reply(
          200, kJson,
          Json{{"kind", "NamespaceList"},
               {"apiVersion", "v1"},
               {"metadata", {{"resourceVersion", std::to_string(cache.version())}}},
               {"items", items}}
              .dump());
    }
    if (!read) {
      return responder->Reply(405, kJson,
                              MethodNotAllowed("tuneup serves only namespaces and events of the "
                                               "core API, read-only")
                                  .dump());
    }
    responder->Reply(404, kJson, NotFoundPath().dump());
  }

  void HandleResource(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
                      const std::string& resource, const std::string& ns, const std::string& name,
                      bool status_subresource) {
    const std::string& method = request.method;
    if (method == "GET" || method == "HEAD") {
      if (name.empty()) return ListOrWatch(request, responder, resource, ns);
      Refresh(false);
      std::optional<Json> object = cache.Get(resource, ns.empty() ? "default" : ns, name);
      if (!object) return responder->Reply(404, kJson, NotFound(resource, name).dump());
      if (WantsTable(request) && !status_subresource) {
        return responder->Reply(200, kJson, TableOf(resource, {*object}, cache.version()).dump());
      }
      return responder->Reply(200, kJson, object->dump());
    }
    if (resource != "experiments") {
      return responder->Reply(
          405, kJson,
          MethodNotAllowed(resource + " are read-only here: tuneup's controller makes them")
              .dump());
    }
    if (status_subresource) {
      return responder->Reply(
          405, kJson,
          MethodNotAllowed("an experiment's status is written by tuneup, not by clients").dump());
    }
    if (ns.empty()) {
      return responder->Reply(404, kJson,
                              NotFoundPath().dump());  // writes go to a namespace, as in Kubernetes
    }
    if (method == "POST" && name.empty()) return Create(request, responder, ns);
    if (method == "DELETE" && !name.empty()) {
      Refresh(false);
      if (!cache.Get("experiments", ns, name)) {
        return responder->Reply(404, kJson, NotFound("experiments", name).dump());
      }
      return responder->Reply(
          405, kJson,
          MethodNotAllowed("tuneup serve does not delete experiments yet: experiment \"" + name +
                           "\" is left as it is")
              .dump());
    }
    if ((method == "PATCH" || method == "PUT") && !name.empty()) {
      return Update(request, responder, ns, name);
    }
    responder->Reply(405, kJson,
                     MethodNotAllowed(method + " is not supported on " + request.path).dump());
  }

  void ListOrWatch(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
                   const std::string& resource, const std::string& ns) {
    const LabelSelector labels = LabelSelector::Parse(request.Query("labelSelector"));
    const FieldSelector fields = FieldSelector::Parse(request.Query("fieldSelector"));
    Refresh(false);
    if (IsWatch(request)) return StartWatch(request, responder, resource, ns, labels, fields);
    std::vector<Json> items;
    for (auto& object : cache.List(resource, ns))
      if (labels.Matches(object) && fields.Matches(object)) items.push_back(std::move(object));
    if (WantsTable(request)) {
      return responder->Reply(200, kJson, TableOf(resource, items, cache.version()).dump());
    }
    Json list = {{"apiVersion", kGroupVersion},
                 {"kind", KindOf(resource) + "List"},
                 {"metadata", {{"resourceVersion", std::to_string(cache.version())}}},
                 {"items", items}};
    responder->Reply(200, kJson, list.dump());
  }

  void StartWatch(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
                  const std::string& resource, const std::string& ns, const LabelSelector& labels,
                  const FieldSelector& fields) {
    const std::string from = request.Query("resourceVersion");
    std::optional<std::vector<WatchEvent>> backlog;
    if (!from.empty() && from != "0") {
      const std::optional<int64_t> since = ParseInt64(from);
      if (!since || *since < 0) {
        return responder->Reply(
            400, kJson,
            BadRequest("resourceVersion: \"" + from + "\" is not a resource version").dump());
      }
      backlog = cache.EventsSince(resource, static_cast<uint64_t>(*since));
      if (!backlog) {
        responder->BeginStream(200, kJson);
        responder->Send(Json{{"type", "ERROR"},
                             {"object", Expired("too old resource version: " + from + " (" +
                                                std::to_string(cache.version()) + ")")}}
                            .dump() +
                        "\n");
        return responder->End();
      }
    }
    responder->BeginStream(200, kJson);
    const bool table = WantsTable(request);
    auto matches = [ns, labels, fields](const Json& object) {
      return (ns.empty() || object["metadata"].value("namespace", "") == ns) &&
             labels.Matches(object) && fields.Matches(object);
    };
    // Column definitions go with the first table of the stream only, as from the API server.
    auto first = std::make_shared<bool>(true);
    auto send = [responder, resource, table, first](const std::string& type, const Json& object) {
      Json shown = object;
      if (table) {
        shown = TableOf(resource, {object}, 0, /*with_columns=*/*first);
        shown["metadata"]["resourceVersion"] = object["metadata"].value("resourceVersion", "");
      }
      *first = false;
      responder->Send(Json{{"type", type}, {"object", shown}}.dump() + "\n");
    };
    if (backlog) {
      for (const auto& event : *backlog)
        if (matches(event.object)) send(event.type, event.object);
    } else {
      // Without a version the watch starts with every object, as ADDED events.
      for (const auto& object : cache.List(resource, ns))
        if (matches(object)) send("ADDED", object);
    }
    auto watch = std::make_shared<Watch>();
    watch->responder = responder;
    watch->listener = cache.Subscribe([resource, matches, send](const WatchEvent& event) {
      if (event.resource == resource && matches(event.object)) send(event.type, event.object);
    });
    watches.push_back(watch);
    StartTimeout(request, responder, watch);
    responder->OnClose([weak = weak_from_this(), watch] {
      if (auto self = weak.lock()) self->EndWatch(watch);
    });
  }

  // ?timeoutSeconds=N ends the stream after N seconds, as the API server does.
  void StartTimeout(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
                    const std::shared_ptr<Watch>& watch) {
    const std::optional<int64_t> seconds = ParseInt64(request.Query("timeoutSeconds", "0"));
    if (!seconds || *seconds <= 0) return;
    auto timer = std::make_shared<asio::steady_timer>(io, std::chrono::seconds(*seconds));
    timer->async_wait(
        [weak = weak_from_this(), responder, watch, timer](const boost::system::error_code& ec) {
          if (ec) return;
          auto self = weak.lock();
          if (self && watch) self->EndWatch(watch);
          responder->End();
        });
  }

  void EndWatch(const std::shared_ptr<Watch>& watch) {
    if (std::exchange(watch->done, true)) return;
    cache.Unsubscribe(watch->listener);
    watches.remove(watch);
  }

  void Create(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
              const std::string& ns) {
    Json object;
    try {
      object = Json::parse(request.body);
    } catch (const Json::exception& e) {
      return responder->Reply(
          400, kJson, BadRequest(std::string("the request body is not JSON: ") + e.what()).dump());
    }
    if (!object.is_object() || !object.value("metadata", Json::object()).is_object()) {
      return responder->Reply(400, kJson,
                              BadRequest("the request body is not an Experiment object").dump());
    }
    if (object.value("apiVersion", "") != kGroupVersion ||
        object.value("kind", "") != "Experiment") {
      return responder->Reply(
          400, kJson,
          BadRequest("expected apiVersion " + std::string(kGroupVersion) +
                     " and kind Experiment, got apiVersion \"" + object.value("apiVersion", "") +
                     "\" and kind \"" + object.value("kind", "") + "\"")
              .dump());
    }
    if (!request.Query("dryRun").empty()) {
      return responder->Reply(400, kJson,
                              BadRequest("dryRun: tuneup does not support dry runs; "
                                         "`tuneup validate FILE` checks a manifest")
                                  .dump());
    }
    if (!object.contains("metadata")) object["metadata"] = Json::object();
    Json& metadata = object["metadata"];
    const std::string given_ns = metadata.value("namespace", "");
    if (!given_ns.empty() && given_ns != ns) {
      return responder->Reply(400, kJson,
                              BadRequest("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
                                  .dump());
    }
    metadata["namespace"] = ns;
    std::string name = metadata.value("name", "");
    if (name.empty() && !metadata.value("generateName", "").empty()) {
      name = GeneratedName(metadata.value("generateName", ""));
      metadata["name"] = name;
    }
    if (name.empty()) {
      return responder->Reply(422, kJson,
                              Invalid("experiments", name,
                                      "metadata.name: Required value: name or generateName is "
                                      "required")
                                  .dump());
    }
    DropServerFields(object);
    if (std::optional<ExperimentRecord> stored = store.GetExperiment(name)) {
      const std::string stored_ns = NamespaceOf(stored->experiment);
      return responder->Reply(
          409, kJson,
          AlreadyExists("experiments", name,
                        stored_ns == ns ? ""
                                        : " (in namespace " + stored_ns +
                                              ": tuneup keeps experiment names unique across "
                                              "namespaces)")
              .dump());
    }
    OffLoop(
        responder, [this, manifest = object.dump()] { host.Submit(manifest); },
        [this, responder, ns, name] {
          Refresh(true);
          std::optional<Json> created = cache.Get("experiments", ns, name);
          if (!created) {
            return responder->Reply(500, kJson,
                                    InternalError("the experiment was stored but cannot be read "
                                                  "back")
                                        .dump());
          }
          responder->Reply(201, kJson, created->dump());
        },
        name);
  }

  // PATCH (JSON merge patch or JSON patch) and PUT: labels and annotations may change; the spec
  // of a submitted experiment may not.
  void Update(const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder,
              const std::string& ns, const std::string& name) {
    Refresh(false);
    std::optional<Json> current = cache.Get("experiments", ns, name);
    if (!current) return responder->Reply(404, kJson, NotFound("experiments", name).dump());
    Json updated;
    try {
      Json body = Json::parse(request.body);
      const std::string type = request.Header("content-type");
      if (request.method == "PUT") {
        updated = std::move(body);
      } else if (type.rfind("application/merge-patch+json", 0) == 0) {
        updated = *current;
        updated.merge_patch(body);
      } else if (type.rfind("application/json-patch+json", 0) == 0) {
        updated = current->patch(body);
      } else {
        return responder->Reply(
            415, kJson,
            UnsupportedMediaType("the body of the request was in an unknown format - accepted "
                                 "media types include: application/json-patch+json, "
                                 "application/merge-patch+json")
                .dump());
      }
    } catch (const Json::exception& e) {
      return responder->Reply(
          400, kJson, BadRequest(std::string("the patch cannot be applied: ") + e.what()).dump());
    }
    if (!updated.is_object() || !updated.value("metadata", Json::object()).is_object()) {
      return responder->Reply(400, kJson, BadRequest("the result is not an object").dump());
    }
    if (!updated.contains("metadata")) updated["metadata"] = Json::object();
    const Json& metadata = updated["metadata"];
    const std::string version = metadata.value("resourceVersion", "");
    if (request.method == "PUT" && !version.empty() &&
        version != current->at("metadata").value("resourceVersion", "")) {
      return responder->Reply(
          409, kJson,
          Conflict("experiments", name,
                   "Operation cannot be fulfilled on experiments.kubeflow.org \"" + name +
                       "\": the object has been modified; please apply your changes to the "
                       "latest version and try again")
              .dump());
    }
    if (metadata.value("name", name) != name || metadata.value("namespace", ns) != ns) {
      return responder->Reply(
          400, kJson, BadRequest("metadata.name and metadata.namespace cannot change").dump());
    }
    std::optional<ExperimentRecord> record = store.GetExperiment(name);
    if (!record) return responder->Reply(404, kJson, NotFound("experiments", name).dump());
    // The spec is compared as Katib's webhook would see it: read and defaulted, so that a patch
    // which only restates the manifest (kubectl apply sends whole lists) changes nothing.
    Json manifest = updated;
    manifest.erase("status");
    std::vector<LoadedExperiment> loaded = LoadManifestText(manifest.dump(), "the patched object");
    if (loaded.size() != 1 || !loaded[0].errors.empty()) {
      return responder->Reply(
          422, kJson,
          Invalid("experiments", name,
                  loaded.size() == 1 ? JoinFieldErrors(loaded[0].errors) : "not one Experiment")
              .dump());
    }
    ApplyKatibDefaults(loaded[0].experiment);
    std::string changed;
    for (const auto& line : DiffExperiments(record->experiment, loaded[0].experiment)) {
      if (line.rfind("metadata", 0) == 0) continue;
      changed += (changed.empty() ? "" : "; ") + line;
    }
    if (!changed.empty()) {
      return responder->Reply(
          422, kJson,
          Invalid("experiments", name,
                  "spec: Forbidden: tuneup cannot change the spec of a submitted experiment "
                  "(Katib allows only spec.parallelTrialCount, spec.maxTrialCount and "
                  "spec.maxFailedTrialCount to change); delete it and create it again. "
                  "Changed: " +
                      changed)
              .dump());
    }
    auto string_map = [&](const char* key, std::map<std::string, std::string>& out) {
      const Json& map =
          metadata.contains(key) && !metadata[key].is_null() ? metadata[key] : Json::object();
      if (!map.is_object())
        throw Error(ErrorCode::kInvalidArgument,
                    std::string("metadata.") + key + ": must be a map of strings");
      out.clear();
      for (const auto& [k, v] : map.items()) {
        if (!v.is_string()) {
          throw Error(ErrorCode::kInvalidArgument,
                      std::string("metadata.") + key + "." + k + ": must be a string");
        }
        out[k] = v.get<std::string>();
      }
    };
    try {
      string_map("labels", record->experiment.metadata.labels);
      string_map("annotations", record->experiment.metadata.annotations);
    } catch (const Error& e) {
      return responder->Reply(422, kJson, Invalid("experiments", name, e.what()).dump());
    }
    store.UpdateExperimentSpec(record->experiment);
    Refresh(true);
    responder->Reply(200, kJson, cache.Get("experiments", ns, name).value_or(*current).dump());
  }

  // Runs `work` on a worker thread (it may block: the host answers from its own loop), then
  // `then` back on this thread; a thrown Error becomes the matching Status.
  template <class Work, class Then>
  void OffLoop(const std::shared_ptr<HttpResponder>& responder, Work work, Then then,
               const std::string& name) {
    asio::post(workers, [self = shared_from_this(), responder, work, then, name] {
      std::optional<Error> failed;
      try {
        work();
      } catch (const Error& e) {
        failed = e;
      } catch (const std::exception& e) {
        failed = Error(ErrorCode::kInternal, e.what());
      }
      asio::post(self->io, [self, responder, then, failed, name] {
        if (!failed) {
          try {
            return then();
          } catch (const Error& e) {
            return responder->Reply(StatusCodeFor(e.code()), kJson, StatusFromError(e).dump());
          }
        }
        if (failed->code() == ErrorCode::kInvalidArgument ||
            failed->code() == ErrorCode::kFailedPrecondition) {
          return responder->Reply(422, kJson, Invalid("experiments", name, failed->what()).dump());
        }
        responder->Reply(StatusCodeFor(failed->code()), kJson, StatusFromError(*failed).dump());
      });
    });
  }
};

KubeApiService::KubeApiService(asio::io_context& io, Store& store, ExperimentHost& host)
    : impl_(std::make_shared<Impl>(io, store, host)) {}

KubeApiService::~KubeApiService() {
  if (!impl_->stopped) Stop();
}

void KubeApiService::Start(const HttpServerOptions& options) {
  HttpServerOptions with_status = options;
  with_status.unauthorized_body = Unauthorized().dump();
  std::weak_ptr<Impl> weak = impl_;
  impl_->server = HttpServer::Start(
      impl_->io, with_status,
      [weak](const HttpRequest& request, const std::shared_ptr<HttpResponder>& responder) {
        if (auto impl = weak.lock()) impl->Handle(request, responder);
      });
  impl_->ScheduleRefresh();
}

uint16_t KubeApiService::port() const {
  return impl_->server ? impl_->server->port() : 0;
}

void KubeApiService::Stop() {
  impl_->stopped = true;
  impl_->refresh_timer.cancel();
  for (const auto& watch : std::list<std::shared_ptr<Impl::Watch>>(impl_->watches)) {
    watch->responder->End();
    impl_->EndWatch(watch);
  }
  if (impl_->server) impl_->server->Stop();
  impl_->workers.join();
}

}  // namespace tuneup::kubeapi
