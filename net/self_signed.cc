#include "net/self_signed.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <arpa/inet.h>

#include <ctime>
#include <memory>

#include "common/error.h"

namespace tuneup {

namespace {

struct FreeKey {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};
struct FreeCert {
  void operator()(X509* cert) const { X509_free(cert); }
};
struct FreeBio {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

void Check(bool ok, const char* what) {
  if (!ok) throw Error(ErrorCode::kInternal, std::string("OpenSSL: cannot ") + what);
}

bool IsIpAddress(const std::string& host) {
  unsigned char buffer[16];
  return inet_pton(AF_INET, host.c_str(), buffer) == 1 ||
         inet_pton(AF_INET6, host.c_str(), buffer) == 1;
}

template <class Write>
std::string ToPem(Write write) {
  std::unique_ptr<BIO, FreeBio> bio(BIO_new(BIO_s_mem()));
  Check(bio != nullptr && write(bio.get()) == 1, "write PEM");
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(size));
}

}  // namespace

CertificateAndKey MakeSelfSignedCertificate(const std::vector<std::string>& hosts, int days) {
  if (hosts.empty()) {
    throw Error(ErrorCode::kInvalidArgument, "a self-signed certificate needs at least one host");
  }
  std::unique_ptr<EVP_PKEY, FreeKey> key(EVP_EC_gen("P-256"));
  std::unique_ptr<X509, FreeCert> cert(X509_new());
  Check(key != nullptr && cert != nullptr, "make a key");
  Check(X509_set_version(cert.get(), 2) == 1, "set the certificate version");
  // A serial number that differs between certificates made by restarts of the same server.
  Check(ASN1_INTEGER_set(X509_get_serialNumber(cert.get()),
                         static_cast<long>(std::time(nullptr))) == 1,
        "set the serial number");
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), static_cast<long>(days) * 24 * 3600);
  Check(X509_set_pubkey(cert.get(), key.get()) == 1, "set the public key");
  X509_NAME* name = X509_get_subject_name(cert.get());
  Check(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                   reinterpret_cast<const unsigned char*>(hosts[0].c_str()), -1, -1,
                                   0) == 1,
        "set the common name");
  Check(X509_set_issuer_name(cert.get(), name) == 1, "set the issuer");
  std::string alt_names;
  for (const auto& host : hosts)
    alt_names +=
        (alt_names.empty() ? "" : ",") + std::string(IsIpAddress(host) ? "IP:" : "DNS:") + host;
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
  for (auto [nid, value] : {std::pair<int, std::string>{NID_subject_alt_name, alt_names},
                            {NID_basic_constraints, "critical,CA:TRUE"},
                            {NID_key_usage, "critical,digitalSignature,keyCertSign"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str());
    Check(extension != nullptr, "make a certificate extension");
    const int added = X509_add_ext(cert.get(), extension, -1);
    X509_EXTENSION_free(extension);
    Check(added == 1, "add a certificate extension");
  }
  Check(X509_sign(cert.get(), key.get(), EVP_sha256()) > 0, "sign the certificate");
  CertificateAndKey out;
  out.cert_pem = ToPem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); });
  out.key_pem = ToPem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  });
  return out;
}

}  // namespace tuneup
