// The server StatefulSet and the Services in front of it.
#include "children_common.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/flcluster/fl_config.hpp"

namespace flop::flcluster {
namespace {

std::int32_t flPort(const api::MindSporeSpec& ms) {
  return ms.servers.flServerPort.value_or(kDefaultFlServerPort);
}

nlohmann::json toJson(const std::map<std::string, std::string>& labels) {
  nlohmann::json out = nlohmann::json::object();
  for (const auto& [key, value] : labels) out[key] = value;
  return out;
}

}  // namespace

nlohmann::json serverStatefulSet(const api::FLCluster& cluster, std::int32_t replicas,
                                 const std::string& schedulerHost) {
  const auto& ms = detail::mindspore(cluster);
  const auto names = childNames(cluster.metadata.name);
  auto object = detail::objectBase(cluster, "apps/v1", "StatefulSet", names.servers, "server");
  const auto labels = toJson(serverSelector(cluster));
  const bool recovery = ms.recovery && ms.recovery->enabled;

  nlohmann::json roleEnv{detail::valueEnv("MS_ROLE", "MS_SERVER"),
                         // The pod name: a recreated pod keeps its identity and so its rank.
                         detail::fieldEnv("MS_NODE_ID", "metadata.name"),
                         detail::valueEnv("MS_SCHED_HOST", schedulerHost)};
  auto server = detail::flContainer(cluster, ms.servers.image, ms.servers.imagePullPolicy, roleEnv);
  server["name"] = "server";
  server["workingDir"] = kStateDir;  // recovery and metrics files default to the working directory
  server["ports"] = {{{"name", "fl"}, {"containerPort", flPort(ms)}}};
  // No health endpoint exists: TCP on the device port; membership comes from the scheduler.
  server["readinessProbe"] = {{"tcpSocket", {{"port", "fl"}}}, {"periodSeconds", 5}};
  server["livenessProbe"] = {
      {"tcpSocket", {{"port", "fl"}}}, {"periodSeconds", 10}, {"failureThreshold", 6}};
  server["volumeMounts"].push_back({{"name", "fl-state"}, {"mountPath", kStateDir}});
  if (ms.servers.resources) server["resources"] = detail::resources(*ms.servers.resources);

  nlohmann::json volumes{{{"name", "fl-config"}, {"configMap", {{"name", names.config}}}}};
  if (!recovery) volumes.push_back({{"name", "fl-state"}, {"emptyDir", nlohmann::json::object()}});

  object["spec"] = {
      {"replicas", replicas},
      {"serviceName", names.serversHeadless},
      // New servers of a scale-out must all start and register; no reason to order them.
      {"podManagementPolicy", "Parallel"},
      {"updateStrategy", {{"type", "OnDelete"}}},
      {"selector", {{"matchLabels", labels}}},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"containers", {server}},
          {"readinessGates", {{{"conditionType", kRegisteredGate}}}},
          {"volumes", volumes},
          {"enableServiceLinks", false},
          {"terminationGracePeriodSeconds", 30}}}}},
  };
  if (recovery) {
    nlohmann::json claimSpec{{"accessModes", {"ReadWriteOnce"}},
                             {"resources", {{"requests", {{"storage", "1Gi"}}}}}};
    if (ms.recovery->size)
      claimSpec["resources"]["requests"]["storage"] = detail::quantity(*ms.recovery->size);
    if (ms.recovery->storageClassName)
      claimSpec["storageClassName"] = *ms.recovery->storageClassName;
    object["spec"]["volumeClaimTemplates"] = {
        {{"metadata", {{"name", "fl-state"}, {"labels", labels}}}, {"spec", claimSpec}}};
    // A server started later at a reused ordinal must not inherit a scaled-in server's files.
    object["spec"]["persistentVolumeClaimRetentionPolicy"] = {{"whenScaled", "Delete"},
                                                              {"whenDeleted", "Delete"}};
  }
  return object;
}

nlohmann::json serverHeadlessService(const api::FLCluster& cluster) {
  const auto& ms = detail::mindspore(cluster);
  auto object = detail::objectBase(cluster, "v1", "Service",
                                   childNames(cluster.metadata.name).serversHeadless, "server");
  object["spec"] = {{"clusterIP", "None"},
                    {"publishNotReadyAddresses", true},
                    {"selector", toJson(serverSelector(cluster))},
                    {"ports", {{{"name", "fl"}, {"port", flPort(ms)}, {"targetPort", "fl"}}}}};
  return object;
}

nlohmann::json deviceService(const api::FLCluster& cluster) {
  const auto& ms = detail::mindspore(cluster);
  auto object = detail::objectBase(cluster, "v1", "Service",
                                   childNames(cluster.metadata.name).devices, "server");
  object["spec"] = {{"type", "ClusterIP"},
                    {"selector", toJson(serverSelector(cluster))},
                    {"ports", {{{"name", "fl"}, {"port", flPort(ms)}, {"targetPort", "fl"}}}}};
  return object;
}

}  // namespace flop::flcluster
