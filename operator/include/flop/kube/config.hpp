#pragma once
// Where the API server is and how to authenticate: from a kubeconfig (like kubectl) or from the
// pod's service account (in-cluster).
#include <chrono>
#include <filesystem>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "flop/http/cpprest_transport.hpp"

namespace flop::kube {

struct Config {
  std::string server;  // https://host:port (no trailing slash)
  http::TlsOptions tls;
  std::string token;                // static bearer token
  std::filesystem::path tokenFile;  // bearer token re-read when it changes (projected tokens)
  std::string namespace_ = "default";
  double qps = 20;  // client-side rate limit (requests per second), 0 = unlimited
  int burst = 30;
  std::string userAgent = "fl-operator";
  std::chrono::milliseconds requestTimeout{30'000};  // per request (watches use their own)
  std::string source;  // "kubeconfig <path> context <name>" or "in-cluster", for messages
};

// Reads a kubeconfig: `explicitPath` if given, else every file of $KUBECONFIG (':'-separated,
// first file setting a key wins), else ~/.kube/config. Uses `context` or current-context.
// Throws InvalidInput naming the file and field on anything unusable (including exec and
// auth-provider plugins, which are not supported).
Config loadKubeconfig(const std::optional<std::filesystem::path>& explicitPath = std::nullopt,
                      const std::string& context = "");

// Parses kubeconfig text; relative file paths resolve against `baseDir`.
Config parseKubeconfig(const std::string& yaml, const std::filesystem::path& baseDir,
                       const std::string& context = "", const std::string& origin = "kubeconfig");

// In-cluster: KUBERNETES_SERVICE_HOST/PORT and the service-account files under `saDir`.
Config inClusterConfig(
    const std::filesystem::path& saDir = "/var/run/secrets/kubernetes.io/serviceaccount");

// The usual resolution order: --kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config.
Config loadDefaultConfig(const std::optional<std::filesystem::path>& kubeconfigFlag);

// Supplies the bearer token, re-reading tokenFile at most every `refresh` (rotation).
class TokenSource {
 public:
  explicit TokenSource(const Config& config,
                       std::chrono::seconds refresh = std::chrono::seconds(60));
  // Empty when the config has no token.
  std::string token();

 private:
  std::mutex mutex_;
  std::string token_;
  std::filesystem::path file_;
  std::chrono::seconds refresh_;
  std::chrono::steady_clock::time_point readAt_{};
};

}  // namespace flop::kube
