#pragma once
// The FATE-Flow client credentials of an FLCluster (spec.fate.flow.authSecretRef: a Secret in the
// FLCluster's namespace with keys appKey and appSecret), for every controller that calls its
// FATE-Flow (the FLCluster probe, FederatedJob). The caller reads the Secret through its own kube
// client; this turns the object into credentials or into a problem that names the Secret and key
// but never a value.
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/fate_auth.hpp"
#include "flop/api/flcluster.hpp"

namespace flop::flcluster {

// The condition reason for a missing or incomplete Secret.
inline constexpr const char* kFateAuthSecretInvalid = "FateFlowAuthSecretInvalid";

// The referenced Secret's name; nullopt when the cluster has no FATE-Flow auth configured.
std::optional<std::string> fateAuthSecretName(const api::FLCluster& cluster);

struct FateAuthResult {
  std::optional<api::FateAppCredentials> credentials;  // set when usable
  std::string problem;                                 // otherwise: why, naming Secret and key
};

// `secret` is the Secret object as the API server returned it (nullopt: not found).
FateAuthResult fateAuthCredentials(const std::string& secretName,
                                   const std::optional<nlohmann::json>& secret);

}  // namespace flop::flcluster
