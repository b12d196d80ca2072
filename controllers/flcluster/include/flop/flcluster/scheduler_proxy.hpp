#pragma once
// The scheduler pod's management sidecar. From MindSpore 1.5 the management API listens on
// 127.0.0.1 only, so this proxy (same network namespace) exposes it on the pod network, guarded
// by a bearer token read from a mounted Secret file, and forwards only the management paths.
//
//   fl-operator scheduler-proxy --listen=0.0.0.0:11203 --upstream=http://127.0.0.1:11202
//       --token-file=/var/run/fl-operator/token [--upstream-insecure-skip-verify]
#include <chrono>
#include <string>
#include <vector>

#include "flop/cancellation.hpp"
#include "flop/http/transport.hpp"

namespace flop::flcluster {

struct ProxyOptions {
  std::string listen = "0.0.0.0:11203";
  std::string upstream = "http://127.0.0.1:11202";
  std::string tokenFile;
  std::string token;  // read from tokenFile at start
  bool upstreamInsecureSkipVerify = false;
  std::chrono::milliseconds timeout{60'000};
};

// Parses the flags above; throws flop::InvalidInput naming the bad flag.
ProxyOptions parseProxyFlags(const std::vector<std::string>& args);

// One request: 401 without the right token, 404 outside the management paths, 502 when the
// scheduler does not answer; otherwise the scheduler's reply unchanged (status and body).
http::Response forwardManagementRequest(http::Transport& upstream, const ProxyOptions& options,
                                        const std::string& method, const std::string& pathAndQuery,
                                        const http::Headers& headers, std::string body);

// Serves until `stop` fires. Returns the process exit code.
int runSchedulerProxy(const ProxyOptions& options, const Cancellation& stop);

}  // namespace flop::flcluster
