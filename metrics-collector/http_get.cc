#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "metrics-collector/http_get.h"

#include <optional>
#include <string_view>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

namespace tuneup {

namespace {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
using ErrorCode = boost::system::error_code;

// Headers this large are not a metrics endpoint's.
constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

std::string HostHeader(const std::string& host, uint16_t port) {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

}  // namespace

struct HttpGet::State : std::enable_shared_from_this<State> {
  State(boost::asio::io_context& io, HttpGetRequest request, Done on_done)
      : resolver(io),
        socket(io),
        deadline(io),
        request(std::move(request)),
        on_done(std::move(on_done)) {}

  void Start() {
    deadline.expires_after(request.timeout);
    deadline.async_wait([weak = weak_from_this()](const ErrorCode& ec) {
      auto self = weak.lock();
      if (ec || !self || self->finished) return;
      self->timed_out = true;
      self->Abort();  // the pending operation ends with operation_aborted, reported as a timeout
    });
    resolver.async_resolve(request.host, std::to_string(request.port),
                           [self = shared_from_this()](
                               const ErrorCode& ec, const tcp::resolver::results_type& endpoints) {
                             self->OnResolved(ec, endpoints);
                           });
  }

  void OnResolved(const ErrorCode& ec, const tcp::resolver::results_type& endpoints) {
    if (finished) return;  // abandoned by the destructor
    if (ec) return Fail("cannot resolve " + request.host + ": " + ec.message());
    boost::asio::async_connect(
        socket, endpoints,
        [self = shared_from_this()](const ErrorCode& ec, const auto&) { self->OnConnected(ec); });
  }

  void OnConnected(const ErrorCode& ec) {
    if (finished) return;  // abandoned by the destructor
    if (ec == boost::asio::error::connection_refused && !timed_out) {
      HttpGetResult result;
      result.outcome = HttpGetResult::Outcome::kRefused;
      result.error = "connection refused";
      return Finish(std::move(result));
    }
    if (ec) return Fail("connect: " + ec.message());
    message = http::request<http::empty_body>(http::verb::get, request.target, 11);
    message.set(http::field::host, HostHeader(request.host, request.port));
    message.set(http::field::user_agent, "tuneup");
    message.set(http::field::accept, request.accept);
    message.set(http::field::connection, "close");
    for (const auto& [name, value] : request.headers)
      message.set(name, value);
    http::async_write(socket, message, [self = shared_from_this()](const ErrorCode& ec, size_t) {
      self->OnSent(ec);
    });
  }

  void OnSent(const ErrorCode& ec) {
    if (finished) return;  // abandoned by the destructor
    if (ec) return Fail("send: " + ec.message());
    parser.emplace();
    parser->body_limit(static_cast<uint64_t>(request.max_body_bytes));
    parser->header_limit(kMaxHeaderBytes);
    http::async_read_header(
        socket, buffer, *parser,
        [self = shared_from_this()](const ErrorCode& ec, size_t) { self->OnHeader(ec); });
  }

  // The header is read first because Beast 1.74 loses its own body_limit error when the header
  // and a Content-Length body arrive in one piece, and would read the whole body.
  void OnHeader(const ErrorCode& ec) {
    if (finished) return;  // abandoned by the destructor
    if (ec) return OnReceived(ec);
    const auto length = parser->content_length();
    if (length && *length > request.max_body_bytes) return TooLarge();
    http::async_read(
        socket, buffer, *parser,
        [self = shared_from_this()](const ErrorCode& ec, size_t) { self->OnReceived(ec); });
  }

  void OnReceived(const ErrorCode& ec) {
    if (finished) return;  // abandoned by the destructor
    if (ec == http::error::body_limit && !timed_out) return TooLarge();
    if (ec == http::error::end_of_stream) {
      return Fail("the server closed the connection before a complete response");
    }
    if (ec) return Fail("receive: " + ec.message());
    auto& response = parser->get();
    if (response.body().size() > request.max_body_bytes) return TooLarge();
    HttpGetResult result;
    result.outcome = HttpGetResult::Outcome::kOk;
    result.status = response.result_int();
    result.reason = std::string(response.reason());
    result.content_encoding = std::string(response[http::field::content_encoding]);
    result.body = std::move(response.body());
    Finish(std::move(result));
  }

  void TooLarge() {
    HttpGetResult result;
    result.outcome = HttpGetResult::Outcome::kBodyTooLarge;
    result.error = "body larger than " + std::to_string(request.max_body_bytes) + " bytes";
    Finish(std::move(result));
  }

  // An operation failed: because the deadline passed (which aborted it), or for `error`.
  void Fail(const std::string& error) {
    HttpGetResult result;
    if (timed_out) {
      result.outcome = HttpGetResult::Outcome::kTimedOut;
      result.error =
          "no complete response within " + std::to_string(request.timeout.count()) + " ms";
    } else {
      result.outcome = HttpGetResult::Outcome::kFailed;
      result.error = error;
    }
    Finish(std::move(result));
  }

  void Finish(HttpGetResult result) {
    if (finished) return;
    finished = true;
    deadline.cancel();
    Abort();
    Done done = std::move(on_done);
    on_done = nullptr;
    done(std::move(result));  // last: it may destroy the HttpGet (this State lives on meanwhile)
  }

  // Ends whatever operation is pending; its handler runs with operation_aborted.
  void Abort() {
    ErrorCode ignored;
    resolver.cancel();
    socket.close(ignored);
  }

  tcp::resolver resolver;
  tcp::socket socket;
  boost::asio::steady_timer deadline;
  HttpGetRequest request;
  Done on_done;
  http::request<http::empty_body> message;
  boost::beast::flat_buffer buffer;
  std::optional<http::response_parser<http::string_body>> parser;
  bool timed_out = false;
  bool finished = false;  // on_done has run, or will never run
};

HttpGet::HttpGet(boost::asio::io_context& io, HttpGetRequest request, Done on_done)
    : state_(std::make_shared<State>(io, std::move(request), std::move(on_done))) {
  state_->Start();
}

HttpGet::~HttpGet() {
  if (state_->finished) return;
  state_->finished = true;
  state_->on_done = nullptr;
  state_->deadline.cancel();
  state_->Abort();
}

}  // namespace tuneup
