#pragma once
// Where an FLCluster's scheduler management API is reached, for every controller that talks to
// it (FLCluster scaling, FederatedJob instances): spec.mindspore.scheduler.externalManagementUrl
// as given, else the management sidecar http://<scheduler>.<ns>.svc:<sidecarPort>, guarded by the
// bearer token in the Secret <cluster>-scheduler-token (key "token").
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/flcluster.hpp"

namespace flop::flcluster {

struct ManagementTarget {
  std::string baseUrl;
  std::optional<std::string> tokenSecret;  // name of the token Secret; nullopt: no token
};

// Precondition: cluster.spec.mindspore is set.
ManagementTarget managementTarget(const api::FLCluster& cluster, std::int32_t sidecarPort);

// The token held by a token Secret object (base64 in .data.token); nullopt when it has none.
std::optional<std::string> managementToken(const nlohmann::json& secret);

}  // namespace flop::flcluster
