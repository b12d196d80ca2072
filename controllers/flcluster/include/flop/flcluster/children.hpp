#pragma once
// Desired children of an FLCluster's MindSpore part as pure JSON builders, ready for server-side
// apply. Every child carries the owner labels and a controller ownerReference.
//
// server_num lives in the ConfigMap (key "server_num") and reaches pods through
// env.valueFrom.configMapKeyRef: pods read it when they start, so recording a new server_num never
// changes a pod template (no rolling restart mid-scale), yet every pod started later — a scale-out
// pod or a recovered server — gets the current value. The server StatefulSet uses OnDelete for the
// same reason: nothing restarts servers except a dead pod or the operator.
#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/flcluster.hpp"

namespace flop::flcluster {

struct ChildNames {
  std::string scheduler;        // Deployment and its ClusterIP Service
  std::string schedulerToken;   // Secret with the management sidecar's token
  std::string servers;          // StatefulSet (pods <servers>-<ordinal>, MS_NODE_ID = pod name)
  std::string serversHeadless;  // headless Service of the StatefulSet
  std::string devices;          // Service for device traffic on the fl server port
  std::string config;           // ConfigMap: config.json, fl_context.json, server_num
  std::string autoscaler;       // HorizontalPodAutoscaler
};
ChildNames childNames(const std::string& clusterName);

struct ChildrenOptions {
  std::string sidecarImage = "fl-operator:latest";  // runs `fl-operator scheduler-proxy`
  std::int32_t sidecarPort = 11203;
};

inline constexpr const char* kTokenKey = "token";
inline constexpr const char* kServerNumKey = "server_num";
// Readiness gate of every server pod: the operator sets this pod condition from the scheduler's
// /nodes, so a server is Ready (and receives device traffic) only while the scheduler counts it.
inline constexpr const char* kRegisteredGate = "federatedlearning.dev/registered";

nlohmann::json ownerReference(const api::FLCluster& cluster);
// Labels of the server pods, also the scale subresource's selector.
std::map<std::string, std::string> serverSelector(const api::FLCluster& cluster);

// Scheduler: one pod (Deployment, Recreate) with MS_SCHED_HOST = its pod IP and, unless an
// external management URL is given, the management sidecar that exposes 127.0.0.1:<manage port>.
nlohmann::json schedulerDeployment(const api::FLCluster& cluster, const ChildrenOptions& options);
// The stable IPv4 that servers dial (and the sidecar's port).
nlohmann::json schedulerService(const api::FLCluster& cluster, const ChildrenOptions& options);
nlohmann::json schedulerTokenSecret(const api::FLCluster& cluster, const std::string& token);

// `schedulerHost` is the scheduler Service's ClusterIP: MindSpore needs an IPv4 literal.
nlohmann::json serverStatefulSet(const api::FLCluster& cluster, std::int32_t replicas,
                                 const std::string& schedulerHost);
nlohmann::json serverHeadlessService(const api::FLCluster& cluster);
nlohmann::json deviceService(const api::FLCluster& cluster);
// Throws flop::InvalidInput when spec.mindspore.config is invalid (see fl_config.hpp).
nlohmann::json flConfigMap(const api::FLCluster& cluster, std::int32_t serverNum);
// On the FLCluster's scale subresource; nullopt when autoscaling is not set.
std::optional<nlohmann::json> horizontalPodAutoscaler(const api::FLCluster& cluster);

}  // namespace flop::flcluster
