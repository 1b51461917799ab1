#include <utility>  // before Asio: GCC 12 + C++20 needs std::exchange declared first

#include "tests/support/fake_kube_api.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <deque>
#include <filesystem>
#include <functional>
#include <list>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "net/self_signed.h"

namespace tuneup::testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;

// --- certificates ---

TestCertificate MakeTestCertificate(const std::string& common_name) {
  CertificateAndKey made = MakeSelfSignedCertificate({common_name}, /*days=*/1);
  return {made.cert_pem, made.key_pem};
}

namespace {

std::string Now() {
  char text[32];
  std::time_t now = std::time(nullptr);
  std::strftime(text, sizeof(text), "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  return text;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else if (text[i] == '+') {
      out += ' ';
    } else {
      out += text[i];
    }
  }
  return out;
}

std::vector<std::string> Split(const std::string& text, char separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    size_t end = text.find(separator, start);
    parts.push_back(text.substr(start, end - start));
    if (end == std::string::npos) return parts;
    start = end + 1;
  }
}

Json StatusObject(int code, const std::string& reason, const std::string& message) {
  return {{"kind", "Status"},    {"apiVersion", "v1"}, {"metadata", Json::object()},
          {"status", "Failure"}, {"message", message}, {"reason", reason},
          {"code", code}};
}

// "key", "key=value", comma-separated.
bool MatchesSelector(const Json& object, const std::string& selector) {
  if (selector.empty()) return true;
  const Json labels = object["metadata"].value("labels", Json::object());
  for (const std::string& term : Split(selector, ',')) {
    size_t eq = term.find('=');
    if (eq == std::string::npos) {
      if (!labels.contains(term)) return false;
    } else {
      std::string key = term.substr(0, eq);
      if (!labels.contains(key) || labels[key] != term.substr(eq + 1)) return false;
    }
  }
  return true;
}

// One accepted connection, of either kind; writes are queued.
class Conn : public std::enable_shared_from_this<Conn> {
 public:
  virtual ~Conn() = default;
  // Queues `data`; closes the connection after it when `close_after`.
  virtual void Write(std::string data, bool close_after) = 0;
  // Closes the connection at once, whatever is queued.
  virtual void Abort() = 0;
  bool closed = false;
  std::function<void()> on_close;
};

}  // namespace

struct FakeKubeApi::Impl : std::enable_shared_from_this<FakeKubeApi::Impl> {
  Impl(asio::io_context& io_context, FakeKubeOptions opts)
      : io(io_context), options(std::move(opts)), acceptor(io_context) {}

  struct Event {
    uint64_t rv;
    std::string collection;  // "jobs/NS" or "pods/NS"
    std::string type;
    Json object;
  };
  struct Watcher {
    std::string collection;
    std::string selector;
    std::weak_ptr<Conn> conn;
  };
  struct Follower {
    std::string key;  // NS/POD
    std::weak_ptr<Conn> conn;
  };
  struct Failure {
    std::string method;
    std::string suffix;
    int status;
    int count;
  };
  struct Process {
    pid_t pid = -1;
    std::thread reader;
  };

  asio::io_context& io;
  FakeKubeOptions options;
  tcp::acceptor acceptor;
  std::unique_ptr<ssl::context> tls;
  std::vector<RecordedRequest> requests;
  std::map<std::string, Json> jobs;         // NS/NAME
  std::map<std::string, Json> experiments;  // kubeflow.org/v1beta1 Experiments, NS/NAME
  std::map<std::string, Json> pods;
  std::map<std::string, std::string> logs;
  std::set<std::string> logs_closed;
  std::set<std::string> priority_classes;
  std::deque<Event> history;
  uint64_t oldest_rv = 0;  // watches from before this get 410
  uint64_t rv = 1000;
  uint64_t uid = 0;
  uint64_t pod_counter = 0;
  std::list<Watcher> watchers;
  std::list<Follower> followers;
  std::vector<Failure> failures;
  std::map<std::string, std::shared_ptr<Process>> processes;  // by pod key
  std::list<std::weak_ptr<Conn>> conns;
  bool stopping = false;

  void Start() {
    if (!options.cert_pem.empty()) {
      tls = std::make_unique<ssl::context>(ssl::context::tls_server);
      tls->use_certificate_chain(asio::buffer(options.cert_pem));
      tls->use_private_key(asio::buffer(options.key_pem), ssl::context::pem);
      if (!options.client_ca_pem.empty()) {
        tls->add_certificate_authority(asio::buffer(options.client_ca_pem));
        tls->set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    tcp::endpoint endpoint(asio::ip::make_address("127.0.0.1"), 0);
    acceptor.open(endpoint.protocol());
    acceptor.set_option(asio::socket_base::reuse_address(true));
    acceptor.bind(endpoint);
    acceptor.listen();
    Accept();
  }

  void Accept();

  // --- objects and events ---

  Json& Stamp(Json& object) {
    object["metadata"]["resourceVersion"] = std::to_string(++rv);
    return object;
  }

  void Emit(const std::string& collection, const std::string& type, const Json& object) {
    uint64_t version = std::stoull(object["metadata"]["resourceVersion"].get<std::string>());
    history.push_back({version, collection, type, object});
    std::string line = Json{{"type", type}, {"object", object}}.dump() + "\n";
    for (auto it = watchers.begin(); it != watchers.end();) {
      auto conn = it->conn.lock();
      if (!conn || conn->closed) {
        it = watchers.erase(it);
        continue;
      }
      if (it->collection == collection && MatchesSelector(object, it->selector))
        conn->Write(Chunk(line), false);
      ++it;
    }
  }

  static std::string Chunk(const std::string& data) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", data.size());
    return size + data + "\r\n";
  }

  static std::string Collection(const std::string& resource, const std::string& ns) {
    return resource + "/" + ns;
  }

  void Put(const std::string& resource, const std::string& ns, const std::string& name, Json object,
           const char* type) {
    Stamp(object);
    MapOf(resource)[ns + "/" + name] = object;
    Emit(Collection(resource, ns), type, object);
  }

  void Remove(const std::string& resource, const std::string& ns, const std::string& name) {
    auto& map = MapOf(resource);
    auto it = map.find(ns + "/" + name);
    if (it == map.end()) return;
    Json object = it->second;
    map.erase(it);
    Stamp(object);
    Emit(Collection(resource, ns), "DELETED", object);
    if (resource == "pods") {
      StopProcess(ns + "/" + name);
      CloseLog(ns + "/" + name);
    }
  }

  std::map<std::string, Json>& MapOf(const std::string& resource) {
    return resource == "jobs" ? jobs : resource == "pods" ? pods : experiments;
  }

  // As the API server stores a created custom resource: uid, creation time, generation, and an
  // empty status that only the status subresource changes.
  Json NewExperiment(Json experiment) {
    Json& metadata = experiment["metadata"];
    metadata["uid"] = "experiment-uid-" + std::to_string(++uid);
    metadata["creationTimestamp"] = Now();
    metadata["generation"] = 1;
    experiment.erase("status");
    const std::string ns = metadata["namespace"];
    const std::string name = metadata["name"];
    Put("experiments", ns, name, experiment, "ADDED");
    return experiments[ns + "/" + name];
  }

  void HandleExperiments(const std::shared_ptr<Conn>& conn, const RecordedRequest& record,
                         const std::vector<std::string>& parts);

  Json NewJob(Json job) {
    Json& metadata = job["metadata"];
    metadata["uid"] = "job-uid-" + std::to_string(++uid);
    metadata["creationTimestamp"] = Now();
    metadata["generation"] = 1;
    job["status"] = Json::object();
    const std::string ns = metadata["namespace"];
    const std::string name = metadata["name"];
    Put("jobs", ns, name, job, "ADDED");
    Json stored = jobs[ns + "/" + name];
    if (options.create_pods) AddPod(ns, name);
    return stored;
  }

  std::string AddPod(const std::string& ns, const std::string& job_name) {
    const Json& job = jobs.at(ns + "/" + job_name);
    char suffix[16];
    std::snprintf(suffix, sizeof(suffix), "-p%04llu",
                  static_cast<unsigned long long>(++pod_counter));
    std::string name = job_name + suffix;
    Json pod;
    pod["apiVersion"] = "v1";
    pod["kind"] = "Pod";
    Json labels =
        job["spec"]["template"].value("metadata", Json::object()).value("labels", Json::object());
    const std::string job_uid = job["metadata"]["uid"];
    labels["job-name"] = job_name;
    labels["batch.kubernetes.io/job-name"] = job_name;
    labels["controller-uid"] = job_uid;
    labels["batch.kubernetes.io/controller-uid"] = job_uid;
    pod["metadata"] = {{"name", name},
                       {"namespace", ns},
                       {"uid", "pod-uid-" + std::to_string(++uid)},
                       {"creationTimestamp", Now()},
                       {"labels", labels},
                       {"ownerReferences", Json::array({{{"apiVersion", "batch/v1"},
                                                         {"kind", "Job"},
                                                         {"name", job_name},
                                                         {"uid", job_uid},
                                                         {"controller", true},
                                                         {"blockOwnerDeletion", true}}})}};
    pod["spec"] = job["spec"]["template"].value("spec", Json::object());
    pod["status"] = {{"phase", "Pending"}};
    Put("pods", ns, name, pod, "ADDED");
    logs[ns + "/" + name];
    if (options.kubelet) RunContainer(ns, name);
    return name;
  }

  Json& PodRef(const std::string& ns, const std::string& name) {
    auto it = pods.find(ns + "/" + name);
    if (it == pods.end()) throw std::runtime_error("FakeKubeApi: no pod " + ns + "/" + name);
    return it->second;
  }

  static std::string PrimaryName(const Json& pod) {
    return pod["spec"]["containers"][0].value("name", "main");
  }

  void SetRunning(const std::string& ns, const std::string& name) {
    Json pod = PodRef(ns, name);
    pod["status"]["phase"] = "Running";
    pod["status"]["startTime"] = Now();
    Json statuses = Json::array();
    for (const Json& container : pod["spec"]["containers"]) {
      statuses.push_back({{"name", container.value("name", "")},
                          {"ready", true},
                          {"restartCount", 0},
                          {"state", {{"running", {{"startedAt", Now()}}}}}});
    }
    pod["status"]["containerStatuses"] = statuses;
    Put("pods", ns, name, pod, "MODIFIED");
  }

  void AppendLog(const std::string& key, const std::string& text) {
    if (logs_closed.count(key)) return;
    logs[key] += text;
    for (auto it = followers.begin(); it != followers.end();) {
      auto conn = it->conn.lock();
      if (!conn || conn->closed) {
        it = followers.erase(it);
        continue;
      }
      if (it->key == key && !text.empty()) conn->Write(Chunk(text), false);
      ++it;
    }
  }

  void CloseLog(const std::string& key) {
    logs_closed.insert(key);
    for (auto it = followers.begin(); it != followers.end();) {
      auto conn = it->conn.lock();
      if (it->key == key) {
        if (conn && !conn->closed) conn->Write("0\r\n\r\n", true);
        it = followers.erase(it);
      } else {
        ++it;
      }
    }
  }

  void Terminate(const std::string& ns, const std::string& name, int exit_code,
                 const std::string& reason) {
    Json pod = PodRef(ns, name);
    Json statuses = Json::array();
    for (const Json& container : pod["spec"]["containers"]) {
      const int code = exit_code;  // every container ends with the pod's code
      statuses.push_back({{"name", container.value("name", "")},
                          {"ready", false},
                          {"restartCount", 0},
                          {"state",
                           {{"terminated",
                             {{"exitCode", code},
                              {"reason", code == 0 ? "Completed" : reason},
                              {"finishedAt", Now()}}}}}});
    }
    pod["status"]["containerStatuses"] = statuses;
    pod["status"]["phase"] = exit_code == 0 ? "Succeeded" : "Failed";
    Put("pods", ns, name, pod, "MODIFIED");
    CloseLog(ns + "/" + name);
  }

  void FinishJob(const std::string& ns, const std::string& pod_name, bool succeeded,
                 const std::string& reason) {
    const Json& pod = PodRef(ns, pod_name);
    const std::string job_name = pod["metadata"]["labels"].value("job-name", "");
    auto it = jobs.find(ns + "/" + job_name);
    if (it == jobs.end()) return;
    Json job = it->second;
    const int backoff = job["spec"].value("backoffLimit", 6);
    int failed = job["status"].value("failed", 0);
    if (!succeeded) job["status"]["failed"] = ++failed;
    if (succeeded) job["status"]["succeeded"] = 1;
    if (succeeded || failed > backoff) {
      job["status"]["conditions"] =
          Json::array({{{"type", succeeded ? "Complete" : "Failed"},
                        {"status", "True"},
                        {"reason", succeeded ? "" : reason},
                        {"message", succeeded ? "" : "Job has reached the specified backoff limit"},
                        {"lastTransitionTime", Now()}}});
    }
    Put("jobs", ns, job_name, job, "MODIFIED");
  }

  void Finish(const std::string& ns, const std::string& name, int exit_code) {
    if (!pods.count(ns + "/" + name)) return;
    Terminate(ns, name, exit_code, "Error");
    FinishJob(ns, name, exit_code == 0, "BackoffLimitExceeded");
  }

  // --- the fake kubelet ---

  static std::string Expand(const std::string& text,
                            const std::map<std::string, std::string>& env) {
    std::string out;
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '$') {
        out += '$';
        ++i;
      } else if (text[i] == '$' && i + 1 < text.size() && text[i + 1] == '(') {
        size_t close = text.find(')', i);
        auto it =
            close == std::string::npos ? env.end() : env.find(text.substr(i + 2, close - i - 2));
        if (it != env.end()) {
          out += it->second;
          i = close;
        } else {
          out += text[i];
        }
      } else {
        out += text[i];
      }
    }
    return out;
  }

  void RunContainer(const std::string& ns, const std::string& name) {
    const Json pod = PodRef(ns, name);
    const Json& container = pod["spec"]["containers"][0];
    std::map<std::string, std::string> env_map;
    for (char** entry = environ; entry && *entry; ++entry) {
      std::string text(*entry);
      size_t eq = text.find('=');
      if (eq != std::string::npos) env_map[text.substr(0, eq)] = text.substr(eq + 1);
    }
    std::map<std::string, std::string> container_env;
    for (const Json& var : container.value("env", Json::array())) {
      std::string value = Expand(var.value("value", ""), container_env);
      container_env[var.value("name", "")] = value;
      env_map[var.value("name", "")] = value;
    }
    std::vector<std::string> argv;
    for (const char* key : {"command", "args"}) {
      for (const Json& item : container.value(key, Json::array()))
        argv.push_back(Expand(item.get<std::string>(), container_env));
    }
    namespace fs = std::filesystem;
    std::string dir = container.value("workingDir", "");
    dir = dir.empty()
              ? options.kubelet_root
              : (fs::path(dir).is_absolute() ? fs::path(dir) : fs::path(options.kubelet_root) / dir)
                    .lexically_normal()
                    .string();
    int pipe_fds[2];
    if (argv.empty() || ::pipe(pipe_fds) != 0) {
      Finish(ns, name, 127);
      return;
    }
    std::vector<std::string> env_strings;
    env_strings.reserve(env_map.size());
    for (const auto& [key, value] : env_map)
      env_strings.push_back(key + "=" + value);
    std::vector<char*> envp;
    envp.reserve(env_strings.size() + 1);
    for (auto& entry : env_strings)
      envp.push_back(entry.data());
    envp.push_back(nullptr);
    std::vector<char*> args;
    args.reserve(argv.size() + 1);
    for (auto& arg : argv)
      args.push_back(arg.data());
    args.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 1);
    posix_spawn_file_actions_adddup2(&actions, pipe_fds[1], 2);
    posix_spawn_file_actions_addclose(&actions, pipe_fds[0]);
    posix_spawn_file_actions_addchdir_np(&actions, dir.c_str());
    posix_spawnattr_t attr;
    posix_spawnattr_init(&attr);
    posix_spawnattr_setpgroup(&attr, 0);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    pid_t pid = -1;
    int rc = ::posix_spawnp(&pid, args[0], &actions, &attr, args.data(), envp.data());
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    ::close(pipe_fds[1]);
    if (rc != 0) {
      ::close(pipe_fds[0]);
      AppendLog(ns + "/" + name, "exec " + argv[0] + ": " + std::strerror(rc) + "\n");
      SetRunning(ns, name);
      Finish(ns, name, 127);
      return;
    }
    SetRunning(ns, name);
    auto process = std::make_shared<Process>();
    process->pid = pid;
    const std::string key = ns + "/" + name;
    processes[key] = process;
    std::weak_ptr<Impl> weak = weak_from_this();
    process->reader = std::thread([weak, fd = pipe_fds[0], pid, ns, name, key, &io = io] {
      char buffer[4096];
      while (true) {
        ssize_t n = ::read(fd, buffer, sizeof(buffer));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        asio::post(io, [weak, key, text = std::string(buffer, static_cast<size_t>(n))] {
          if (auto self = weak.lock()) self->AppendLog(key, text);
        });
      }
      ::close(fd);
      int status = 0;
      while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
      }
      int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      asio::post(io, [weak, ns, name, key, code] {
        auto self = weak.lock();
        if (!self || self->stopping) return;
        auto it = self->processes.find(key);
        if (it != self->processes.end()) {
          it->second->reader.detach();  // this thread is ending
          self->processes.erase(it);
        }
        self->Finish(ns, name, code);
      });
    });
  }

  void StopProcess(const std::string& key) {
    auto it = processes.find(key);
    if (it == processes.end()) return;
    ::kill(-it->second->pid, SIGKILL);
    if (it->second->reader.joinable()) it->second->reader.join();
    processes.erase(it);
  }

  // --- requests ---

  void Handle(const std::shared_ptr<Conn>& conn, const http::request<http::string_body>& request);
  void Respond(const std::shared_ptr<Conn>& conn, int status, const Json& body);
  void StartStream(const std::shared_ptr<Conn>& conn);
  void ListOrWatch(const std::shared_ptr<Conn>& conn, const std::string& resource,
                   const std::string& ns, const std::map<std::string, std::string>& query);
  void Logs(const std::shared_ptr<Conn>& conn, const std::string& ns, const std::string& pod,
            const std::map<std::string, std::string>& query);
};

namespace {

template <class Stream>
class ConnOf final : public Conn {
 public:
  ConnOf(Stream stream, std::weak_ptr<FakeKubeApi::Impl> server)
      : stream_(std::move(stream)), server_(std::move(server)) {}

  void Start() {
    if constexpr (std::is_same_v<Stream, beast::tcp_stream>) {
      Read();
    } else {
      stream_.async_handshake(ssl::stream_base::server,
                              [self = Self()](const beast::error_code& ec) {
                                if (ec) return self->Close();
                                self->Read();
                              });
    }
  }

  void Write(std::string data, bool close_after) override {
    if (closed) return;
    queue_.emplace_back(std::move(data), close_after);
    if (queue_.size() == 1) WriteNext();
  }

  void Abort() override { Close(); }

  void Close() {
    if (closed) return;
    closed = true;
    beast::error_code ignored;
    beast::get_lowest_layer(stream_).socket().shutdown(tcp::socket::shutdown_both, ignored);
    beast::get_lowest_layer(stream_).socket().close(ignored);
    if (on_close) on_close();
  }

 private:
  std::shared_ptr<ConnOf> Self() { return std::static_pointer_cast<ConnOf>(shared_from_this()); }

  void Read() {
    request_ = {};
    http::async_read(stream_, buffer_, request_,
                     [self = Self()](const beast::error_code& ec, size_t) {
                       if (ec) return self->Close();
                       auto server = self->server_.lock();
                       if (!server) return self->Close();
                       server->Handle(self, self->request_);
                       // Detects the client closing a stream it no longer wants.
                       self->WatchForClose();
                     });
  }

  void WatchForClose() {
    if (closed) return;
    beast::get_lowest_layer(stream_).socket().async_wait(
        tcp::socket::wait_read, [self = Self()](const beast::error_code& ec) {
          if (self->closed) return;
          if (ec) return self->Close();
          char byte;
          beast::error_code read_ec;
          size_t n = beast::get_lowest_layer(self->stream_)
                         .socket()
                         .read_some(asio::buffer(&byte, 1), read_ec);
          if (read_ec || n == 0) return self->Close();
          self->WatchForClose();
        });
  }

  void WriteNext() {
    asio::async_write(stream_, asio::buffer(queue_.front().first),
                      [self = Self()](const beast::error_code& ec, size_t) {
                        if (self->queue_.empty()) return;
                        bool close_after = self->queue_.front().second;
                        self->queue_.pop_front();
                        if (ec || close_after) return self->Close();
                        if (!self->queue_.empty()) self->WriteNext();
                      });
  }

  Stream stream_;
  std::weak_ptr<FakeKubeApi::Impl> server_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  std::deque<std::pair<std::string, bool>> queue_;
};

}  // namespace

void FakeKubeApi::Impl::Accept() {
  acceptor.async_accept([weak = weak_from_this()](const beast::error_code& ec, tcp::socket socket) {
    auto self = weak.lock();
    if (!self || ec) return;
    std::shared_ptr<Conn> conn;
    if (self->tls) {
      auto c = std::make_shared<ConnOf<beast::ssl_stream<beast::tcp_stream>>>(
          beast::ssl_stream<beast::tcp_stream>(beast::tcp_stream(std::move(socket)), *self->tls),
          weak);
      conn = c;
      c->Start();
    } else {
      auto c =
          std::make_shared<ConnOf<beast::tcp_stream>>(beast::tcp_stream(std::move(socket)), weak);
      conn = c;
      c->Start();
    }
    self->conns.remove_if([](const std::weak_ptr<Conn>& w) { return w.expired(); });
    self->conns.push_back(conn);
    self->Accept();
  });
}

void FakeKubeApi::Impl::Respond(const std::shared_ptr<Conn>& conn, int status, const Json& body) {
  std::string text = body.dump();
  std::string reason(http::obsolete_reason(static_cast<http::status>(status)));
  std::string response =
      "HTTP/1.1 " + std::to_string(status) + " " + reason +
      "\r\nContent-Type: application/json\r\nContent-Length: " + std::to_string(text.size()) +
      "\r\nConnection: close\r\n\r\n" + text;
  conn->Write(response, true);
}

void FakeKubeApi::Impl::StartStream(const std::shared_ptr<Conn>& conn) {
  conn->Write(
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
      "Connection: close\r\n\r\n",
      false);
}

void FakeKubeApi::Impl::Handle(const std::shared_ptr<Conn>& conn,
                               const http::request<http::string_body>& request) {
  RecordedRequest record;
  record.method = std::string(request.method_string());
  std::string target(request.target());
  size_t question = target.find('?');
  record.path = target.substr(0, question);
  if (question != std::string::npos) {
    for (const std::string& pair : Split(target.substr(question + 1), '&')) {
      size_t eq = pair.find('=');
      record.query[UrlDecode(pair.substr(0, eq))] =
          eq == std::string::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
  }
  record.body = request.body();
  if (auto it = request.find(http::field::authorization); it != request.end())
    record.authorization = std::string(it->value());
  requests.push_back(record);

  if (!options.token.empty() && record.authorization != "Bearer " + options.token) {
    return Respond(conn, 401, StatusObject(401, "Unauthorized", "Unauthorized"));
  }
  for (auto it = failures.begin(); it != failures.end(); ++it) {
    if (it->method == record.method && record.path.ends_with(it->suffix)) {
      int status = it->status;
      if (--it->count == 0) failures.erase(it);
      return Respond(
          conn, status,
          StatusObject(status, "InjectedFailure", "injected failure " + std::to_string(status)));
    }
  }

  const std::vector<std::string> parts = Split(record.path, '/');
  // ["", "apis", "batch", "v1", "namespaces", NS, "jobs", NAME?]
  const std::string& method = record.method;
  if (parts.size() >= 7 && parts[1] == "apis" && parts[2] == "batch" && parts[3] == "v1" &&
      parts[4] == "namespaces" && parts[6] == "jobs") {
    const std::string& ns = parts[5];
    if (parts.size() == 7 && method == "POST") {
      Json job = Json::parse(record.body, nullptr, false);
      if (!job.is_object() || job.value("kind", "") != "Job" ||
          job.value("apiVersion", "") != "batch/v1") {
        return Respond(conn, 400, StatusObject(400, "BadRequest", "not a batch/v1 Job"));
      }
      const std::string name = job["metadata"].value("name", "");
      if (job["metadata"].value("namespace", ns) != ns) {
        return Respond(conn, 400,
                       StatusObject(400, "BadRequest",
                                    "the namespace of the provided object does not match the "
                                    "namespace sent on the request"));
      }
      if (name.empty()) {
        return Respond(conn, 422, StatusObject(422, "Invalid", "metadata.name: Required value"));
      }
      if (jobs.count(ns + "/" + name)) {
        return Respond(
            conn, 409,
            StatusObject(409, "AlreadyExists", "jobs.batch \"" + name + "\" already exists"));
      }
      job["metadata"]["namespace"] = ns;
      return Respond(conn, 201, NewJob(job));
    }
    if (parts.size() == 7 && method == "GET") return ListOrWatch(conn, "jobs", ns, record.query);
    if (parts.size() == 8) {
      const std::string key = ns + "/" + parts[7];
      auto it = jobs.find(key);
      if (it == jobs.end()) {
        return Respond(conn, 404,
                       StatusObject(404, "NotFound", "jobs.batch \"" + parts[7] + "\" not found"));
      }
      if (method == "GET") return Respond(conn, 200, it->second);
      if (method == "DELETE") {
        Json job = it->second;
        const std::string uid = job["metadata"]["uid"];
        std::vector<std::string> owned;
        for (const auto& [pod_key, pod] : pods) {
          if (pod["metadata"]["labels"].value("controller-uid", "") == uid)
            owned.push_back(pod["metadata"]["name"]);
        }
        Remove("jobs", ns, parts[7]);
        for (const auto& pod : owned)
          Remove("pods", ns, pod);
        return Respond(conn, 200, Json{{"kind", "Status"}, {"status", "Success"}});
      }
    }
  }
  // ["", "apis", "kubeflow.org", "v1beta1", "namespaces", NS, "experiments", NAME?, "status"?]
  if (parts.size() >= 7 && parts[1] == "apis" && parts[2] == "kubeflow.org" &&
      parts[3] == "v1beta1" && parts[4] == "namespaces" && parts[6] == "experiments") {
    return HandleExperiments(conn, record, parts);
  }
  // ["", "api", "v1", "namespaces", NS, "pods", NAME?, "log"?]
  if (parts.size() >= 6 && parts[1] == "api" && parts[2] == "v1" && parts[3] == "namespaces" &&
      parts[5] == "pods" && method == "GET") {
    const std::string& ns = parts[4];
    if (parts.size() == 6) return ListOrWatch(conn, "pods", ns, record.query);
    auto it = pods.find(ns + "/" + parts[6]);
    if (it == pods.end()) {
      return Respond(conn, 404,
                     StatusObject(404, "NotFound", "pods \"" + parts[6] + "\" not found"));
    }
    if (parts.size() == 7) return Respond(conn, 200, it->second);
    if (parts.size() == 8 && parts[7] == "log") return Logs(conn, ns, parts[6], record.query);
  }
  if (parts.size() == 6 && parts[1] == "apis" && parts[2] == "scheduling.k8s.io" &&
      parts[4] == "priorityclasses" && method == "GET") {
    if (!priority_classes.count(parts[5])) {
      return Respond(
          conn, 404,
          StatusObject(404, "NotFound",
                       "priorityclasses.scheduling.k8s.io \"" + parts[5] + "\" not found"));
    }
    return Respond(
        conn, 200,
        Json{{"kind", "PriorityClass"}, {"metadata", {{"name", parts[5]}}}, {"value", -100}});
  }
  Respond(conn, 404,
          StatusObject(404, "NotFound", "the server could not find the requested resource"));
}

void FakeKubeApi::Impl::HandleExperiments(const std::shared_ptr<Conn>& conn,
                                          const RecordedRequest& record,
                                          const std::vector<std::string>& parts) {
  const std::string& method = record.method;
  const std::string& ns = parts[5];
  if (parts.size() == 7 && method == "GET") {
    return ListOrWatch(conn, "experiments", ns, record.query);
  }
  if (parts.size() == 7 && method == "POST") {
    Json experiment = Json::parse(record.body, nullptr, false);
    if (!experiment.is_object() || experiment.value("kind", "") != "Experiment") {
      return Respond(conn, 400, StatusObject(400, "BadRequest", "not an Experiment"));
    }
    const std::string name = experiment["metadata"].value("name", "");
    if (experiments.count(ns + "/" + name)) {
      return Respond(conn, 409,
                     StatusObject(409, "AlreadyExists",
                                  "experiments.kubeflow.org \"" + name + "\" already exists"));
    }
    experiment["metadata"]["namespace"] = ns;
    return Respond(conn, 201, NewExperiment(experiment));
  }
  if (parts.size() < 8 || parts.size() > 9 || (parts.size() == 9 && parts[8] != "status")) {
    return Respond(
        conn, 404,
        StatusObject(404, "NotFound", "the server could not find the requested resource"));
  }
  const std::string& name = parts[7];
  auto it = experiments.find(ns + "/" + name);
  if (it == experiments.end()) {
    return Respond(
        conn, 404,
        StatusObject(404, "NotFound", "experiments.kubeflow.org \"" + name + "\" not found"));
  }
  if (method == "GET") return Respond(conn, 200, it->second);
  if (method == "DELETE" && parts.size() == 8) {
    Json gone = it->second;
    Remove("experiments", ns, name);
    return Respond(conn, 200, gone);
  }
  const bool status = parts.size() == 9;
  if (status && (method == "PATCH" || method == "PUT")) {
    Json body = Json::parse(record.body, nullptr, false);
    if (!body.is_object()) {
      return Respond(conn, 400, StatusObject(400, "BadRequest", "the body is not a JSON object"));
    }
    Json updated = it->second;
    const std::string version = body.value("metadata", Json::object()).value("resourceVersion", "");
    if (method == "PUT" && !version.empty() &&
        version != updated["metadata"].value("resourceVersion", "")) {
      return Respond(conn, 409,
                     StatusObject(409, "Conflict",
                                  "Operation cannot be fulfilled on experiments.kubeflow.org \"" +
                                      name + "\": the object has been modified"));
    }
    // Through the status subresource only the status changes, as in a real API server.
    if (method == "PUT") {
      updated["status"] = body.value("status", Json::object());
    } else {
      Json status_patch = body.value("status", Json::object());
      Json merged = updated.value("status", Json::object());
      merged.merge_patch(status_patch);
      updated["status"] = merged;
    }
    Put("experiments", ns, name, updated, "MODIFIED");
    return Respond(conn, 200, experiments[ns + "/" + name]);
  }
  Respond(conn, 405, StatusObject(405, "MethodNotAllowed", method + " is not supported here"));
}

void FakeKubeApi::Impl::ListOrWatch(const std::shared_ptr<Conn>& conn, const std::string& resource,
                                    const std::string& ns,
                                    const std::map<std::string, std::string>& query) {
  const std::string collection = Collection(resource, ns);
  auto param = [&](const char* key) {
    auto it = query.find(key);
    return it == query.end() ? std::string() : it->second;
  };
  const std::string selector = param("labelSelector");
  if (param("watch") != "true") {
    Json items = Json::array();
    const auto& map = MapOf(resource);
    for (const auto& [key, object] : map) {
      if (object["metadata"]["namespace"] == ns && MatchesSelector(object, selector))
        items.push_back(object);
    }
    return Respond(conn, 200,
                   Json{{"kind", resource == "jobs"   ? "JobList"
                                 : resource == "pods" ? "PodList"
                                                      : "ExperimentList"},
                        {"apiVersion", resource == "jobs"   ? "batch/v1"
                                       : resource == "pods" ? "v1"
                                                            : "kubeflow.org/v1beta1"},
                        {"metadata", {{"resourceVersion", std::to_string(rv)}}},
                        {"items", items}});
  }
  StartStream(conn);
  const std::string from_text = param("resourceVersion");
  const uint64_t from = from_text.empty() ? rv : std::stoull(from_text);
  if (from < oldest_rv) {
    std::string line =
        Json{{"type", "ERROR"},
             {"object", StatusObject(410, "Expired", "too old resource version: " + from_text)}}
            .dump() +
        "\n";
    conn->Write(Chunk(line), false);
    conn->Write("0\r\n\r\n", true);
    return;
  }
  for (const Event& event : history) {
    if (event.rv > from && event.collection == collection &&
        MatchesSelector(event.object, selector)) {
      conn->Write(Chunk(Json{{"type", event.type}, {"object", event.object}}.dump() + "\n"), false);
    }
  }
  watchers.push_back({collection, selector, conn});
}

void FakeKubeApi::Impl::Logs(const std::shared_ptr<Conn>& conn, const std::string& ns,
                             const std::string& pod_name,
                             const std::map<std::string, std::string>& query) {
  const Json& pod = pods.at(ns + "/" + pod_name);
  auto container = query.find("container");
  if (container != query.end()) {
    bool found = false;
    for (const Json& c : pod["spec"]["containers"])
      found |= c.value("name", "") == container->second;
    if (!found) {
      return Respond(
          conn, 400,
          StatusObject(400, "BadRequest",
                       "container " + container->second + " is not valid for pod " + pod_name));
    }
  }
  if (pod["status"].value("phase", "") == "Pending") {
    return Respond(
        conn, 400,
        StatusObject(400, "BadRequest", "container is waiting to start: ContainerCreating"));
  }
  const std::string key = ns + "/" + pod_name;
  StartStream(conn);
  if (!logs[key].empty()) conn->Write(Chunk(logs[key]), false);
  auto follow = query.find("follow");
  if (follow == query.end() || follow->second != "true" || logs_closed.count(key)) {
    conn->Write("0\r\n\r\n", true);
    return;
  }
  followers.push_back({key, conn});
}

// --- the public face ---

FakeKubeApi::FakeKubeApi(asio::io_context& io, FakeKubeOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(options))) {
  impl_->Start();
}

FakeKubeApi::~FakeKubeApi() {
  impl_->stopping = true;
  beast::error_code ignored;
  impl_->acceptor.close(ignored);
  std::vector<std::string> keys;
  for (const auto& [key, process] : impl_->processes)
    keys.push_back(key);
  for (const auto& key : keys)
    impl_->StopProcess(key);
  for (auto& weak : impl_->conns) {
    if (auto conn = weak.lock()) {
      conn->closed = true;
    }
  }
}

uint16_t FakeKubeApi::port() const {
  return impl_->acceptor.local_endpoint().port();
}

std::string FakeKubeApi::url() const {
  return std::string(impl_->tls ? "https" : "http") + "://127.0.0.1:" + std::to_string(port());
}

const std::vector<RecordedRequest>& FakeKubeApi::requests() const {
  return impl_->requests;
}

std::vector<RecordedRequest> FakeKubeApi::RequestsTo(const std::string& method,
                                                     const std::string& suffix) const {
  std::vector<RecordedRequest> out;
  for (const auto& request : impl_->requests) {
    if (request.method == method && request.path.ends_with(suffix)) out.push_back(request);
  }
  return out;
}

std::optional<Json> FakeKubeApi::job(const std::string& ns, const std::string& name) const {
  auto it = impl_->jobs.find(ns + "/" + name);
  if (it == impl_->jobs.end()) return std::nullopt;
  return it->second;
}

std::optional<Json> FakeKubeApi::pod(const std::string& ns, const std::string& name) const {
  auto it = impl_->pods.find(ns + "/" + name);
  if (it == impl_->pods.end()) return std::nullopt;
  return it->second;
}

std::vector<std::string> FakeKubeApi::PodsOf(const std::string& ns, const std::string& job) const {
  std::vector<std::string> names;
  for (const auto& [key, pod] : impl_->pods) {
    if (pod["metadata"]["namespace"] == ns &&
        pod["metadata"]["labels"].value("job-name", "") == job)
      names.push_back(pod["metadata"]["name"]);
  }
  std::sort(names.begin(), names.end());
  return names;
}

Json FakeKubeApi::AddExperiment(Json experiment) {
  return impl_->NewExperiment(std::move(experiment));
}

std::optional<Json> FakeKubeApi::experiment(const std::string& ns, const std::string& name) const {
  auto it = impl_->experiments.find(ns + "/" + name);
  if (it == impl_->experiments.end()) return std::nullopt;
  return it->second;
}

void FakeKubeApi::DeleteExperiment(const std::string& ns, const std::string& name) {
  impl_->Remove("experiments", ns, name);
}

size_t FakeKubeApi::job_count() const {
  return impl_->jobs.size();
}

Json FakeKubeApi::AddJob(Json job) {
  return impl_->NewJob(std::move(job));
}

std::string FakeKubeApi::AddPod(const std::string& ns, const std::string& job) {
  return impl_->AddPod(ns, job);
}

void FakeKubeApi::SetPodRunning(const std::string& ns, const std::string& pod) {
  impl_->SetRunning(ns, pod);
}

void FakeKubeApi::AppendLog(const std::string& ns, const std::string& pod,
                            const std::string& text) {
  impl_->AppendLog(ns + "/" + pod, text);
}

void FakeKubeApi::FinishPod(const std::string& ns, const std::string& pod, int exit_code) {
  impl_->Finish(ns, pod, exit_code);
}

void FakeKubeApi::DisruptPod(const std::string& ns, const std::string& pod,
                             const std::string& reason) {
  Json object = impl_->PodRef(ns, pod);
  Json& conditions = object["status"]["conditions"];
  if (!conditions.is_array()) conditions = Json::array();
  conditions.push_back({{"type", "DisruptionTarget"},
                        {"status", "True"},
                        {"reason", reason},
                        {"message", "test disruption: " + reason},
                        {"lastTransitionTime", Now()}});
  impl_->Put("pods", ns, pod, object, "MODIFIED");
  impl_->Terminate(ns, pod, 137, "Error");
}

void FakeKubeApi::EvictPodByKubelet(const std::string& ns, const std::string& pod) {
  Json object = impl_->PodRef(ns, pod);
  object["status"]["phase"] = "Failed";
  object["status"]["reason"] = "Evicted";
  object["status"]["message"] = "The node was low on resource: memory.";
  impl_->Put("pods", ns, pod, object, "MODIFIED");
  impl_->CloseLog(ns + "/" + pod);
}

void FakeKubeApi::DeletePod(const std::string& ns, const std::string& pod) {
  impl_->Remove("pods", ns, pod);
}

void FakeKubeApi::DeleteJob(const std::string& ns, const std::string& name) {
  impl_->Remove("jobs", ns, name);
}

void FakeKubeApi::BreakLogStreams(const std::string& ns, const std::string& pod) {
  const std::string key = ns + "/" + pod;
  for (auto it = impl_->followers.begin(); it != impl_->followers.end();) {
    if (it->key == key) {
      if (auto conn = it->conn.lock()) conn->Abort();
      it = impl_->followers.erase(it);
    } else {
      ++it;
    }
  }
}

void FakeKubeApi::AddPriorityClass(const std::string& name) {
  impl_->priority_classes.insert(name);
}

void FakeKubeApi::FailNext(const std::string& method, const std::string& suffix, int status,
                           int count) {
  impl_->failures.push_back({method, suffix, status, count});
}

void FakeKubeApi::CompactHistory() {
  impl_->history.clear();
  impl_->oldest_rv = ++impl_->rv;  // a fresh list returns this version, which can be watched
  for (auto& watcher : impl_->watchers) {
    if (auto conn = watcher.conn.lock()) conn->Write("0\r\n\r\n", true);
  }
  impl_->watchers.clear();
}

size_t FakeKubeApi::open_watches() const {
  size_t count = 0;
  for (const auto& watcher : impl_->watchers) {
    auto conn = watcher.conn.lock();
    if (conn && !conn->closed) ++count;
  }
  return count;
}

}  // namespace tuneup::testing
