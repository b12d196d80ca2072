#pragma once
// A minimal HTTP/1.1 server for /healthz and /readyz probes (GET only, no keep-alive).
#include <atomic>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <thread>

namespace flop::manager {

class HealthServer {
 public:
  using Check = std::function<bool()>;
  // port 0 picks a free port (see port()).
  HealthServer(const std::string& host, int port);
  ~HealthServer();
  HealthServer(const HealthServer&) = delete;
  HealthServer& operator=(const HealthServer&) = delete;

  void addHealthCheck(const std::string& name, Check check);
  void addReadyCheck(const std::string& name, Check check);
  int port() const { return port_; }

 private:
  void serve();
  std::string respond(const std::string& path);

  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::map<std::string, Check> health_, ready_;
  std::thread thread_;
};

}  // namespace flop::manager
