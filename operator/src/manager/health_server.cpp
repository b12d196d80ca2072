#include "flop/manager/health_server.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "flop/error.hpp"

namespace flop::manager {

HealthServer::HealthServer(const std::string& host, int port) {
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd_ < 0) throw Error("health server: socket() failed: " + std::string(std::strerror(errno)));
  int one = 1;
  ::setsockopt(fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  const std::string h = host.empty() || host == "0.0.0.0" ? "0.0.0.0"
                        : host == "localhost"             ? "127.0.0.1"
                                                          : host;
  if (::inet_pton(AF_INET, h.c_str(), &addr.sin_addr) != 1) {
    ::close(fd_);
    throw InvalidInput("--health-probe-bind-address", "not an IPv4 address: " + host);
  }
  if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 16) != 0) {
    std::string why = std::strerror(errno);
    ::close(fd_);
    throw InvalidInput("--health-probe-bind-address",
                       "cannot listen on " + h + ":" + std::to_string(port) + ": " + why);
  }
  socklen_t len = sizeof addr;
  ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  thread_ = std::thread([this] { serve(); });
}

HealthServer::~HealthServer() {
  stopping_ = true;
  if (thread_.joinable()) thread_.join();
  ::close(fd_);
}

void HealthServer::addHealthCheck(const std::string& name, Check check) {
  std::lock_guard lock(mutex_);
  health_[name] = std::move(check);
}

void HealthServer::addReadyCheck(const std::string& name, Check check) {
  std::lock_guard lock(mutex_);
  ready_[name] = std::move(check);
}

std::string HealthServer::respond(const std::string& path) {
  const std::string bare = path.substr(0, path.find('?'));
  std::map<std::string, Check> checks;
  {
    std::lock_guard lock(mutex_);
    if (bare == "/healthz")
      checks = health_;
    else if (bare == "/readyz")
      checks = ready_;
    else
      return "HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\nConnection: close\r\n\r\nnot found\n";
  }
  bool ok = true;
  std::string detail;
  for (const auto& [name, check] : checks) {
    bool passed = false;
    try {
      passed = check();
    } catch (...) {
      passed = false;
    }
    ok = ok && passed;
    detail += std::string(passed ? "[+]" : "[-]") + name + (passed ? " ok\n" : " failed\n");
  }
  std::string body =
      ok ? "ok\n" : detail + (bare == "/readyz" ? "readyz" : "healthz") + " check failed\n";
  return std::string(ok ? "HTTP/1.1 200 OK" : "HTTP/1.1 500 Internal Server Error") +
         "\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n" + body;
}

void HealthServer::serve() {
  while (!stopping_) {
    pollfd p{fd_, POLLIN, 0};
    if (::poll(&p, 1, 200) <= 0) continue;  // wake up regularly to notice stopping_
    int client = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (client < 0) continue;
    timeval tv{2, 0};
    ::setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    std::string request;
    char buf[1024];
    while (request.find("\r\n\r\n") == std::string::npos && request.size() < 8192) {
      ssize_t n = ::recv(client, buf, sizeof buf, 0);
      if (n <= 0) break;
      request.append(buf, static_cast<std::size_t>(n));
    }
    std::string response;
    auto sp1 = request.find(' ');
    auto sp2 = sp1 == std::string::npos ? sp1 : request.find(' ', sp1 + 1);
    if (sp2 == std::string::npos) {
      response = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
    } else {
      response = respond(request.substr(sp1 + 1, sp2 - sp1 - 1));
    }
    ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    ::close(client);
  }
}

}  // namespace flop::manager
