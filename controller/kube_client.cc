#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/kube_client.h"

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <fstream>
#include <limits>
#include <list>
#include <sstream>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "common/error.h"

namespace tuneup {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

namespace {

constexpr size_t kBodyChunk = size_t{16} * 1024;

std::string ReadToken(const KubeConfig& config) {
  if (!config.token.empty() || config.token_file.empty()) return config.token;
  std::ifstream in(config.token_file, std::ios::binary);
  std::ostringstream text;
  text << in.rdbuf();
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  return token;
}

bool IsIpAddress(const std::string& host) {
  boost::system::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

// An error of OpenSSL itself: a certificate refused by either side (with TLS 1.3 the server's
// refusal of the client's certificate arrives after the handshake, as an alert on the first
// read). Retrying cannot help.
bool IsTlsRefusal(const beast::error_code& ec) {
  return ec.category() == asio::error::get_ssl_category();
}

// What one exchange reports. Exactly one on_done per exchange unless cancelled.
struct ExchangeHandlers {
  std::function<void(int status)> on_header;
  std::function<void(std::string_view bytes)> on_data;
  // "" = the body ended normally. `permanent`: retrying cannot help (the server's certificate
  // was refused).
  std::function<void(const std::string& error, bool permanent)> on_done;
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual void Start() = 0;
  virtual void Cancel() = 0;
};

// One HTTP exchange on a fresh connection of type Stream (a tcp_stream or an ssl_stream).
template <class Stream>
class ExchangeOf final : public Exchange, public std::enable_shared_from_this<ExchangeOf<Stream>> {
 public:
  ExchangeOf(asio::io_context& io, ssl::context* tls, const KubeConfig& config,
             http::request<http::string_body> request, std::chrono::milliseconds timeout,
             std::chrono::milliseconds idle_timeout, bool streaming, ExchangeHandlers handlers)
      : resolver_(io),
        stream_(MakeStream(io, tls)),
        config_(config),
        request_(std::move(request)),
        timeout_(timeout),
        idle_timeout_(idle_timeout),
        streaming_(streaming),
        handlers_(std::move(handlers)) {
    parser_.body_limit(std::numeric_limits<std::uint64_t>::max());
  }

  void Start() override {
    resolver_.async_resolve(
        config_.host, config_.port,
        [self = this->shared_from_this()](const beast::error_code& ec,
                                          tcp::resolver::results_type results) {
          if (self->done_) return;
          if (ec) return self->Finish("cannot resolve " + self->config_.host + ": " + ec.message());
          self->Lowest().expires_after(self->timeout_);
          self->Lowest().async_connect(
              results, [self](const beast::error_code& ec, const tcp::endpoint&) {
                if (ec)
                  return self->Finish("cannot connect to " + self->config_.server() + ": " +
                                      ec.message());
                self->Handshake();
              });
        });
  }

  void Cancel() override {
    if (done_) return;
    done_ = true;
    beast::error_code ignored;
    resolver_.cancel();
    Lowest().socket().close(ignored);
  }

 private:
  static Stream MakeStream(asio::io_context& io, ssl::context* tls) {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      (void)tls;
      return Stream(io);
    } else {
      return Stream(io, *tls);
    }
  }

  beast::tcp_stream& Lowest() { return beast::get_lowest_layer(stream_); }

  void Handshake() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Write();
    } else {
      SSL* ssl = stream_.native_handle();
      if (!IsIpAddress(config_.host)) SSL_set_tlsext_host_name(ssl, config_.host.c_str());
      if (config_.insecure_skip_tls_verify) {
        stream_.set_verify_mode(ssl::verify_none);
      } else {
        stream_.set_verify_mode(ssl::verify_peer);
        stream_.set_verify_callback(ssl::host_name_verification(config_.host));
      }
      stream_.async_handshake(ssl::stream_base::client, [self = this->shared_from_this()](
                                                            const beast::error_code& ec) {
        if (ec) {
          // A certificate refused by either side stays refused: not worth retrying.
          const bool refused = ec.category() == asio::error::get_ssl_category();
          return self->Finish(
              "TLS handshake with " + self->config_.server() + " failed: " + ec.message(), refused);
        }
        self->Write();
      });
    }
  }

  void Write() {
    Lowest().expires_after(timeout_);
    http::async_write(
        stream_, request_, [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
          if (ec) {
            return self->Finish("sending the request failed: " + ec.message(), IsTlsRefusal(ec));
          }
          self->ReadHeader();
        });
  }

  void ReadHeader() {
    http::async_read_header(stream_, buffer_, parser_,
                            [self = this->shared_from_this()](const beast::error_code& ec, size_t) {
                              if (ec) {
                                return self->Finish(
                                    self->ReadError(ec, "reading the response failed"),
                                    IsTlsRefusal(ec));
                              }
                              self->status_ = self->parser_.get().result_int();
                              if (self->handlers_.on_header)
                                self->handlers_.on_header(self->status_);
                              if (self->done_) return;
                              if (self->parser_.is_done()) return self->Finish("");
                              self->ReadBody();
                            });
  }

  void ReadBody() {
    const bool stream_body = streaming_ && status_ >= 200 && status_ < 300;
    if (stream_body) {
      Lowest().expires_after(idle_timeout_);
    } else if (!streaming_ || !deadline_set_) {
      Lowest().expires_after(timeout_);
      deadline_set_ = true;
    }
    parser_.get().body().data = chunk_.data();
    parser_.get().body().size = chunk_.size();
    http::async_read_some(
        stream_, buffer_, parser_, [self = this->shared_from_this()](beast::error_code ec, size_t) {
          if (ec == http::error::need_buffer) ec = {};
          size_t got = self->chunk_.size() - self->parser_.get().body().size;
          if (got > 0 && !self->done_ && self->handlers_.on_data) {
            self->handlers_.on_data(std::string_view(self->chunk_.data(), got));
          }
          if (self->done_) return;
          if (ec) {
            return self->Finish(self->ReadError(ec, "reading the response body failed"),
                                IsTlsRefusal(ec));
          }
          if (self->parser_.is_done()) return self->Finish("");
          self->ReadBody();
        });
  }

  std::string ReadError(const beast::error_code& ec, const std::string& what) const {
    if (ec == beast::error::timeout) {
      return status_ >= 200 && status_ < 300 && streaming_ ? "idle: nothing received" : "timed out";
    }
    if (ec == http::error::end_of_stream || ec == asio::error::eof ||
        ec == http::error::partial_message) {
      return what + ": the server closed the connection";
    }
    return what + ": " + ec.message();
  }

  void Finish(const std::string& error, bool permanent = false) {
    if (done_) return;
    done_ = true;
    beast::error_code ignored;
    Lowest().socket().shutdown(tcp::socket::shutdown_both, ignored);
    Lowest().socket().close(ignored);
    auto handlers = std::move(handlers_);
    if (handlers.on_done) handlers.on_done(error, permanent);
  }

  tcp::resolver resolver_;
  Stream stream_;
  const KubeConfig config_;
  http::request<http::string_body> request_;
  std::chrono::milliseconds timeout_;
  std::chrono::milliseconds idle_timeout_;
  bool streaming_;
  ExchangeHandlers handlers_;
  beast::flat_buffer buffer_;
  http::response_parser<http::buffer_body> parser_;
  std::array<char, kBodyChunk> chunk_;
  int status_ = 0;
  bool deadline_set_ = false;
  bool done_ = false;
};

std::string StatusReason(int status) {
  auto reason = http::obsolete_reason(static_cast<http::status>(status));
  return std::string(reason.data(), reason.size());
}

}  // namespace

Json KubeResponse::json() const {
  return Json::parse(body, nullptr, /*allow_exceptions=*/false);
}

std::string KubeResponse::Describe() const {
  if (!error.empty()) return what + ": " + error;
  std::string text = what + ": " + std::to_string(status) + " " + StatusReason(status);
  Json parsed = json();
  std::string message;
  if (parsed.is_object() && parsed.contains("message") && parsed["message"].is_string()) {
    message = parsed["message"].get<std::string>();
  } else if (!body.empty()) {
    message = body.substr(0, 300);
    while (!message.empty() && (message.back() == '\n' || message.back() == '\r'))
      message.pop_back();
  }
  if (!message.empty()) text += ": " + message;
  if (status == 401) text += " (the server did not accept the token or client certificate)";
  if (status == 403) text += " (the credentials lack the RBAC permission for this)";
  return text;
}

std::string UrlEncode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

struct KubeClient::Impl : std::enable_shared_from_this<KubeClient::Impl> {
  Impl(asio::io_context& io_context, KubeConfig cfg, KubeClientOptions opts)
      : io(io_context), config(std::move(cfg)), options(opts) {}

  asio::io_context& io;
  KubeConfig config;
  KubeClientOptions options;
  std::unique_ptr<ssl::context> tls;
  // Everything in flight, for CancelAll (expired entries are pruned as new ones start).
  std::list<std::weak_ptr<Exchange>> exchanges;
  std::list<std::weak_ptr<asio::steady_timer>> retry_timers;
  uint64_t generation = 0;  // bumped by CancelAll: callbacks of older requests are dropped

  void SetUpTls() {
    if (!config.tls()) return;
    tls = std::make_unique<ssl::context>(ssl::context::tls_client);
    tls->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                     ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
    boost::system::error_code ec;
    if (config.ca_pem.empty()) {
      tls->set_default_verify_paths(ec);
    } else {
      tls->add_certificate_authority(asio::buffer(config.ca_pem), ec);
      if (ec) {
        throw Error(ErrorCode::kInvalidArgument,
                    config.source + ": certificate-authority: not usable: " + ec.message());
      }
    }
    if (!config.client_cert_pem.empty()) {
      tls->use_certificate_chain(asio::buffer(config.client_cert_pem), ec);
      if (ec) {
        throw Error(ErrorCode::kInvalidArgument,
                    config.source + ": client-certificate: not usable: " + ec.message());
      }
      tls->use_private_key(asio::buffer(config.client_key_pem), ssl::context::pem, ec);
      if (ec) {
        throw Error(ErrorCode::kInvalidArgument,
                    config.source + ": client-key: not usable: " + ec.message());
      }
    }
  }

  http::request<http::string_body> MakeRequest(const std::string& method, const std::string& path,
                                               const std::string& body) const {
    http::request<http::string_body> request;
    request.method_string(method);
    request.target(config.base_path + path);
    request.version(11);
    const bool default_port =
        (config.tls() && config.port == "443") || (!config.tls() && config.port == "80");
    std::string host =
        config.host.find(':') != std::string::npos ? "[" + config.host + "]" : config.host;
    request.set(http::field::host, default_port ? host : host + ":" + config.port);
    request.set(http::field::user_agent, "tuneup");
    request.set(http::field::accept, "application/json");
    std::string token = ReadToken(config);
    if (!token.empty()) request.set(http::field::authorization, "Bearer " + token);
    if (!body.empty()) {
      // A PATCH is a JSON merge patch: the one patch type custom resources take.
      request.set(http::field::content_type,
                  method == "PATCH" ? "application/merge-patch+json" : "application/json");
      request.body() = body;
    }
    request.keep_alive(false);
    request.prepare_payload();
    return request;
  }

  std::shared_ptr<Exchange> StartExchange(const std::string& method, const std::string& path,
                                          const std::string& body, bool streaming,
                                          ExchangeHandlers handlers) {
    std::shared_ptr<Exchange> exchange;
    auto request = MakeRequest(method, path, body);
    if (config.tls()) {
      exchange = std::make_shared<ExchangeOf<beast::ssl_stream<beast::tcp_stream>>>(
          io, tls.get(), config, std::move(request), options.request_timeout,
          options.stream_idle_timeout, streaming, std::move(handlers));
    } else {
      exchange = std::make_shared<ExchangeOf<beast::tcp_stream>>(
          io, nullptr, config, std::move(request), options.request_timeout,
          options.stream_idle_timeout, streaming, std::move(handlers));
    }
    exchanges.remove_if([](const std::weak_ptr<Exchange>& weak) { return weak.expired(); });
    exchanges.push_back(exchange);
    exchange->Start();
    return exchange;
  }

  struct RequestState {
    std::string method;
    std::string path;
    std::string body;
    Callback done;
    std::chrono::steady_clock::time_point started;
    std::chrono::milliseconds next_delay{0};
    uint64_t generation = 0;
  };

  void Attempt(const std::shared_ptr<RequestState>& state) {
    auto response = std::make_shared<KubeResponse>();
    response->what = state->method + " " + state->path;
    ExchangeHandlers handlers;
    handlers.on_header = [response](int status) { response->status = status; };
    handlers.on_data = [response](std::string_view bytes) { response->body.append(bytes); };
    handlers.on_done = [weak = weak_from_this(), state, response](const std::string& error,
                                                                  bool permanent) {
      auto self = weak.lock();
      if (!self || state->generation != self->generation) return;
      response->error = error;
      if (!error.empty()) response->status = 0;
      const bool retry =
          (!error.empty() && !permanent) || response->status == 429 || response->status >= 500;
      const auto elapsed = std::chrono::steady_clock::now() - state->started;
      if (retry && elapsed + state->next_delay < self->options.retry_budget) {
        self->RetryLater(state);
        return;
      }
      auto done = std::move(state->done);
      done(*response);
    };
    StartExchange(state->method, state->path, state->body, /*streaming=*/false,
                  std::move(handlers));
  }

  void RetryLater(const std::shared_ptr<RequestState>& state) {
    state->next_delay = state->next_delay.count() == 0
                            ? options.retry_initial
                            : std::min(state->next_delay * 2, options.retry_max);
    auto timer = std::make_shared<asio::steady_timer>(io, state->next_delay);
    retry_timers.remove_if([](const auto& weak) { return weak.expired(); });
    retry_timers.push_back(timer);
    timer->async_wait([weak = weak_from_this(), state, timer](const boost::system::error_code& ec) {
      auto self = weak.lock();
      if (ec || !self || state->generation != self->generation) return;
      self->Attempt(state);
    });
  }
};

namespace {

class StreamHandle final : public KubeStream {
 public:
  explicit StreamHandle(std::weak_ptr<Exchange> exchange) : exchange_(std::move(exchange)) {}
  void Cancel() override {
    if (auto exchange = exchange_.lock()) exchange->Cancel();
  }

 private:
  std::weak_ptr<Exchange> exchange_;
};

}  // namespace

KubeClient::KubeClient(asio::io_context& io, KubeConfig config, KubeClientOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(config), options)) {
  impl_->SetUpTls();
}

KubeClient::~KubeClient() {
  CancelAll();
}

const KubeConfig& KubeClient::config() const {
  return impl_->config;
}

asio::io_context& KubeClient::io() {
  return impl_->io;
}

void KubeClient::Request(const std::string& method, const std::string& path,
                         const std::string& body, Callback done) {
  auto state = std::make_shared<Impl::RequestState>();
  state->method = method;
  state->path = path;
  state->body = body;
  state->done = std::move(done);
  state->started = std::chrono::steady_clock::now();
  state->generation = impl_->generation;
  impl_->Attempt(state);
}

std::shared_ptr<KubeStream> KubeClient::Stream(const std::string& path,
                                               std::function<void(std::string_view)> on_data,
                                               Callback on_end) {
  auto response = std::make_shared<KubeResponse>();
  response->what = "GET " + path;
  ExchangeHandlers handlers;
  handlers.on_header = [response](int status) { response->status = status; };
  handlers.on_data = [response, on_data = std::move(on_data)](std::string_view bytes) {
    if (response->status >= 200 && response->status < 300) {
      on_data(bytes);
    } else {
      response->body.append(bytes);
    }
  };
  handlers.on_done = [response, on_end = std::move(on_end)](const std::string& error, bool) {
    response->error = error;
    on_end(*response);
  };
  return std::make_shared<StreamHandle>(
      impl_->StartExchange("GET", path, "", /*streaming=*/true, std::move(handlers)));
}

void KubeClient::CancelAll() {
  ++impl_->generation;
  for (auto& weak : impl_->exchanges) {
    if (auto exchange = weak.lock()) exchange->Cancel();
  }
  impl_->exchanges.clear();
  for (auto& weak : impl_->retry_timers) {
    if (auto timer = weak.lock()) timer->cancel();
  }
  impl_->retry_timers.clear();
}

}  // namespace tuneup
