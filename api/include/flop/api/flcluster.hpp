#pragma once
// FLCluster (federatedlearning.dev/v1alpha1): one party of a federation. It describes how the
// operator reaches the party's FATE installation and/or runs a MindSpore FL server group.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/api/common.hpp"

namespace flop::api {

// A Service in the FLCluster's namespace and one of its ports.
struct ServiceReference {
  std::string name;
  std::optional<std::int32_t> port;  // FATE-Flow: 9380 when omitted
};

// How to reach FATE-Flow: a Service reference or a URL (exactly one).
struct FateFlowEndpoint {
  std::optional<ServiceReference> service;
  std::optional<std::string> url;
  std::optional<LocalObjectReference> authSecretRef;  // keys appKey, appSecret
};

// Where the party's model_local_cache lives: a PVC and a path on it.
struct ModelStore {
  std::string claimName;
  std::string path;  // relative to the volume root, e.g. "fateflow/model_local_cache"
};

struct FateSpec {
  std::string version;  // declared FATE version, e.g. "1.11.4"
  FateFlowEndpoint flow;
  std::vector<std::string> servingEndpoints;  // "host:port" of FATE-Serving servers
  std::optional<ModelStore> modelStore;
};

struct SchedulerSpec {
  std::string image;
  std::optional<std::string> imagePullPolicy;
  std::optional<std::int32_t> port;            // 6667 when omitted
  std::optional<std::int32_t> managementPort;  // 11202 when omitted
  std::optional<std::string> externalManagementUrl;
  std::optional<ResourceRequirements> resources;
};

struct ServerGroupSpec {
  std::string image;
  std::optional<std::string> imagePullPolicy;
  std::optional<std::int32_t> replicas;      // scale subresource; autoscaling.minReplicas or 1
  std::optional<std::int32_t> flServerPort;  // 6668 when omitted
  std::optional<ResourceRequirements> resources;
  std::vector<std::string> command;
  std::vector<std::string> args;
  std::vector<EnvVar> env;
};

// set_fl_context settings, camelCase of MindSpore's snake_case keys.
struct FLSettings {
  std::optional<std::string> flName;
  std::optional<std::string> serverMode;  // FEDERATED_LEARNING | HYBRID_TRAINING
  std::optional<std::int32_t> startFLJobThreshold;
  std::optional<std::int32_t> startFLJobTimeWindowMs;
  std::optional<double> updateModelRatio;
  std::optional<std::int32_t> updateModelTimeWindowMs;
  std::optional<std::int32_t> flIterationNum;
  std::optional<std::int32_t> clientEpochNum;
  std::optional<std::int32_t> clientBatchSize;
  std::optional<double> clientLearningRate;
  std::optional<std::string> encryptType;  // NOT_ENCRYPT | DP_ENCRYPT | PW_ENCRYPT | ...
  std::optional<double> shareSecretsRatio;
  std::optional<std::int32_t> reconstructSecretsThreshold;
  std::optional<std::int32_t> cipherTimeWindowMs;
  std::optional<double> dpEps;
  std::optional<double> dpDelta;
  std::optional<double> dpNormClip;
  std::optional<bool> enableSsl;
  std::optional<LocalObjectReference> sslSecretRef;
};

struct RecoverySpec {
  bool enabled = false;
  std::optional<std::string> storageClassName;
  std::optional<Quantity> size;
};

struct ScalingPolicy {
  std::optional<std::int32_t> deadlineSeconds;
  std::optional<std::string> onStuck;  // Wait | Rollback | RecreateServers
};

struct AutoscalingSpec {
  std::optional<std::int32_t> minReplicas;
  std::int32_t maxReplicas = 0;
  std::vector<nlohmann::json> metrics;  // autoscaling/v2 MetricSpec, passed to the HPA as is
};

struct MindSporeSpec {
  std::string schedulerApi;  // "1.5" or "1.6" (1.6 and 1.7)
  SchedulerSpec scheduler;
  ServerGroupSpec servers;
  std::optional<FLSettings> fl;
  nlohmann::json config;  // extra config.json content; null when absent
  std::optional<RecoverySpec> recovery;
  std::optional<ScalingPolicy> scaling;
  std::optional<AutoscalingSpec> autoscaling;
};

struct FLClusterSpec {
  std::int64_t partyId = 0;
  std::optional<FateSpec> fate;
  std::optional<MindSporeSpec> mindspore;
};

struct FateStatus {
  std::optional<std::string> detectedVersion;
  std::optional<std::string> lastProbeTime;
};

struct ServerNode {
  std::string nodeId;
  std::optional<std::int32_t> rankId;
  std::optional<std::string> role;
  std::optional<bool> alive;
};

struct ScaleOperation {
  std::int32_t fromReplicas = 0;
  std::int32_t toReplicas = 0;
  std::optional<std::string> startTime;
};

struct MindSporeStatus {
  std::optional<std::string> clusterState;
  std::optional<std::int32_t> serverNum;
  std::optional<ScaleOperation> scale;
  std::vector<ServerNode> nodes;
};

struct FLClusterStatus {
  std::optional<std::int64_t> observedGeneration;
  std::vector<Condition> conditions;
  std::optional<std::string> phase;  // Pending | Ready | Scaling | Degraded | Failed
  std::optional<std::int32_t> replicas;
  std::optional<std::int32_t> readyReplicas;
  std::optional<std::string> selector;  // label selector of the server pods, for the scale API
  std::optional<FateStatus> fate;
  std::optional<MindSporeStatus> mindspore;
};

struct FLCluster {
  ObjectMeta metadata;
  FLClusterSpec spec;
  FLClusterStatus status;
};

void to_json(nlohmann::json& j, const FLClusterSpec& value);
void from_json(const nlohmann::json& j, FLClusterSpec& value);
void to_json(nlohmann::json& j, const FLClusterStatus& value);
void from_json(const nlohmann::json& j, FLClusterStatus& value);
// Writes apiVersion and kind; reading checks them when present.
void to_json(nlohmann::json& j, const FLCluster& value);
void from_json(const nlohmann::json& j, FLCluster& value);

}  // namespace flop::api
