// A stand-in for a Kubernetes API server, for testing the Kubernetes executor without a cluster.
//
// It listens on 127.0.0.1 (plain HTTP, or HTTPS with a certificate the test makes), checks the
// bearer token when one is configured, records every request, and implements the subset tuneup
// calls, with resourceVersions as a real server has them:
//   POST/GET/DELETE  /apis/batch/v1/namespaces/NS/jobs[/NAME]     (DELETE removes the Job's pods)
//   GET /apis/batch/v1/namespaces/NS/jobs?labelSelector=..[&watch=true&resourceVersion=] GET
//   /api/v1/namespaces/NS/pods?... (list and watch, likewise) GET
//   /api/v1/namespaces/NS/pods/NAME/log?container=C[&follow=true] GET
//   /apis/scheduling.k8s.io/v1/priorityclasses/NAME
// Watches stream newline-delimited JSON events (chunked); a watch from a resourceVersion older
// than the retained history gets an ERROR event with a 410 Status, as from a real server.
// As the Job controller does, each created Job gets a pod (Pending) with the pod template's
// labels, job-name labels and an ownerReference. The test then drives the pod: Running, log
// output, exit, eviction, deletion. In kubelet mode the fake runs the pod's primary container
// command itself, as a local process (env and $(VAR) as the kubelet does, workingDir relative to
// a root directory), serves its stdout+stderr as the pod log and ends the pod with its exit code.
//
// Everything runs on the io_context given to the constructor; the test calls the control methods
// from the thread that runs it (or while it is not running).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace boost::asio {
class io_context;
}

namespace tuneup::testing {

using Json = nlohmann::json;

struct FakeKubeOptions {
  // HTTPS with this certificate and key (PEM); plain HTTP when empty.
  std::string cert_pem;
  std::string key_pem;
  // With HTTPS: require a client certificate signed by this CA (PEM; "" = none asked for).
  std::string client_ca_pem;
  // Requests without "Authorization: Bearer <token>" are refused with 401 ("" = no check).
  std::string token;
  // Create a pod for every new Job (as the Job controller does).
  bool create_pods = true;
  // Run each pod's container as a local process (see above), from this directory.
  bool kubelet = false;
  std::string kubelet_root;
};

struct RecordedRequest {
  std::string method;
  std::string path;                          // without the query
  std::map<std::string, std::string> query;  // decoded
  std::string body;
  std::string authorization;  // the Authorization header as sent
};

// A self-signed certificate for 127.0.0.1 (subjectAltName IP) and its key, PEM.
struct TestCertificate {
  std::string cert_pem;
  std::string key_pem;
};
TestCertificate MakeTestCertificate(const std::string& common_name = "127.0.0.1");

class FakeKubeApi {
 public:
  FakeKubeApi(boost::asio::io_context& io, FakeKubeOptions options = {});
  ~FakeKubeApi();
  FakeKubeApi(const FakeKubeApi&) = delete;
  FakeKubeApi& operator=(const FakeKubeApi&) = delete;

  uint16_t port() const;
  // "http://127.0.0.1:PORT" or "https://...".
  std::string url() const;

  // Every request so far, in order of arrival.
  const std::vector<RecordedRequest>& requests() const;
  // Those with this method whose path ends with `suffix`.
  std::vector<RecordedRequest> RequestsTo(const std::string& method,
                                          const std::string& suffix) const;

  std::optional<Json> job(const std::string& ns, const std::string& name) const;
  std::optional<Json> pod(const std::string& ns, const std::string& name) const;
  // Names of the pods of Job `job`, oldest first.
  std::vector<std::string> PodsOf(const std::string& ns, const std::string& job) const;
  size_t job_count() const;

  // Katib's Experiment resource, as `kubectl apply` and `kubectl delete` would change it. A new
  // experiment must have metadata.name/namespace; it gets a uid and no status.
  Json AddExperiment(Json experiment);
  std::optional<Json> experiment(const std::string& ns, const std::string& name) const;
  void DeleteExperiment(const std::string& ns, const std::string& name);

  // The test's hand on the cluster. Each change bumps resourceVersions and notifies watches.
  // A Job created directly (as by another client): `job` must have metadata.name/namespace.
  Json AddJob(Json job);
  // Another pod for `job` (as the Job controller makes after a failure); returns its name.
  std::string AddPod(const std::string& ns, const std::string& job);
  void SetPodRunning(const std::string& ns, const std::string& pod);
  void AppendLog(const std::string& ns, const std::string& pod, const std::string& text);
  // The container ends with `exit_code`; the pod Succeeds (0) or Fails, and the Job with it.
  void FinishPod(const std::string& ns, const std::string& pod, int exit_code);
  // Condition DisruptionTarget=True with `reason`, then the pod Failed (exit 137).
  void DisruptPod(const std::string& ns, const std::string& pod, const std::string& reason);
  // status.reason Evicted, phase Failed (kubelet node-pressure eviction, as in older clusters).
  void EvictPodByKubelet(const std::string& ns, const std::string& pod);
  void DeletePod(const std::string& ns, const std::string& pod);
  void DeleteJob(const std::string& ns, const std::string& name);
  // Cuts the connections that follow the pod's log, without ending the chunked body (as a broken
  // network would).
  void BreakLogStreams(const std::string& ns, const std::string& pod);
  void AddPriorityClass(const std::string& name);
  // The next `count` requests with `method` whose path ends with `suffix` are answered with
  // `status` (and a Status body) instead.
  void FailNext(const std::string& method, const std::string& suffix, int status, int count = 1);
  // Forgets the event history: every watch resumed from an older resourceVersion gets 410 Gone;
  // open watches are closed.
  void CompactHistory();
  // Number of open watch streams.
  size_t open_watches() const;

  struct Impl;  // public only for the connection classes in the .cc file

 private:
  std::shared_ptr<Impl> impl_;
};

}  // namespace tuneup::testing
