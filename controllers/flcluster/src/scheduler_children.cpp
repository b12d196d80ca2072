// The scheduler pod, its Service and the management sidecar's token.
#include "children_common.hpp"
#include "flop/flcluster/children.hpp"
#include "flop/flcluster/fl_config.hpp"

namespace flop::flcluster {
namespace {

constexpr const char* kTokenMountDir = "/var/run/fl-operator";

bool hasSidecar(const api::MindSporeSpec& ms) { return !ms.scheduler.externalManagementUrl; }

nlohmann::json managementSidecar(const api::MindSporeSpec& ms, const ChildrenOptions& options) {
  const auto managePort = ms.scheduler.managementPort.value_or(kDefaultManagePort);
  // With enable_ssl the scheduler's own API is HTTPS with a certificate the sidecar cannot
  // verify by name (it dials 127.0.0.1), so it skips verification on that loopback hop only.
  const bool tls = ms.fl && ms.fl->enableSsl.value_or(false);
  nlohmann::json args{"scheduler-proxy", "--listen=0.0.0.0:" + std::to_string(options.sidecarPort),
                      std::string("--upstream=") + (tls ? "https" : "http") +
                          "://127.0.0.1:" + std::to_string(managePort),
                      std::string("--token-file=") + kTokenMountDir + "/" + kTokenKey};
  if (tls) args.push_back("--upstream-insecure-skip-verify");
  return {
      {"name", "management"},
      {"image", options.sidecarImage},
      {"args", args},
      {"ports", {{{"name", "management"}, {"containerPort", options.sidecarPort}}}},
      {"readinessProbe", {{"tcpSocket", {{"port", "management"}}}, {"periodSeconds", 5}}},
      {"volumeMounts",
       {{{"name", "scheduler-token"}, {"mountPath", kTokenMountDir}, {"readOnly", true}}}},
      {"securityContext", {{"allowPrivilegeEscalation", false}, {"readOnlyRootFilesystem", true}}}};
}

}  // namespace

nlohmann::json schedulerDeployment(const api::FLCluster& cluster, const ChildrenOptions& options) {
  const auto& ms = detail::mindspore(cluster);
  const auto names = childNames(cluster.metadata.name);
  const auto schedulerPort = ms.scheduler.port.value_or(kDefaultSchedulerPort);
  auto object = detail::objectBase(cluster, "apps/v1", "Deployment", names.scheduler, "scheduler");
  const auto labels = detail::componentLabels(cluster, "scheduler");

  nlohmann::json roleEnv{
      detail::valueEnv("MS_ROLE", "MS_SCHED"),
      detail::fieldEnv("MS_SCHED_HOST", "status.podIP"),  // binds it: IPv4 literal
      detail::fieldEnv("MS_NODE_ID", "metadata.name")};
  auto scheduler =
      detail::flContainer(cluster, ms.scheduler.image, ms.scheduler.imagePullPolicy, roleEnv);
  scheduler["name"] = "scheduler";
  scheduler["ports"] = {{{"name", "scheduler"}, {"containerPort", schedulerPort}}};
  scheduler["readinessProbe"] = {{"tcpSocket", {{"port", "scheduler"}}}, {"periodSeconds", 5}};
  scheduler["livenessProbe"] = {
      {"tcpSocket", {{"port", "scheduler"}}}, {"periodSeconds", 10}, {"failureThreshold", 6}};
  if (ms.scheduler.resources) scheduler["resources"] = detail::resources(*ms.scheduler.resources);

  nlohmann::json containers{scheduler};
  nlohmann::json volumes{{{"name", "fl-config"}, {"configMap", {{"name", names.config}}}}};
  if (hasSidecar(ms)) {
    containers.push_back(managementSidecar(ms, options));
    volumes.push_back(
        {{"name", "scheduler-token"}, {"secret", {{"secretName", names.schedulerToken}}}});
  }
  object["spec"] = {
      {"replicas", 1},
      // Never two schedulers: servers would register with whichever answered first.
      {"strategy", {{"type", "Recreate"}}},
      {"selector", {{"matchLabels", labels}}},
      {"template",
       {{"metadata", {{"labels", labels}}},
        {"spec",
         {{"containers", containers}, {"volumes", volumes}, {"enableServiceLinks", false}}}}},
  };
  return object;
}

nlohmann::json schedulerService(const api::FLCluster& cluster, const ChildrenOptions& options) {
  const auto& ms = detail::mindspore(cluster);
  auto object = detail::objectBase(cluster, "v1", "Service",
                                   childNames(cluster.metadata.name).scheduler, "scheduler");
  const auto schedulerPort = ms.scheduler.port.value_or(kDefaultSchedulerPort);
  nlohmann::json ports{
      {{"name", "scheduler"}, {"port", schedulerPort}, {"targetPort", "scheduler"}}};
  if (hasSidecar(ms))
    ports.push_back(
        {{"name", "management"}, {"port", options.sidecarPort}, {"targetPort", "management"}});
  object["spec"] = {{"type", "ClusterIP"},
                    {"selector", detail::componentLabels(cluster, "scheduler")},
                    {"ports", ports}};
  return object;
}

nlohmann::json schedulerTokenSecret(const api::FLCluster& cluster, const std::string& token) {
  auto object = detail::objectBase(cluster, "v1", "Secret",
                                   childNames(cluster.metadata.name).schedulerToken, "scheduler");
  object["type"] = "Opaque";
  object["stringData"] = {{kTokenKey, token}};
  return object;
}

}  // namespace flop::flcluster
