#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "net/http_server.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdio>
#include <deque>
#include <list>
#include <optional>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/error.h"
#include "net/url.h"

namespace tuneup {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

std::string HttpRequest::Header(const std::string& name) const {
  auto it = headers.find(name);
  return it == headers.end() ? "" : it->second;
}

std::string HttpRequest::Query(const std::string& name, const std::string& fallback) const {
  auto it = query.find(name);
  return it == query.end() ? fallback : it->second;
}

namespace {

std::string ReasonPhrase(int status) {
  return std::string(http::obsolete_reason(static_cast<http::status>(status)));
}

// Constant-time comparison, so that a token cannot be guessed byte by byte from response times.
bool SameSecret(const std::string& a, const std::string& b) {
  if (a.size() != b.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < a.size(); ++i)
    difference |= static_cast<unsigned char>(a[i] ^ b[i]);
  return difference == 0;
}

struct Shared {
  HttpServerOptions options;
  HttpHandler handler;
};

// One connection. Requests are read one after another (keep-alive); while a response streams,
// a read is kept pending only to learn when the client goes away.
template <class Stream>
class Connection final : public HttpResponder,
                         public std::enable_shared_from_this<Connection<Stream>> {
 public:
  Connection(Stream stream, std::shared_ptr<const Shared> shared)
      : stream_(std::move(stream)), shared_(std::move(shared)) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::ssl_stream<beast::tcp_stream>>) {
      beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(30));
      stream_.async_handshake(ssl::stream_base::server,
                              [self = this->shared_from_this()](const beast::error_code& ec) {
                                if (ec) return self->Close();
                                self->ReadRequest();
                              });
    } else {
      ReadRequest();
    }
  }

  void Reply(int status, const std::string& content_type, std::string body) override {
    if (closed_ || responding_ == Responding::kStream) return;
    std::string head = "HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) +
                       "\r\nContent-Type: " + content_type +
                       "\r\nContent-Length: " + std::to_string(body.size()) +
                       (keep_alive_ ? "" : "\r\nConnection: close") + "\r\n\r\n";
    responding_ = Responding::kNone;
    Queue(head + (head_only_ ? std::string() : std::move(body)));
    if (!keep_alive_) {
      close_after_writes_ = true;
    } else {
      ReadRequest();
    }
  }

  void BeginStream(int status, const std::string& content_type) override {
    if (closed_ || responding_ == Responding::kStream) return;
    responding_ = Responding::kStream;
    Queue("HTTP/1.1 " + std::to_string(status) + " " + ReasonPhrase(status) + "\r\nContent-Type: " +
          content_type + "\r\nTransfer-Encoding: chunked\r\nCache-Control: no-cache\r\n\r\n");
    WatchForClose();
  }

  void Send(std::string chunk) override {
    if (closed_ || responding_ != Responding::kStream || chunk.empty()) return;
    char size[20];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    Queue(size + std::move(chunk) + "\r\n");
  }

  void End() override {
    if (closed_ || responding_ != Responding::kStream) return;
    Queue("0\r\n\r\n");
    // The pending read that watched for the client's close still owns the stream's read side;
    // the simplest correct end of a stream is the end of the connection.
    close_after_writes_ = true;
    on_close_ = nullptr;
  }

  bool closed() const override { return closed_ || close_after_writes_; }

  void OnClose(std::function<void()> callback) override { on_close_ = std::move(callback); }

  void Close() {
    if (closed_) return;
    closed_ = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).close();
    if (auto callback = std::exchange(on_close_, nullptr)) callback();
  }

 private:
  enum class Responding { kNone, kWhole, kStream };

  void ReadRequest() {
    parser_.emplace();
    parser_->body_limit(shared_->options.max_body_bytes);
    beast::get_lowest_layer(stream_).expires_after(std::chrono::seconds(120));
    http::async_read(stream_, buffer_, *parser_,
                     [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
                       self->OnRequest(ec);
                     });
  }

  void OnRequest(const beast::error_code& ec) {
    if (closed_) return;
    if (ec == http::error::body_limit) {
      keep_alive_ = false;
      responding_ = Responding::kWhole;
      return Reply(413, "application/json",
                   R"({"message":"the request body is larger than )" +
                       std::to_string(shared_->options.max_body_bytes) + R"( bytes"})");
    }
    if (ec) return Close();
    beast::get_lowest_layer(stream_).expires_never();
    auto message = parser_->release();
    HttpRequest request;
    request.method = std::string(message.method_string());
    const std::string target(message.target());
    const size_t question = target.find('?');
    request.path = PercentDecode(target.substr(0, question));
    if (question != std::string::npos) request.query = ParseQuery(target.substr(question + 1));
    for (const auto& field : message) {
      std::string name(field.name_string());
      std::transform(name.begin(), name.end(), name.begin(),
                     [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
      request.headers[name] = std::string(field.value());
    }
    request.body = std::move(message.body());
    keep_alive_ = message.keep_alive();
    head_only_ = request.method == "HEAD";
    responding_ = Responding::kWhole;
    if (!Authorized(request.Header("authorization"))) {
      return Reply(401, "application/json", shared_->options.unauthorized_body);
    }
    try {
      shared_->handler(request, this->shared_from_this());
    } catch (const std::exception& e) {
      // A handler that throws is a bug, but one request must not take the server down.
      Reply(500, "application/json", R"({"message":"internal error"})");
    }
  }

  bool Authorized(const std::string& authorization) const {
    const auto& tokens = shared_->options.tokens;
    if (tokens.empty()) return true;
    constexpr std::string_view kBearer = "Bearer ";
    if (authorization.rfind(kBearer, 0) != 0) return false;
    const std::string token = authorization.substr(kBearer.size());
    bool found = false;
    for (const auto& allowed : tokens)
      found = SameSecret(token, allowed) || found;
    return found;
  }

  // While streaming, a read that completes only when the client closes (or sends garbage).
  void WatchForClose() {
    stream_.async_read_some(asio::buffer(discard_),
                            [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
                              if (ec) return self->Close();
                              self->WatchForClose();
                            });
  }

  void Queue(std::string data) {
    writes_.push_back(std::move(data));
    if (writes_.size() == 1) WriteNext();
  }

  void WriteNext() {
    asio::async_write(stream_, asio::buffer(writes_.front()),
                      [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
                        if (ec) return self->Close();
                        self->writes_.pop_front();
                        if (!self->writes_.empty()) return self->WriteNext();
                        if (self->close_after_writes_) self->Close();
                      });
  }

  Stream stream_;
  std::shared_ptr<const Shared> shared_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::deque<std::string> writes_;
  std::array<char, 512> discard_{};
  std::function<void()> on_close_;
  Responding responding_ = Responding::kNone;
  bool keep_alive_ = true;
  bool head_only_ = false;
  bool close_after_writes_ = false;
  bool closed_ = false;
};

class BeastServer final : public HttpServer {
 public:
  BeastServer(asio::io_context& io, std::shared_ptr<const Shared> shared)
      : io_(io), acceptor_(io), shared_(std::move(shared)) {}

  void Listen() {
    const std::string& address = shared_->options.address;
    const size_t colon = address.rfind(':');
    if (colon == std::string::npos || colon == 0) {
      throw Error(ErrorCode::kInvalidArgument, "address " + address + ": expected HOST:PORT");
    }
    std::string host = address.substr(0, colon);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']')
      host = host.substr(1, host.size() - 2);
    const std::string port_text = address.substr(colon + 1);
    if (port_text.empty() || port_text.size() > 5 ||
        !std::all_of(port_text.begin(), port_text.end(),
                     [](unsigned char c) { return std::isdigit(c) != 0; }) ||
        std::stoi(port_text) > 65535) {
      throw Error(ErrorCode::kInvalidArgument,
                  "address " + address + ": the port must be a number from 0 to 65535");
    }
    boost::system::error_code ec;
    tcp::resolver resolver(io_);
    auto endpoints = resolver.resolve(host, port_text, ec);
    if (ec || endpoints.empty()) {
      throw Error(ErrorCode::kInvalidArgument,
                  "address " + address + ": cannot resolve " + host + ": " + ec.message());
    }
    const tcp::endpoint endpoint = endpoints.begin()->endpoint();
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      throw Error(ErrorCode::kUnavailable,
                  "address " + address + ": cannot listen: " + ec.message());
    }
    if (!shared_->options.cert_pem.empty() || !shared_->options.key_pem.empty()) {
      tls_.emplace(ssl::context::tls_server);
      tls_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                        ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      try {
        tls_->use_certificate_chain(asio::buffer(shared_->options.cert_pem));
      } catch (const boost::system::system_error& e) {
        throw Error(ErrorCode::kInvalidArgument,
                    std::string("TLS certificate: not a usable PEM certificate: ") + e.what());
      }
      try {
        tls_->use_private_key(asio::buffer(shared_->options.key_pem), ssl::context::pem);
      } catch (const boost::system::system_error& e) {
        throw Error(ErrorCode::kInvalidArgument,
                    std::string("TLS key: not a usable PEM key for the certificate: ") + e.what());
      }
    }
    Accept();
  }

  uint16_t port() const override { return acceptor_.local_endpoint().port(); }
  bool https() const override { return tls_.has_value(); }

  void Stop() override {
    boost::system::error_code ignored;
    acceptor_.close(ignored);
    for (auto& weak : connections_) {
      if (auto connection = weak.lock()) {
        if (tls_) {
          std::static_pointer_cast<Connection<beast::ssl_stream<beast::tcp_stream>>>(connection)
              ->Close();
        } else {
          std::static_pointer_cast<Connection<beast::tcp_stream>>(connection)->Close();
        }
      }
    }
    connections_.clear();
  }

 private:
  void Accept() {
    acceptor_.async_accept([this](const beast::error_code& ec, tcp::socket socket) {
      if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
      if (!ec) {
        // Forget connections that have gone, so the list does not grow with every client.
        connections_.remove_if([](const auto& weak) { return weak.expired(); });
        if (tls_) {
          auto connection = std::make_shared<Connection<beast::ssl_stream<beast::tcp_stream>>>(
              beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *tls_),
              shared_);
          connections_.push_back(connection);
          connection->Start();
        } else {
          auto connection = std::make_shared<Connection<beast::tcp_stream>>(
              beast::tcp_stream(std::move(socket)), shared_);
          connections_.push_back(connection);
          connection->Start();
        }
      }
      Accept();
    });
  }

  asio::io_context& io_;
  tcp::acceptor acceptor_;
  std::optional<ssl::context> tls_;
  std::shared_ptr<const Shared> shared_;
  std::list<std::weak_ptr<HttpResponder>> connections_;
};

}  // namespace

std::unique_ptr<HttpServer> HttpServer::Start(asio::io_context& io,
                                              const HttpServerOptions& options,
                                              HttpHandler handler) {
  auto shared = std::make_shared<Shared>(Shared{options, std::move(handler)});
  auto server = std::make_unique<BeastServer>(io, std::move(shared));
  server->Listen();
  return server;
}

}  // namespace tuneup
