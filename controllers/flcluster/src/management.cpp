#include "flop/flcluster/management.hpp"
#include "flop/base64.hpp"

#include "flop/flcluster/children.hpp"
#include "token.hpp"

namespace flop::flcluster {

ManagementTarget managementTarget(const api::FLCluster& cluster, std::int32_t sidecarPort) {
  const auto& scheduler = cluster.spec.mindspore->scheduler;
  if (scheduler.externalManagementUrl) return {*scheduler.externalManagementUrl, std::nullopt};
  const auto names = childNames(cluster.metadata.name);
  return {"http://" + names.scheduler + "." + cluster.metadata.namespace_ +
              ".svc:" + std::to_string(sidecarPort),
          names.schedulerToken};
}

std::optional<std::string> managementToken(const nlohmann::json& secret) {
  const auto data = secret.find("data");
  if (data == secret.end() || !data->is_object()) return std::nullopt;
  const auto encoded = data->find(kTokenKey);
  if (encoded == data->end() || !encoded->is_string()) return std::nullopt;
  return base64Decode(encoded->get<std::string>(), "secret data");
}

}  // namespace flop::flcluster
