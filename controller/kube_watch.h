// A live copy of one Kubernetes collection (e.g. the Jobs of a namespace with a label), kept up
// to date with one watch: list, then watch from the list's resourceVersion; a watch that ends is
// resumed from the last resourceVersion seen, and one that is too old (410 Gone, as an HTTP
// status or as an ERROR event) is replaced by a fresh list, whose differences to the copy are
// reported as events. Failed lists are retried with backoff. Used from the client's event loop.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "api/experiment.h"  // Json
#include "controller/kube_client.h"

namespace tuneup {

struct KubeWatchOptions {
  // The server ends each watch after this long (it is then resumed).
  int watch_timeout_seconds = 300;
  // Delay before a failed list or watch is retried, doubling up to the maximum.
  std::chrono::milliseconds retry_initial{200};
  std::chrono::milliseconds retry_max{10'000};
};

class KubeWatch {
 public:
  struct Handlers {
    // `type` is "ADDED", "MODIFIED" or "DELETED"; `object` the new object (for DELETED the
    // last one known). Called for every change of the copy, including those a re-list finds.
    std::function<void(const std::string& type, const Json& object)> on_event;
    // After the first list and after every re-list has been applied to the copy.
    std::function<void()> on_synced;
    // A list or watch failed (it is retried). `status` is the HTTP status of a refused list (0
    // for other failures): 401, 403 and 404 will not go away by themselves.
    std::function<void(const std::string& message, int status)> on_error;
  };

  // `collection` is an API path such as "/apis/batch/v1/namespaces/ns/jobs"; `label_selector`
  // a Kubernetes label selector ("" = all). Nothing happens before Start.
  KubeWatch(KubeClient& client, std::string collection, std::string label_selector,
            Handlers handlers, KubeWatchOptions options = {});
  ~KubeWatch();
  KubeWatch(const KubeWatch&) = delete;
  KubeWatch& operator=(const KubeWatch&) = delete;

  void Start();
  // Ends the watch; no callback follows. Start may be called again (it lists afresh).
  void Stop();

  bool running() const;
  // True once the first list has been applied (since the last Start).
  bool synced() const;
  // The objects of the collection by metadata.name, as of the last event.
  const std::map<std::string, Json>& objects() const;

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup
