// The kubeconfig `tuneup serve --write-kubeconfig FILE` hands out: the server's address, the CA
// to trust it by, and a bearer token, so that kubectl and Katib's SDK work with no other setup.
#pragma once

#include <string>

namespace tuneup::kubeapi {

struct KubeconfigContents {
  std::string server;  // "https://127.0.0.1:6443"
  std::string ca_pem;  // the certificate (chain) clients should trust the server by
  std::string token;
  std::string default_namespace = "default";
  std::string name = "tuneup";  // of the cluster, user and context, which is current
};

// The kubeconfig as YAML.
std::string KubeconfigYaml(const KubeconfigContents& contents);

// Writes it to `path` readable by its owner only (it holds a token), whole: it appears under
// its name complete or not at all. Throws Error(kIo) naming the path.
void WriteKubeconfig(const std::string& path, const KubeconfigContents& contents);

// 32 random bytes as 64 hex digits, from OpenSSL's generator. Throws Error(kInternal).
std::string RandomToken();

}  // namespace tuneup::kubeapi
