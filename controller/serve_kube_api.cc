#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "controller/serve_kube_api.h"

#include <unistd.h>

#include <future>
#include <thread>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "common/error.h"
#include "db/store.h"
#include "kubeapi/kube_api_service.h"
#include "kubeapi/kubeconfig_file.h"
#include "net/self_signed.h"

namespace tuneup {

namespace asio = boost::asio;

namespace {

bool IsWildcard(const std::string& host) {
  return host.empty() || host == "0.0.0.0" || host == "::" || host == "[::]";
}

class ServedKubeApiImpl final : public ServedKubeApi {
 public:
  ServedKubeApiImpl(std::unique_ptr<Store> store, ExperimentHost& host)
      : store_(std::move(store)), work_(asio::make_work_guard(io_)), service_(io_, *store_, host) {}

  ~ServedKubeApiImpl() override {
    if (thread_.joinable()) {
      std::promise<void> stopped;
      asio::post(io_, [&] {
        service_.Stop();
        stopped.set_value();
      });
      stopped.get_future().wait();
      work_.reset();
      io_.stop();
      thread_.join();
    } else {
      service_.Stop();
    }
  }

  void Start(const HttpServerOptions& options, const std::string& url_host) {
    service_.Start(options);
    url_ = "https://" + url_host + ":" + std::to_string(service_.port());
    thread_ = std::thread([this] { io_.run(); });
  }

  std::string url() const override { return url_; }

 private:
  asio::io_context io_;
  std::unique_ptr<Store> store_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  kubeapi::KubeApiService service_;
  std::string url_;
  std::thread thread_;
};

}  // namespace

std::unique_ptr<ServedKubeApi> ServedKubeApi::Start(
    const ServeOptions& options, const std::string& db_path, ExperimentHost& host,
    std::vector<std::string> tokens, const std::string& cert_pem, const std::string& key_pem) {
  const std::string& address = options.kube_listen;
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos) {
    throw Error(ErrorCode::kInvalidArgument, "--kube-listen " + address + ": expected HOST:PORT");
  }
  std::string listen_host = address.substr(0, colon);
  if (listen_host.size() > 2 && listen_host.front() == '[') {
    listen_host = listen_host.substr(1, listen_host.size() - 2);
  }
  // The address clients are told, and the names the certificate must carry for it.
  const std::string url_host = IsWildcard(listen_host) ? "127.0.0.1" : listen_host;
  std::vector<std::string> names = {url_host};
  if (url_host == "127.0.0.1") names.push_back("localhost");
  if (IsWildcard(listen_host)) {
    char hostname[256] = {};
    if (gethostname(hostname, sizeof(hostname) - 1) == 0 && hostname[0] != '\0') {
      names.push_back(hostname);
    }
  }
  HttpServerOptions http;
  http.address = address;
  if (!cert_pem.empty()) {
    http.cert_pem = cert_pem;
    http.key_pem = key_pem;
  } else {
    CertificateAndKey made = MakeSelfSignedCertificate(names);
    http.cert_pem = made.cert_pem;
    http.key_pem = made.key_pem;
  }
  if (tokens.empty()) tokens.push_back(kubeapi::RandomToken());
  http.tokens = tokens;
  auto served = std::make_unique<ServedKubeApiImpl>(OpenStore(db_path), host);
  try {
    served->Start(http, url_host.find(':') != std::string::npos ? "[" + url_host + "]" : url_host);
  } catch (const Error& e) {
    throw Error(e.code(), "--kube-listen " + address + ": " + e.what());
  }
  if (!options.kubeconfig_file.empty()) {
    kubeapi::WriteKubeconfig(options.kubeconfig_file, {served->url(), http.cert_pem, tokens[0]});
  }
  return served;
}

}  // namespace tuneup
