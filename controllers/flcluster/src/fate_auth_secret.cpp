#include "flop/flcluster/fate_auth_secret.hpp"
#include "flop/base64.hpp"

#include <utility>

#include "flop/error.hpp"
#include "token.hpp"

namespace flop::flcluster {

std::optional<std::string> fateAuthSecretName(const api::FLCluster& cluster) {
  if (!cluster.spec.fate || !cluster.spec.fate->flow.authSecretRef) return std::nullopt;
  return cluster.spec.fate->flow.authSecretRef->name;
}

FateAuthResult fateAuthCredentials(const std::string& secretName,
                                   const std::optional<nlohmann::json>& secret) {
  const std::string label = "FATE-Flow auth Secret " + secretName;
  if (!secret) return {std::nullopt, label + " not found"};
  const auto data = secret->find("data");
  auto value = [&](const char* key, std::string* out) -> std::string {
    const auto problem = label + " has no usable key " + key;
    if (data == secret->end() || !data->is_object()) return problem;
    const auto encoded = data->find(key);
    if (encoded == data->end() || !encoded->is_string()) return problem;
    try {
      *out = base64Decode(encoded->get<std::string>(), "secret data");
    } catch (const InvalidInput&) {
      return problem + " (not base64)";
    }
    return out->empty() ? problem + " (empty)" : std::string();
  };
  api::FateAppCredentials credentials;
  for (auto [key, out] : {std::pair{"appKey", &credentials.app_key},
                          std::pair{"appSecret", &credentials.app_secret}}) {
    if (auto problem = value(key, out); !problem.empty()) return {std::nullopt, problem};
  }
  return {std::move(credentials), {}};
}

}  // namespace flop::flcluster
