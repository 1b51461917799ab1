// A small asynchronous client of the Kubernetes API, on the caller's event loop.
//
// Every request is one HTTP/1.1 exchange on a connection of its own (https through OpenSSL, with
// the server's certificate checked against the configured CA and host name unless
// insecure-skip-tls-verify; or plain http), authenticated by a bearer token or a client
// certificate (controller/kube_config.h). Calls never block: results arrive as callbacks on the
// io_context given to the constructor, from which the client must be used. Beast and OpenSSL stay
// inside kube_client.cc.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "api/experiment.h"  // Json
#include "controller/kube_config.h"

namespace boost::asio {
class io_context;
}

namespace tuneup {

// What one request ended with.
struct KubeResponse {
  int status = 0;     // the HTTP status; 0 when no response arrived (see error)
  std::string body;   // the response body (for errors: a Status object, usually)
  std::string error;  // a transport error ("connection refused", "timed out"), else ""
  std::string what;   // "POST /apis/batch/v1/namespaces/ns/jobs", for messages
  bool ok() const { return error.empty() && status >= 200 && status < 300; }
  // The body parsed as JSON (null when it is not JSON).
  Json json() const;
  // One line for people: what was asked, the status and the server's own message, e.g.
  // "POST /apis/...: 403 Forbidden: jobs.batch is forbidden: User \"x\" cannot create ...".
  std::string Describe() const;
};

struct KubeClientOptions {
  // A request without a complete answer after this is abandoned (error "timed out").
  std::chrono::milliseconds request_timeout{30'000};
  // A stream (watch, log) that delivers nothing for this long is closed (error "idle").
  std::chrono::milliseconds stream_idle_timeout{300'000};
  // Requests that fail with a transport error, 429 or 5xx are retried with exponential backoff
  // from retry_initial up to retry_max between attempts, for at most retry_budget in all.
  std::chrono::milliseconds retry_initial{250};
  std::chrono::milliseconds retry_max{5'000};
  std::chrono::milliseconds retry_budget{60'000};
};

// A running stream; Cancel() ends it without any further callback. Dropping the handle does not
// cancel the stream.
class KubeStream {
 public:
  virtual ~KubeStream() = default;
  virtual void Cancel() = 0;
};

class KubeClient {
 public:
  // Throws Error(kInvalidArgument) when the TLS material of `config` cannot be used (a CA or
  // client certificate or key that OpenSSL rejects), naming it.
  KubeClient(boost::asio::io_context& io, KubeConfig config, KubeClientOptions options = {});
  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  const KubeConfig& config() const;
  boost::asio::io_context& io();

  using Callback = std::function<void(const KubeResponse& response)>;

  // METHOD `path` (absolute API path with query, e.g. "/api/v1/namespaces/ns/pods?x=y") with an
  // optional JSON body (for PATCH, a JSON merge patch); `done` gets the final response after
  // retries (see KubeClientOptions).
  // 4xx answers other than 429 are final at once.
  void Request(const std::string& method, const std::string& path, const std::string& body,
               Callback done);

  // GET `path` as a stream (a watch or a followed log): `on_data` gets the body's bytes as they
  // arrive, if the status is 2xx; then `on_end` once, with the status, the body of an error
  // answer, or a transport error (no retries: the caller decides how to resume).
  std::shared_ptr<KubeStream> Stream(const std::string& path,
                                     std::function<void(std::string_view bytes)> on_data,
                                     Callback on_end);

  // Drops every request and stream in flight without calling back (for shutdown).
  void CancelAll();

 private:
  struct Impl;
  std::shared_ptr<Impl> impl_;
};

// Percent-encodes `text` for a URL query value.
std::string UrlEncode(std::string_view text);

}  // namespace tuneup
