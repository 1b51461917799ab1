#include "kubeapi/kubeconfig_file.h"

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "common/error.h"

namespace tuneup::kubeapi {

namespace {

std::string Base64(const std::string& data) {
  std::vector<unsigned char> out(4 * ((data.size() + 2) / 3) + 1);
  const int size = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(data.data()),
                                   static_cast<int>(data.size()));
  return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(size));
}

}  // namespace

std::string KubeconfigYaml(const KubeconfigContents& contents) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  out << YAML::Key << "apiVersion" << YAML::Value << "v1";
  out << YAML::Key << "kind" << YAML::Value << "Config";
  out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << contents.name;
  out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "server" << YAML::Value << contents.server;
  if (!contents.ca_pem.empty()) {
    out << YAML::Key << "certificate-authority-data" << YAML::Value << Base64(contents.ca_pem);
  }
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << contents.name;
  out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
  if (!contents.token.empty()) out << YAML::Key << "token" << YAML::Value << contents.token;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
  out << YAML::Key << "name" << YAML::Value << contents.name;
  out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "cluster" << YAML::Value << contents.name;
  out << YAML::Key << "user" << YAML::Value << contents.name;
  out << YAML::Key << "namespace" << YAML::Value << contents.default_namespace;
  out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;
  out << YAML::Key << "current-context" << YAML::Value << contents.name;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

void WriteKubeconfig(const std::string& path, const KubeconfigContents& contents) {
  const std::string partial = path + ".partial";
  {
    std::ofstream file(partial, std::ios::trunc);
    if (!file) throw Error(ErrorCode::kIo, "kubeconfig " + path + ": cannot write " + partial);
    ::chmod(partial.c_str(), 0600);
    file << KubeconfigYaml(contents);
    if (!file.flush()) throw Error(ErrorCode::kIo, "kubeconfig " + path + ": cannot write it");
  }
  std::error_code ec;
  std::filesystem::rename(partial, path, ec);
  if (ec) throw Error(ErrorCode::kIo, "kubeconfig " + path + ": cannot write it: " + ec.message());
}

std::string RandomToken() {
  unsigned char bytes[32];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    throw Error(ErrorCode::kInternal, "OpenSSL: cannot make a random token");
  }
  std::string token;
  for (unsigned char byte : bytes) {
    char hex[3];
    std::snprintf(hex, sizeof(hex), "%02x", byte);
    token += hex;
  }
  return token;
}

}  // namespace tuneup::kubeapi
