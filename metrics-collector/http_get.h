// One HTTP/1.1 GET of a small document, asynchronous on an io_context: what the Prometheus
// collector needs to scrape a trial's metrics endpoint, and no more (plain HTTP only: no TLS, no
// redirects, no connection reuse, no compression).
//
// The whole exchange (resolve, connect, send, receive) has one deadline, and the body one size
// limit; the result says which of these ended it, so that a caller can tell "nothing listens
// there yet" (refused) from a server that answers badly. Any complete response is kOk, whatever
// its status: judging the status is the caller's job.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <boost/asio/io_context.hpp>

namespace tuneup {

struct HttpGetRequest {
  std::string host = "127.0.0.1";  // a name or an address (IPv6 without brackets)
  uint16_t port = 80;
  std::string target = "/";  // the path and query, sent as given
  // Sent after Host, User-Agent, Accept and Connection, which they may replace. The caller
  // checks that names and values are valid (no CR or LF): they are sent as given.
  std::vector<std::pair<std::string, std::string>> headers;
  std::string accept = "*/*";
  std::chrono::milliseconds timeout{5000};
  size_t max_body_bytes = size_t{4} << 20;
};

struct HttpGetResult {
  enum class Outcome {
    kOk,            // a complete response: status, headers and body below
    kRefused,       // the connection was refused: nothing listens on that port (yet)
    kTimedOut,      // the deadline passed first
    kBodyTooLarge,  // the body is (or announced itself as) longer than max_body_bytes
    kFailed,        // anything else: see `error`
  };
  Outcome outcome = Outcome::kFailed;
  unsigned status = 0;
  std::string reason;            // the status line's text ("Not Found")
  std::string content_encoding;  // "" when the response has none
  std::string body;
  std::string error;  // what failed, for kFailed ("cannot resolve host: ...", "receive: ...")
};

class HttpGet {
 public:
  using Done = std::function<void(HttpGetResult result)>;

  // Starts the GET at once; `on_done` runs on `io` exactly once with the result, unless the
  // HttpGet is destroyed first. `on_done` may destroy this HttpGet.
  HttpGet(boost::asio::io_context& io, HttpGetRequest request, Done on_done);
  // Abandons an unfinished GET (its connection is closed); on_done does not run after this.
  ~HttpGet();
  HttpGet(const HttpGet&) = delete;
  HttpGet& operator=(const HttpGet&) = delete;

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace tuneup
