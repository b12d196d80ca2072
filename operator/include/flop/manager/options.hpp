#pragma once
// fl-operator's command line, in the kubebuilder convention.
#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace flop::manager {

struct ManagerOptions {
  std::optional<std::string> kubeconfig;         // --kubeconfig
  std::string metricsBindAddress = ":8080";      // --metrics-bind-address ("0" disables)
  std::string healthProbeBindAddress = ":8081";  // --health-probe-bind-address ("0" disables)
  bool leaderElect = false;                      // --leader-elect
  std::string leaderElectionId = "fl-operator-leader";  // --leader-election-id
  std::string leaderElectionNamespace;  // --leader-election-namespace (default: config ns)
  std::chrono::milliseconds leaseDuration{15'000};  // --leader-election-lease-duration
  std::chrono::milliseconds renewDeadline{10'000};  // --leader-election-renew-deadline
  std::chrono::milliseconds retryPeriod{2'000};     // --leader-election-retry-period
  std::vector<std::string> watchNamespaces;         // --watch-namespaces=a,b (empty = all)
  std::string logLevel = "info";                    // --log-level
  std::string logFormat = "text";                   // --log-format=json|text
  int maxConcurrentReconciles = 1;                  // --max-concurrent-reconciles
  std::chrono::milliseconds gracefulShutdownTimeout{30'000};  // --graceful-shutdown-timeout
  std::optional<double> kubeApiQps;  // --kube-api-qps (0 = no client-side limit); default 20
  std::optional<int> kubeApiBurst;   // --kube-api-burst; default 30
  bool help = false;
};

// Parses argv (without argv[0]); accepts --flag=value and --flag value; booleans also bare.
// Throws InvalidInput("--flag", problem) on unknown flags and bad values.
ManagerOptions parseFlags(const std::vector<std::string>& args);
std::string usage();

// "host:port", ":port" or "0" (disabled) -> {host, port}; port 0 means disabled.
struct BindAddress {
  std::string host;
  int port = 0;
};
BindAddress parseBindAddress(const std::string& flag, const std::string& value);

// Parses "250ms", "15s", "2m", "1h" or a bare number of seconds.
std::chrono::milliseconds parseDuration(const std::string& flag, const std::string& value);

}  // namespace flop::manager
