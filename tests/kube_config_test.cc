// Finding the Kubernetes API server and credentials: kubeconfig files (inline data and files,
// contexts), the in-cluster service account, and clear errors for bad input.
#include "controller/kube_config.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <optional>
#include <string>

#include "common/error.h"
#include "tests/support/test_support.h"

namespace tuneup {
namespace {

using testing::TempDir;

const char kCa[] = "-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n";
const char kCaBase64[] =
    "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUJmYWtlCi0tLS0tRU5EIENFUlRJRklDQVRFLS0tLS0K";

std::string Kubeconfig(const std::string& cluster, const std::string& user,
                       const std::string& extra_context = "") {
  return R"(apiVersion: v1
kind: Config
current-context: dev
clusters:
  - name: dev-cluster
    cluster:
)" + cluster +
         R"(
users:
  - name: dev-user
    user:
)" + user +
         R"(
contexts:
  - name: dev
    context: {cluster: dev-cluster, user: dev-user, namespace: team-a}
)" + extra_context;
}

// The message of the Error that `fn` throws ("" if none).
template <typename Fn>
std::string ErrorOf(Fn fn) {
  try {
    fn();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidArgument);
    return e.what();
  }
  return "";
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(KubeConfigTest, InlineCaAndToken) {
  KubeConfig config = ParseKubeConfig(
      Kubeconfig(
          std::string("      server: https://10.0.0.1:6443\n      certificate-authority-data: ") +
              kCaBase64,
          "      token: abc.def\n"),
      "/home/u/.kube/config", "");
  EXPECT_EQ(config.scheme, "https");
  EXPECT_EQ(config.host, "10.0.0.1");
  EXPECT_EQ(config.port, "6443");
  EXPECT_EQ(config.base_path, "");
  EXPECT_EQ(config.ca_pem, kCa);
  EXPECT_EQ(config.token, "abc.def");
  EXPECT_EQ(config.namespace_, "team-a");
  EXPECT_FALSE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.server(), "https://10.0.0.1:6443");
  EXPECT_TRUE(Contains(config.source, "/home/u/.kube/config")) << config.source;
}

TEST(KubeConfigTest, FilesAreRelativeToTheKubeconfig) {
  TempDir dir;
  dir.WriteFile("certs/ca.pem", kCa);
  dir.WriteFile("certs/client.pem", "-----BEGIN CERTIFICATE-----\nclient\n");
  dir.WriteFile("certs/client-key.pem", "-----BEGIN PRIVATE KEY-----\nkey\n");
  std::string path =
      dir.WriteFile("config", Kubeconfig("      server: https://k8s.example:443/prefix/\n"
                                         "      certificate-authority: certs/ca.pem\n",
                                         "      client-certificate: certs/client.pem\n"
                                         "      client-key: " +
                                             dir.Join("certs/client-key.pem") + "\n"));
  KubeConfig config = LoadKubeConfig({path, "", ""});
  EXPECT_EQ(config.host, "k8s.example");
  EXPECT_EQ(config.port, "443");
  EXPECT_EQ(config.base_path, "/prefix");
  EXPECT_EQ(config.ca_pem, kCa);
  EXPECT_TRUE(Contains(config.client_cert_pem, "client"));
  EXPECT_TRUE(Contains(config.client_key_pem, "PRIVATE KEY"));
  EXPECT_TRUE(config.token.empty());
}

TEST(KubeConfigTest, TokenFileAndTheNamedContext) {
  TempDir dir;
  dir.WriteFile("token", "file-token\n");
  std::string path = dir.WriteFile("config", R"(current-context: dev
clusters:
  - {name: dev-cluster, cluster: {server: "https://a:1"}}
  - {name: other-cluster, cluster: {server: "http://b:8080"}}
users:
  - {name: dev-user, user: {tokenFile: token}}
contexts:
  - {name: dev, context: {cluster: dev-cluster, user: dev-user}}
  - {name: other, context: {cluster: other-cluster, user: dev-user, namespace: o}}
  - {name: anonymous, context: {cluster: other-cluster}}
)");
  KubeConfig dev = LoadKubeConfig({path, "", ""});
  EXPECT_EQ(dev.host, "a");
  EXPECT_EQ(dev.token_file, dir.Join("token"));
  EXPECT_EQ(dev.namespace_, "default");
  // The other context would send the token over plain http: refused.
  std::string error = ErrorOf([&] { LoadKubeConfig({path, "other", ""}); });
  EXPECT_TRUE(Contains(error,
                       "clusters[name=other-cluster].cluster.server: credentials would be "
                       "sent over plain http"))
      << error;
  KubeConfig anonymous = LoadKubeConfig({path, "anonymous", "ns-flag"});
  EXPECT_EQ(anonymous.host, "b");
  EXPECT_EQ(anonymous.scheme, "http");
  EXPECT_EQ(anonymous.namespace_, "ns-flag");
  EXPECT_TRUE(anonymous.token.empty() && anonymous.token_file.empty());
}

TEST(KubeConfigTest, InsecureHttpWithoutCredentialsAndIpv6) {
  std::string text = Kubeconfig(
      "      server: http://[::1]:8080\n      insecure-skip-tls-verify: true\n", "      {}\n");
  KubeConfig config = ParseKubeConfig(text, "/x/config", "dev");
  EXPECT_EQ(config.scheme, "http");
  EXPECT_EQ(config.host, "::1");
  EXPECT_EQ(config.port, "8080");
  EXPECT_TRUE(config.insecure_skip_tls_verify);
  EXPECT_EQ(config.server(), "http://[::1]:8080");
}

TEST(KubeConfigTest, BadInputNamesTheField) {
  const std::string server = "      server: https://a:6443\n";
  const std::string token = "      token: t\n";
  struct Case {
    std::string text;
    std::string context;
    std::string expected;
  } cases[] = {
      {"just: [text", "", "not valid YAML"},
      {"- a\n- b\n", "", "not a kubeconfig"},
      {Kubeconfig(server, token), "prod", "--kube-context prod: names \"prod\""},
      {"clusters: []\n", "", "current-context: not set"},
      {Kubeconfig("      insecure-skip-tls-verify: true\n", token), "",
       "clusters[name=dev-cluster].cluster.server: not set"},
      {Kubeconfig("      server: ftp://a\n", token), "", "the scheme must be https or http"},
      {Kubeconfig("      server: https://a:99999\n", token), "", "bad port"},
      {Kubeconfig(server + "      certificate-authority-data: '%%%'\n", token), "",
       "certificate-authority-data: not valid base64"},
      {Kubeconfig(server + "      certificate-authority-data: aGVsbG8=\n", token), "",
       "certificate-authority-data: does not hold PEM data"},
      {Kubeconfig(server + "      certificate-authority: /nonexistent/ca.pem\n", token), "",
       "certificate-authority: cannot read /nonexistent/ca.pem"},
      {Kubeconfig(server + "      insecure-skip-tls-verify: maybe\n", token), "",
       "insecure-skip-tls-verify: expected true or false"},
      {Kubeconfig(server, std::string("      client-certificate-data: ") + kCaBase64 + "\n"), "",
       "client-certificate without client-key"},
      {Kubeconfig(server, "      exec: {command: aws}\n"), "",
       "users[name=dev-user].user.exec: not supported"},
      {Kubeconfig(server, "      tokenFile: /nonexistent/token\n"), "",
       "tokenFile: cannot read /nonexistent/token"},
  };
  for (const auto& c : cases) {
    std::string error = ErrorOf([&] { ParseKubeConfig(c.text, "/k/config", c.context); });
    EXPECT_TRUE(Contains(error, c.expected)) << "expected \"" << c.expected << "\" in: " << error;
    EXPECT_TRUE(error.empty() || Contains(error, "/k/config") || Contains(error, "--kube-context"))
        << error;
  }
}

TEST(KubeConfigTest, UnknownUserOrClusterIsNamed) {
  std::string text = Kubeconfig("      server: https://a\n", "      token: t\n");
  std::string bad = text;
  bad.replace(bad.find("user: dev-user"), 14, "user: nobody");
  std::string error = ErrorOf([&] { ParseKubeConfig(bad, "/k/config", ""); });
  EXPECT_TRUE(Contains(error,
                       "contexts[name=dev].context.user: names \"nobody\", but users has no "
                       "entry of that name"))
      << error;
}

class ScopedEnv {
 public:
  ScopedEnv(const char* name, const std::string& value) : name_(name) {
    const char* old = std::getenv(name);
    if (old) old_ = old;
    ::setenv(name, value.c_str(), 1);
  }
  ~ScopedEnv() {
    if (old_) {
      ::setenv(name_, old_->c_str(), 1);
    } else {
      ::unsetenv(name_);
    }
  }

 private:
  const char* name_;
  std::optional<std::string> old_;
};

TEST(KubeConfigTest, KubeconfigVariableAndMissingFiles) {
  TempDir dir;
  std::string path =
      dir.WriteFile("kc", Kubeconfig("      server: https://from-env:6443\n", "      token: t\n"));
  {
    ScopedEnv kubeconfig("KUBECONFIG", path + ":/other/file");
    EXPECT_EQ(LoadKubeConfig({}).host, "from-env");
    EXPECT_EQ(LoadKubeConfig({"", "", "elsewhere"}).namespace_, "elsewhere");
  }
  std::string error = ErrorOf([&] { LoadKubeConfig({dir.Join("missing"), "", ""}); });
  EXPECT_TRUE(Contains(error, "--kubeconfig: cannot read kubeconfig " + dir.Join("missing")))
      << error;
  {
    ScopedEnv kubeconfig("KUBECONFIG", "");
    ScopedEnv home("HOME", dir.Join("empty-home"));
    ScopedEnv host("KUBERNETES_SERVICE_HOST", "");
    error = ErrorOf([&] { LoadKubeConfig({}); });
    EXPECT_TRUE(Contains(error, "no Kubernetes configuration")) << error;
  }
}

TEST(KubeConfigTest, InCluster) {
  TempDir dir;
  dir.WriteFile("sa/token", "sa-token\n");
  dir.WriteFile("sa/ca.crt", kCa);
  dir.WriteFile("sa/namespace", "trials\n");
  ScopedEnv host("KUBERNETES_SERVICE_HOST", "10.96.0.1");
  ScopedEnv port("KUBERNETES_SERVICE_PORT", "443");
  KubeConfig config = InClusterConfig(dir.Join("sa"));
  EXPECT_EQ(config.server(), "https://10.96.0.1:443");
  EXPECT_EQ(config.token_file, dir.Join("sa/token"));
  EXPECT_EQ(config.ca_pem, kCa);
  EXPECT_EQ(config.namespace_, "trials");
  std::string error = ErrorOf([&] { InClusterConfig(dir.Join("nothing")); });
  EXPECT_TRUE(Contains(error, "cannot read " + dir.Join("nothing") + "/token")) << error;
}

TEST(KubeConfigTest, Base64) {
  EXPECT_EQ(DecodeBase64("aGVsbG8="), "hello");
  EXPECT_EQ(DecodeBase64("aGVs\nbG8h"), "hello!");
  EXPECT_EQ(DecodeBase64(""), "");
  EXPECT_FALSE(DecodeBase64("aGVsbG8=x"));
  EXPECT_FALSE(DecodeBase64("a"));
  EXPECT_FALSE(DecodeBase64("a$bc"));
}

}  // namespace
}  // namespace tuneup
