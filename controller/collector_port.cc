#include "controller/collector_port.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstring>
#include <string>

#include "common/error.h"
#include "common/text.h"

namespace tuneup {

namespace {

std::string Rewrite(const std::string& text, const std::string& from, const std::string& to) {
  return ReplaceWhole(text, from, to, [](std::string_view t, size_t begin, size_t end) {
    const bool starts = begin == 0 || t[begin - 1] == '=' || t[begin - 1] == ':';
    return starts && (end == t.size() || t[end] == '/');
  });
}

}  // namespace

uint16_t PickFreeLocalPort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) throw Error(ErrorCode::kIo, std::string("socket: ") + std::strerror(errno));
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0) {
    const int error = errno;
    ::close(fd);
    throw Error(ErrorCode::kIo, std::string("cannot find a free port: ") + std::strerror(error));
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

void UseLocalPort(TrialJob& job, uint16_t declared, uint16_t local) {
  const std::string from = std::to_string(declared);
  const std::string to = std::to_string(local);
  for (auto& arg : job.argv)
    arg = Rewrite(arg, from, to);
  for (auto& [name, value] : job.env) {
    if (name.rfind("TUNEUP_", 0) != 0) value = Rewrite(value, from, to);
  }
  job.env.emplace_back("TUNEUP_METRICS_PORT", to);
}

}  // namespace tuneup
