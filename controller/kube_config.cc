#include "controller/kube_config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "common/error.h"

namespace tuneup {

namespace fs = std::filesystem;

namespace {

[[noreturn]] void Fail(const std::string& message) {
  throw Error(ErrorCode::kInvalidArgument, message);
}

std::optional<std::string> ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string Env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

std::string TrimToken(std::string token) {
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r' || token.back() == ' '))
    token.pop_back();
  return token;
}

// Reads a kubeconfig: `where` prefixes every message ("kubeconfig /x/config").
class KubeconfigReader {
 public:
  KubeconfigReader(const YAML::Node& root, std::string where, fs::path dir)
      : root_(root), where_(std::move(where)), dir_(std::move(dir)) {}

  [[noreturn]] void Fail(const std::string& field, const std::string& message) const {
    tuneup::Fail(where_ + ": " + field + ": " + message);
  }

  // The string at `node[key]`, "" when absent; an error when present but not a scalar.
  std::string String(const YAML::Node& node, const char* key, const std::string& path) const {
    YAML::Node value = node[key];
    if (!value || value.IsNull()) return "";
    if (!value.IsScalar()) Fail(path + "." + key, "expected a string");
    return value.Scalar();
  }

  bool Bool(const YAML::Node& node, const char* key, const std::string& path) const {
    YAML::Node value = node[key];
    if (!value || value.IsNull()) return false;
    std::string text = value.IsScalar() ? value.Scalar() : "";
    if (text == "true") return true;
    if (text == "false") return false;
    Fail(path + "." + key, "expected true or false");
  }

  // The `field` of the entry named `name` in the list `list` ("clusters", "users", ...).
  YAML::Node Named(const char* list, const std::string& name, const char* field,
                   const std::string& referenced_by) const {
    YAML::Node entries = root_[list];
    if (entries && !entries.IsSequence()) Fail(list, "expected a list");
    if (entries) {
      for (size_t i = 0; i < entries.size(); ++i) {
        const YAML::Node& entry = entries[i];
        if (!entry.IsMap()) Fail(std::string(list) + "[" + std::to_string(i) + "]", "not a map");
        if (String(entry, "name", std::string(list) + "[" + std::to_string(i) + "]") == name) {
          YAML::Node value = entry[field];
          if (!value || !value.IsMap()) {
            Fail(std::string(list) + "[name=" + name + "]." + field, "missing or not a map");
          }
          return value;
        }
      }
    }
    Fail(referenced_by, "names \"" + name + "\", but " + list + " has no entry of that name");
  }

  // A PEM value given inline (`data_key`, base64) or as a file (`file_key`); "" when neither.
  std::string Pem(const YAML::Node& node, const char* data_key, const char* file_key,
                  const std::string& path) const {
    std::string data = String(node, data_key, path);
    std::string file = String(node, file_key, path);
    if (!data.empty()) {
      std::optional<std::string> decoded = DecodeBase64(data);
      if (!decoded) Fail(path + "." + data_key, "not valid base64");
      if (decoded->find("-----BEGIN ") == std::string::npos) {
        Fail(path + "." + data_key, "does not hold PEM data (no -----BEGIN line)");
      }
      return *decoded;
    }
    if (file.empty()) return "";
    return ReadFile(path + "." + file_key, file);
  }

  std::string ReadFile(const std::string& field, const std::string& file) const {
    fs::path full = fs::path(file).is_absolute() ? fs::path(file) : dir_ / file;
    std::optional<std::string> text = ReadWholeFile(full.string());
    if (!text) Fail(field, "cannot read " + full.string());
    return *text;
  }

  std::string ResolvePath(const std::string& file) const {
    return (fs::path(file).is_absolute() ? fs::path(file) : dir_ / file).string();
  }

 private:
  const YAML::Node& root_;
  std::string where_;
  fs::path dir_;
};

}  // namespace

std::string KubeConfig::server() const {
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return scheme + "://" + shown_host + ":" + port + base_path;
}

std::optional<std::string> DecodeBase64(const std::string& text) {
  auto value_of = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  std::string out;
  unsigned bits = 0;
  int nbits = 0;
  int padding = 0;
  size_t symbols = 0;
  for (char c : text) {
    if (c == ' ' || c == '\n' || c == '\r' || c == '\t') continue;
    if (c == '=') {
      ++padding;
      ++symbols;
      continue;
    }
    if (padding > 0) return std::nullopt;  // data after padding
    int v = value_of(c);
    if (v < 0) return std::nullopt;
    ++symbols;
    bits = (bits << 6) | static_cast<unsigned>(v);
    nbits += 6;
    if (nbits >= 8) {
      nbits -= 8;
      out += static_cast<char>((bits >> nbits) & 0xff);
    }
  }
  if (padding > 2 || (padding > 0 && symbols % 4 != 0) || symbols % 4 == 1) return std::nullopt;
  return out;
}

void SetServer(KubeConfig& config, const std::string& url, const std::string& what) {
  auto fail = [&](const std::string& why) {
    Fail(what + ": \"" + url + "\" is not a usable API server URL: " + why);
  };
  size_t scheme_end = url.find("://");
  if (scheme_end == std::string::npos) fail("expected https://HOST[:PORT]");
  config.scheme = url.substr(0, scheme_end);
  if (config.scheme != "https" && config.scheme != "http") fail("the scheme must be https or http");
  std::string rest = url.substr(scheme_end + 3);
  size_t path_start = rest.find('/');
  std::string authority = rest.substr(0, path_start);
  config.base_path = path_start == std::string::npos ? "" : rest.substr(path_start);
  while (!config.base_path.empty() && config.base_path.back() == '/')
    config.base_path.pop_back();
  if (authority.find('@') != std::string::npos) fail("user information in the URL");
  std::string port;
  if (!authority.empty() && authority.front() == '[') {
    size_t close = authority.find(']');
    if (close == std::string::npos) fail("unclosed [ in an IPv6 address");
    config.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') fail("unexpected text after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else {
    size_t colon = authority.rfind(':');
    config.host = authority.substr(0, colon);
    if (colon != std::string::npos) port = authority.substr(colon + 1);
  }
  if (config.host.empty()) fail("no host");
  if (port.empty()) port = config.scheme == "https" ? "443" : "80";
  if (port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 ||
      std::stoi(port) == 0 || std::stoi(port) > 65535) {
    fail("bad port \"" + port + "\"");
  }
  config.port = port;
}

KubeConfig ParseKubeConfig(const std::string& text, const std::string& path,
                           const std::string& context) {
  const std::string where = "kubeconfig " + path;
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    Fail(where + ": not valid YAML: " + e.what());
  }
  if (!root.IsMap()) Fail(where + ": not a kubeconfig (expected a YAML map)");
  KubeconfigReader reader(root, where, fs::path(path).parent_path());

  std::string context_name = context;
  if (context_name.empty()) {
    context_name = reader.String(root, "current-context", "");
    if (context_name.empty()) {
      Fail(where + ": current-context: not set (name a context with --kube-context)");
    }
  }
  const std::string referenced =
      context.empty() ? "current-context" : "--kube-context " + context_name;
  YAML::Node ctx = reader.Named("contexts", context_name, "context", referenced);
  const std::string ctx_path = "contexts[name=" + context_name + "].context";
  std::string cluster_name = reader.String(ctx, "cluster", ctx_path);
  std::string user_name = reader.String(ctx, "user", ctx_path);
  if (cluster_name.empty()) Fail(where + ": " + ctx_path + ".cluster: not set");

  KubeConfig config;
  config.source = where + ", context " + context_name;
  if (std::string ns = reader.String(ctx, "namespace", ctx_path); !ns.empty())
    config.namespace_ = ns;

  YAML::Node cluster = reader.Named("clusters", cluster_name, "cluster", ctx_path + ".cluster");
  const std::string cluster_path = "clusters[name=" + cluster_name + "].cluster";
  std::string server = reader.String(cluster, "server", cluster_path);
  if (server.empty()) Fail(where + ": " + cluster_path + ".server: not set");
  SetServer(config, server, where + ": " + cluster_path + ".server");
  config.insecure_skip_tls_verify = reader.Bool(cluster, "insecure-skip-tls-verify", cluster_path);
  config.ca_pem =
      reader.Pem(cluster, "certificate-authority-data", "certificate-authority", cluster_path);
  if (!reader.String(cluster, "proxy-url", cluster_path).empty()) {
    Fail(where + ": " + cluster_path + ".proxy-url: proxies are not supported");
  }

  if (user_name.empty()) return config;  // no credentials: anonymous
  YAML::Node user = reader.Named("users", user_name, "user", ctx_path + ".user");
  const std::string user_path = "users[name=" + user_name + "].user";
  config.token = TrimToken(reader.String(user, "token", user_path));
  if (std::string file = reader.String(user, "tokenFile", user_path);
      config.token.empty() && !file.empty()) {
    config.token_file = reader.ResolvePath(file);
    if (!ReadWholeFile(config.token_file)) {
      Fail(where + ": " + user_path + ".tokenFile: cannot read " + config.token_file);
    }
  }
  config.client_cert_pem =
      reader.Pem(user, "client-certificate-data", "client-certificate", user_path);
  config.client_key_pem = reader.Pem(user, "client-key-data", "client-key", user_path);
  if (config.client_cert_pem.empty() != config.client_key_pem.empty()) {
    Fail(where + ": " + user_path + ": " +
         (config.client_cert_pem.empty() ? "client-key without client-certificate"
                                         : "client-certificate without client-key"));
  }
  const bool has_credentials =
      !config.token.empty() || !config.token_file.empty() || !config.client_cert_pem.empty();
  if (!has_credentials) {
    for (const char* plugin : {"exec", "auth-provider", "username"}) {
      if (user[plugin]) {
        Fail(where + ": " + user_path + "." + plugin +
             ": not supported by tuneup (use a token, tokenFile or client certificate)");
      }
    }
  }
  if (config.tls() == false && has_credentials) {
    // Credentials in clear text over the network are refused, as kubectl does for tokens.
    Fail(where + ": " + cluster_path + ".server: credentials would be sent over plain http");
  }
  return config;
}

KubeConfig InClusterConfig(const std::string& secrets_dir) {
  std::string host = Env("KUBERNETES_SERVICE_HOST");
  std::string port = Env("KUBERNETES_SERVICE_PORT");
  if (host.empty() || port.empty()) {
    Fail(
        "in-cluster configuration: KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be "
        "set");
  }
  KubeConfig config;
  std::string shown_host = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  SetServer(config, "https://" + shown_host + ":" + port, "in-cluster configuration");
  config.source = "in-cluster service account (" + secrets_dir + ")";
  config.token_file = secrets_dir + "/token";
  if (!ReadWholeFile(config.token_file)) {
    Fail("in-cluster configuration: cannot read " + config.token_file);
  }
  std::optional<std::string> ca = ReadWholeFile(secrets_dir + "/ca.crt");
  if (!ca) Fail("in-cluster configuration: cannot read " + secrets_dir + "/ca.crt");
  config.ca_pem = *ca;
  if (std::optional<std::string> ns = ReadWholeFile(secrets_dir + "/namespace")) {
    std::string trimmed = TrimToken(*ns);
    if (!trimmed.empty()) config.namespace_ = trimmed;
  }
  return config;
}

KubeConfig LoadKubeConfig(const KubeConfigOptions& options) {
  std::string path = options.kubeconfig;
  std::string named_by = "--kubeconfig";
  if (path.empty()) {
    std::string list = Env("KUBECONFIG");
    path = list.substr(0, list.find(':'));
    named_by = "$KUBECONFIG";
  }
  if (path.empty()) {
    std::string home = Env("HOME");
    std::error_code ec;
    if (!home.empty() && fs::is_regular_file(home + "/.kube/config", ec)) {
      path = home + "/.kube/config";
      named_by = "~/.kube/config";
    }
  }
  KubeConfig config;
  if (!path.empty()) {
    std::optional<std::string> text = ReadWholeFile(path);
    if (!text) Fail(named_by + ": cannot read kubeconfig " + path);
    config = ParseKubeConfig(*text, path, options.context);
  } else if (!Env("KUBERNETES_SERVICE_HOST").empty()) {
    if (!options.context.empty()) {
      Fail("--kube-context " + options.context + ": no kubeconfig to take it from");
    }
    config = InClusterConfig();
  } else {
    Fail(
        "no Kubernetes configuration: give --kubeconfig, set $KUBECONFIG, create "
        "~/.kube/config, or run tuneup inside a cluster");
  }
  if (!options.namespace_.empty()) config.namespace_ = options.namespace_;
  return config;
}

}  // namespace tuneup
