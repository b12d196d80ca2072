#pragma once
// Shared helpers for runtime tests against the real local API server (the `cluster` fixture).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <memory>
#include <random>
#include <string>
#include <thread>

#include "flop/http/cpprest_transport.hpp"
#include "flop/kube/client.hpp"

namespace flop::testing {

inline std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

inline kube::Config adminConfig() {
  kube::Config c = kube::loadKubeconfig();
  c.qps = 0;  // tests are not the system under load
  return c;
}

inline std::shared_ptr<kube::Client> adminClient(kube::RequestObserver observer = {}) {
  auto config = adminConfig();
  auto transport = std::make_shared<http::CppRestTransport>(config.tls);
  return std::make_shared<kube::Client>(config, transport, std::move(observer));
}

inline bool eventually(const std::function<bool()>& condition,
                       std::chrono::milliseconds timeout = std::chrono::seconds(30)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return condition();
}

// A namespace of its own for each test, deleted at the end.
class TestNamespace {
 public:
  explicit TestNamespace(const kube::Client& client, const std::string& prefix = "rt")
      : client_(client) {
    std::random_device rd;
    name_ = prefix + "-" + std::to_string(rd() % 1000000);
    client_.create(kube::resources::namespaces,
                   {{"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", name_}}}});
  }
  ~TestNamespace() {
    try {
      client_.remove(kube::resources::namespaces, "", name_);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not delete namespace " << name_ << ": " << e.what();
    }
  }
  const std::string& name() const { return name_; }

 private:
  const kube::Client& client_;
  std::string name_;
};

// Runs deploy/local/cluster.sh <args> against the test cluster; returns its exit status.
inline int clusterCommand(const std::string& args) {
  const std::string cmd = env("FLOP_SOURCE_DIR") + "/deploy/local/cluster.sh " + args + " --dir " +
                          env("FLOP_CLUSTER_DIR") + " >&2";
  return std::system(cmd.c_str());
}

inline kube::Json configMap(const std::string& ns, const std::string& name,
                            kube::Json data = kube::Json::object()) {
  return {{"apiVersion", "v1"},
          {"kind", "ConfigMap"},
          {"metadata", {{"name", name}, {"namespace", ns}, {"labels", {{"suite", "runtime"}}}}},
          {"data", std::move(data)}};
}

}  // namespace flop::testing

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <set>

namespace flop::testing {

// A free loopback TCP port (bound and released; good enough for tests).
inline int freePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Plain HTTP GET on loopback; the body, or "" when nothing answers.
inline std::string localGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  timeval tv{2, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "";
  }
  std::string req = "GET " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
  ::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string out;
  char buf[4096];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  auto body = out.find("\r\n\r\n");
  return body == std::string::npos ? "" : out.substr(body + 4);
}

// A transport whose "network" the test can cut: while closed, requests fail as if the
// connection were refused and open watch streams are aborted.
class GatedTransport : public http::Transport {
 public:
  explicit GatedTransport(std::shared_ptr<http::Transport> inner) : inner_(std::move(inner)) {}

  void close() {
    std::lock_guard lock(mutex_);
    open_ = false;
    for (auto& c : active_) c->cancel();
  }
  void reopen() {
    std::lock_guard lock(mutex_);
    open_ = true;
  }

  http::Response send(const http::Request& request) override {
    check();
    return inner_->send(request);
  }

  http::Response stream(const http::Request& request, const http::ChunkSink& sink) override {
    auto cancel = std::make_shared<Cancellation>();
    {
      std::lock_guard lock(mutex_);
      if (!open_) throw http::TransportError(http::TransportError::Kind::Connect, "gate closed");
      active_.insert(cancel);
    }
    std::uint64_t link = 0;
    if (request.cancellation) link = request.cancellation->onCancel([cancel] { cancel->cancel(); });
    auto cleanup = [&] {
      if (request.cancellation && link) request.cancellation->removeCallback(link);
      std::lock_guard lock(mutex_);
      active_.erase(cancel);
    };
    http::Request copy = request;
    copy.cancellation = cancel;
    try {
      auto response = inner_->stream(copy, sink);
      cleanup();
      return response;
    } catch (...) {
      cleanup();
      throw;
    }
  }

 private:
  void check() {
    std::lock_guard lock(mutex_);
    if (!open_) throw http::TransportError(http::TransportError::Kind::Connect, "gate closed");
  }
  std::shared_ptr<http::Transport> inner_;
  std::mutex mutex_;
  bool open_ = true;
  std::set<std::shared_ptr<Cancellation>> active_;
};

}  // namespace flop::testing
