// Where the Kubernetes API server is and how tuneup authenticates to it.
//
// Found as kubectl finds it: the kubeconfig file named by --kubeconfig, else the first file of
// $KUBECONFIG (a ':'-separated list; tuneup reads only its first entry), else ~/.kube/config if it
// exists, else the pod's own service account when tuneup runs inside a cluster
// (KUBERNETES_SERVICE_HOST/PORT and /var/run/secrets/kubernetes.io/serviceaccount/). From a
// kubeconfig, the context is --kube-context or else current-context; of its cluster tuneup uses
// server, certificate-authority(-data) and insecure-skip-tls-verify; of its user token, tokenFile,
// client-certificate(-data) and client-key(-data). Relative file names are relative to the
// kubeconfig's directory. Exec and auth-provider plugins, username/password and proxies are not
// supported: a user that has only those is an error naming the field.
#pragma once

#include <optional>
#include <string>

namespace tuneup {

struct KubeConfigOptions {
  std::string kubeconfig;  // a kubeconfig file; "" = $KUBECONFIG, ~/.kube/config, in-cluster
  std::string context;     // "" = the file's current-context
  std::string namespace_;  // "" = the context's namespace (in-cluster: the pod's), else default
};

struct KubeConfig {
  // The API server: "https" or "http", host (an IPv6 address without brackets), port, and a
  // path prefix ("" or e.g. "/k8s/clusters/c-1") that every request path is appended to.
  std::string scheme = "https";
  std::string host;
  std::string port;
  std::string base_path;
  // PEM certificates that may sign the server's certificate ("" = the system's default roots).
  std::string ca_pem;
  bool insecure_skip_tls_verify = false;
  // A bearer token, or a file that holds one (read again for every connection, because
  // service-account tokens are rotated). At most one of them is set.
  std::string token;
  std::string token_file;
  // A client certificate and its key, PEM ("" = none).
  std::string client_cert_pem;
  std::string client_key_pem;
  // The namespace trials go to when their manifest names none.
  std::string namespace_ = "default";
  // For messages: "kubeconfig /home/u/.kube/config, context dev" or "in-cluster service account".
  std::string source;

  bool tls() const { return scheme == "https"; }
  // "https://host:port" + base_path.
  std::string server() const;
};

// The configuration `options` selects (see the top of this file). Throws Error(kInvalidArgument)
// naming the file and field that is missing or wrong, or saying that no configuration was found.
KubeConfig LoadKubeConfig(const KubeConfigOptions& options);

// Parses kubeconfig text; `path` is used for messages and to resolve relative file names.
// `context` "" means current-context. Throws Error(kInvalidArgument) as LoadKubeConfig.
KubeConfig ParseKubeConfig(const std::string& text, const std::string& path,
                           const std::string& context);

// The in-cluster configuration: the server from $KUBERNETES_SERVICE_HOST and
// $KUBERNETES_SERVICE_PORT, token, ca.crt and namespace from `secrets_dir`. Throws
// Error(kInvalidArgument) when a variable or file is missing.
KubeConfig InClusterConfig(
    const std::string& secrets_dir = "/var/run/secrets/kubernetes.io/serviceaccount");

// Splits a server URL ("https://h:6443/prefix") into `config`. Throws Error(kInvalidArgument)
// with `what` (the field) in the message.
void SetServer(KubeConfig& config, const std::string& url, const std::string& what);

// Standard base64 (RFC 4648, whitespace ignored); nullopt when `text` is not valid base64.
std::optional<std::string> DecodeBase64(const std::string& text);

}  // namespace tuneup
