// A small HTTP/1.1 server (Boost.Beast) for tuneup's HTTP faces: the Kubernetes API slice of
// `tuneup serve` (kubeapi/) and, later, the dashboard.
//
// Plain HTTP or HTTPS (a certificate and key in PEM), keep-alive, request bodies up to a limit
// (413 beyond it), optional bearer tokens (401 without a valid one, before any handler runs), and
// responses that are either whole or streamed in chunks for as long as the handler likes (a
// Kubernetes watch). Everything runs on the io_context given to Start: handlers, the responder's
// calls and the close callbacks all happen on the thread(s) running it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace boost::asio {
class io_context;
}

namespace tuneup {

struct HttpRequest {
  std::string method;                          // "GET", "POST", ...
  std::string path;                            // percent-decoded, without the query
  std::map<std::string, std::string> query;    // decoded; a key given twice keeps the last value
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  // The header's value, or "" when absent (`name` in lower case).
  std::string Header(const std::string& name) const;
  // The query parameter's value, or `fallback`.
  std::string Query(const std::string& name, const std::string& fallback = "") const;
};

// How a handler answers. Either Reply once, or BeginStream, Send any number of chunks, End.
// Calls after the connection closed are ignored, so a streaming handler need not check first.
class HttpResponder {
 public:
  virtual ~HttpResponder() = default;
  virtual void Reply(int status, const std::string& content_type, std::string body) = 0;
  virtual void BeginStream(int status, const std::string& content_type) = 0;
  virtual void Send(std::string chunk) = 0;
  virtual void End() = 0;
  // True once the client went away (or the response ended).
  virtual bool closed() const = 0;
  // Called once when the client goes away while a stream is open (not after End).
  virtual void OnClose(std::function<void()> callback) = 0;
};

using HttpHandler =
    std::function<void(const HttpRequest& request, std::shared_ptr<HttpResponder> responder)>;

struct HttpServerOptions {
  std::string address = "127.0.0.1:0";  // host:port; port 0 = any free one
  // HTTPS with this certificate (chain) and key, PEM; plain HTTP when both are empty.
  std::string cert_pem;
  std::string key_pem;
  // When not empty, every request must carry "Authorization: Bearer <one of these>".
  std::vector<std::string> tokens;
  size_t max_body_bytes = size_t{4} << 20;
  // The body of a 401 answer (JSON), e.g. a Kubernetes Status.
  std::string unauthorized_body = R"({"message":"Unauthorized"})";
};

class HttpServer {
 public:
  // Listens and starts accepting on `io`. Throws Error(kInvalidArgument) for a bad address,
  // certificate or key, naming it; kUnavailable when the address cannot be bound.
  static std::unique_ptr<HttpServer> Start(boost::asio::io_context& io,
                                           const HttpServerOptions& options, HttpHandler handler);
  virtual ~HttpServer() = default;
  virtual uint16_t port() const = 0;
  virtual bool https() const = 0;
  // Stops accepting and closes every open connection (call on the io_context's thread).
  virtual void Stop() = 0;
};

}  // namespace tuneup
