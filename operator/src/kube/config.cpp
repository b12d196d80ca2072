#include "flop/kube/config.hpp"

#include <array>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

#include "flop/base64.hpp"
#include "flop/error.hpp"

namespace flop::kube {
namespace fs = std::filesystem;
namespace {

std::string readFile(const fs::path& path, const std::string& where) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InvalidInput(where, "cannot read file " + path.string());
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

fs::path resolve(const fs::path& baseDir, const std::string& file) {
  fs::path p(file);
  return p.is_absolute() ? p : baseDir / p;
}

std::string trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// One named entry (cluster, user or context) and the directory its file lives in.
struct Entry {
  YAML::Node node;
  fs::path baseDir;
  std::string origin;
};

struct Merged {
  std::map<std::string, Entry> clusters, users, contexts;
  std::string currentContext;
};

void mergeDocument(Merged& merged, const std::string& text, const fs::path& baseDir,
                   const std::string& origin) {
  YAML::Node doc;
  try {
    doc = YAML::Load(text);
  } catch (const YAML::Exception& e) {
    throw InvalidInput(origin, std::string("not valid YAML: ") + e.what());
  }
  if (!doc || doc.IsNull()) return;
  if (!doc.IsMap()) throw InvalidInput(origin, "a kubeconfig must be a YAML mapping");
  auto collect = [&](const char* list, const char* inner, std::map<std::string, Entry>& into) {
    auto items = doc[list];
    if (!items) return;
    if (!items.IsSequence()) throw InvalidInput(origin + ": " + list, "must be a list");
    for (const auto& item : items) {
      auto name = item["name"];
      if (!name || !name.IsScalar())
        throw InvalidInput(origin + ": " + list, "an entry has no name");
      auto body = item[inner];
      into.try_emplace(name.as<std::string>(),
                       Entry{body ? body : YAML::Node(YAML::NodeType::Map), baseDir, origin});
    }
  };
  collect("clusters", "cluster", merged.clusters);
  collect("users", "user", merged.users);
  collect("contexts", "context", merged.contexts);
  if (merged.currentContext.empty() && doc["current-context"] && doc["current-context"].IsScalar())
    merged.currentContext = doc["current-context"].as<std::string>();
}

std::string scalar(const YAML::Node& node, const char* key) {
  auto v = node[key];
  return v && v.IsScalar() ? v.as<std::string>() : std::string();
}

// Inline `*-data` (base64) wins over the file variant, like kubectl.
std::string dataOrFile(const Entry& e, const char* dataKey, const char* fileKey,
                       const std::string& where) {
  if (auto data = scalar(e.node, dataKey); !data.empty())
    return base64Decode(data, where + "." + dataKey);
  if (auto file = scalar(e.node, fileKey); !file.empty())
    return readFile(resolve(e.baseDir, file), where + "." + fileKey);
  return {};
}

Config build(const Merged& merged, const std::string& contextOverride, const std::string& origin) {
  const std::string contextName = contextOverride.empty() ? merged.currentContext : contextOverride;
  if (contextName.empty())
    throw InvalidInput(origin + ": current-context", "no current context is set");
  auto ctx = merged.contexts.find(contextName);
  if (ctx == merged.contexts.end())
    throw InvalidInput(origin + ": contexts", "context \"" + contextName + "\" is not defined");
  const std::string clusterName = scalar(ctx->second.node, "cluster");
  const std::string userName = scalar(ctx->second.node, "user");
  auto cluster = merged.clusters.find(clusterName);
  if (cluster == merged.clusters.end())
    throw InvalidInput(ctx->second.origin + ": contexts[" + contextName + "].cluster",
                       "cluster \"" + clusterName + "\" is not defined");

  Config config;
  config.source = origin + " context " + contextName;
  const std::string cwhere = cluster->second.origin + ": clusters[" + clusterName + "].cluster";
  config.server = scalar(cluster->second.node, "server");
  if (config.server.empty()) throw InvalidInput(cwhere + ".server", "is empty");
  while (!config.server.empty() && config.server.back() == '/') config.server.pop_back();
  if (config.server.rfind("https://", 0) != 0 && config.server.rfind("http://", 0) != 0)
    throw InvalidInput(cwhere + ".server", "must start with https:// or http://");
  config.tls.caPem =
      dataOrFile(cluster->second, "certificate-authority-data", "certificate-authority", cwhere);
  config.tls.insecureSkipVerify =
      scalar(cluster->second.node, "insecure-skip-tls-verify") == "true";
  config.tls.serverName = scalar(cluster->second.node, "tls-server-name");
  if (auto ns = scalar(ctx->second.node, "namespace"); !ns.empty()) config.namespace_ = ns;

  if (!userName.empty()) {
    auto user = merged.users.find(userName);
    if (user == merged.users.end())
      throw InvalidInput(ctx->second.origin + ": contexts[" + contextName + "].user",
                         "user \"" + userName + "\" is not defined");
    const std::string uwhere = user->second.origin + ": users[" + userName + "].user";
    const auto& u = user->second.node;
    if (u["exec"])
      throw InvalidInput(uwhere + ".exec",
                         "exec credential plugins are not supported; use a client certificate "
                         "or a token (e.g. a ServiceAccount token) in the kubeconfig");
    if (u["auth-provider"])
      throw InvalidInput(uwhere + ".auth-provider",
                         "auth-provider plugins are not supported; use a client certificate or "
                         "a token in the kubeconfig");
    if (u["username"] || u["password"])
      throw InvalidInput(uwhere + ".username", "basic authentication is not supported");
    config.tls.clientCertPem =
        dataOrFile(user->second, "client-certificate-data", "client-certificate", uwhere);
    config.tls.clientKeyPem = dataOrFile(user->second, "client-key-data", "client-key", uwhere);
    if (config.tls.clientCertPem.empty() != config.tls.clientKeyPem.empty())
      throw InvalidInput(uwhere, "client certificate and client key must be given together");
    config.token = scalar(u, "token");
    if (auto file = scalar(u, "tokenFile"); !file.empty()) {
      config.tokenFile = resolve(user->second.baseDir, file);
      config.token = trimmed(readFile(config.tokenFile, uwhere + ".tokenFile"));
    }
  }
  return config;
}

fs::path homeKubeconfig() {
  const char* home = std::getenv("HOME");
  return fs::path(home ? home : "") / ".kube" / "config";
}

}  // namespace

Config parseKubeconfig(const std::string& yaml, const fs::path& baseDir, const std::string& context,
                       const std::string& origin) {
  Merged merged;
  mergeDocument(merged, yaml, baseDir, origin);
  return build(merged, context, origin);
}

Config loadKubeconfig(const std::optional<fs::path>& explicitPath, const std::string& context) {
  std::vector<fs::path> files;
  if (explicitPath) {
    files.push_back(*explicitPath);
  } else if (const char* env = std::getenv("KUBECONFIG"); env && *env) {
    std::string list = env;
    std::size_t start = 0;
    while (start <= list.size()) {
      auto end = list.find(':', start);
      auto item = list.substr(start, end == std::string::npos ? std::string::npos : end - start);
      if (!item.empty()) files.emplace_back(item);
      if (end == std::string::npos) break;
      start = end + 1;
    }
  } else {
    files.push_back(homeKubeconfig());
  }
  Merged merged;
  std::string origin;
  for (const auto& file : files) {
    if (!explicitPath && !fs::exists(file)) continue;  // $KUBECONFIG may list missing files
    mergeDocument(merged, readFile(file, "kubeconfig"), fs::absolute(file).parent_path(),
                  file.string());
    origin += (origin.empty() ? "" : ":") + file.string();
  }
  if (origin.empty()) throw InvalidInput("kubeconfig", "no kubeconfig file found");
  return build(merged, context, "kubeconfig " + origin);
}

Config inClusterConfig(const fs::path& saDir) {
  const char* host = std::getenv("KUBERNETES_SERVICE_HOST");
  const char* port = std::getenv("KUBERNETES_SERVICE_PORT");
  if (!host || !*host || !port || !*port)
    throw InvalidInput("KUBERNETES_SERVICE_HOST",
                       "not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset)");
  std::string h = host;
  if (h.find(':') != std::string::npos && h.front() != '[') h = "[" + h + "]";  // IPv6
  Config config;
  config.server = "https://" + h + ":" + port;
  config.tokenFile = saDir / "token";
  config.token = trimmed(readFile(config.tokenFile, "in-cluster token"));
  config.tls.caPem = readFile(saDir / "ca.crt", "in-cluster CA");
  if (fs::exists(saDir / "namespace"))
    config.namespace_ = trimmed(readFile(saDir / "namespace", "in-cluster namespace"));
  config.source = "in-cluster";
  return config;
}

Config loadDefaultConfig(const std::optional<fs::path>& kubeconfigFlag) {
  if (kubeconfigFlag) return loadKubeconfig(kubeconfigFlag);
  if (const char* env = std::getenv("KUBECONFIG"); env && *env) return loadKubeconfig();
  if (const char* host = std::getenv("KUBERNETES_SERVICE_HOST"); host && *host)
    return inClusterConfig();
  return loadKubeconfig(homeKubeconfig());
}

TokenSource::TokenSource(const Config& config, std::chrono::seconds refresh)
    : token_(config.token),
      file_(config.tokenFile),
      refresh_(refresh),
      readAt_(std::chrono::steady_clock::now()) {}

std::string TokenSource::token() {
  std::lock_guard lock(mutex_);
  if (!file_.empty() && std::chrono::steady_clock::now() - readAt_ >= refresh_) {
    readAt_ = std::chrono::steady_clock::now();
    std::ifstream in(file_);
    if (in) {  // keep the old token if the file is briefly missing during rotation
      std::ostringstream out;
      out << in.rdbuf();
      if (auto fresh = trimmed(out.str()); !fresh.empty()) token_ = fresh;
    }
  }
  return token_;
}

}  // namespace flop::kube
