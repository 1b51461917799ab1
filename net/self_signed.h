// Self-signed TLS certificates, for servers started without one (`tuneup serve --kube-listen`
// writes the certificate into the kubeconfig it hands out, as the CA to trust).
#pragma once

#include <string>
#include <vector>

namespace tuneup {

struct CertificateAndKey {
  std::string cert_pem;
  std::string key_pem;
};

// A P-256 key and a certificate for `hosts` (each an IP address or a DNS name, all of them in
// subjectAltName; the first is also the common name), valid from an hour ago for `days` days.
// It is its own CA (basicConstraints CA:TRUE), so clients can trust it by itself; with no
// extended key usage it serves as a client certificate too (tests use it both ways). Throws
// Error(kInvalidArgument) for no hosts, kInternal when OpenSSL fails.
CertificateAndKey MakeSelfSignedCertificate(const std::vector<std::string>& hosts, int days = 365);

}  // namespace tuneup
