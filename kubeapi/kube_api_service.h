// The slice of the Kubernetes API that clients use for Katib's resources, served by `tuneup
// serve --kube-listen`: `kubectl apply/get/describe/wait/delete` and Katib's Python SDK work
// against tuneup through an ordinary kubeconfig.
//
//   GET  /version, /api, /api/v1, /apis, /apis/kubeflow.org, /apis/kubeflow.org/v1beta1
//        (discovery: experiments with their status subresource, trials, suggestions)
//   GET  /openapi/v3[/apis/kubeflow.org/v1beta1] (what kubectl apply checks; kubeapi/openapi.h)
//   GET  /api/v1/namespaces[/NS], /api/v1[/namespaces/NS]/events (no events are kept: empty)
//   experiments: create (POST), get, list, watch, patch, update; status read through /status
//   (delete is refused with 405 until tuneup serve can stop and delete experiments)
//   trials, suggestions: get, list, watch (tuneup's controller makes them)
// Lists and watches take labelSelector, fieldSelector (metadata.name, metadata.namespace),
// resourceVersion and timeoutSeconds; `Accept: ...;as=Table` gets kubectl's table with Katib's
// printer columns. Errors are Kubernetes Status objects with the codes and reasons the API server
// uses (404 NotFound, 409 AlreadyExists, 422 Invalid, 410 Expired, ...).
//
// Experiment names are unique across namespaces in tuneup's store: creating "a" in namespace x
// while "a" exists in y is 409 AlreadyExists, saying so.
//
// Objects come from the store (kubeapi/katib_objects.h): the service re-reads it before answering
// when its view is older than 100 ms, and every 250 ms while a watch is open. Submissions go to
// the ExperimentHost on a worker thread, so that a slow one does not hold up the other requests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "db/store.h"
#include "net/http_server.h"
#include "rpc/experiment_host.h"

namespace boost::asio {
class io_context;
}

namespace tuneup::kubeapi {

class KubeApiService {
 public:
  // `store` is used only on `io`'s thread; `store` and `host` must outlive the service.
  KubeApiService(boost::asio::io_context& io, Store& store, ExperimentHost& host);
  ~KubeApiService();
  KubeApiService(const KubeApiService&) = delete;
  KubeApiService& operator=(const KubeApiService&) = delete;

  // Listens (see HttpServer::Start for the errors it throws). Call before running `io`.
  void Start(const HttpServerOptions& options);
  uint16_t port() const;
  // Ends every watch and stops listening; waits for submissions under way. On `io`'s thread.
  void Stop();

  struct Impl;

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup::kubeapi
