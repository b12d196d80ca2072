#pragma once
// Internal: the JSON field list of every FLCluster type (see codec.hpp). Kept in a header so the
// schema-agreement test can walk the same lists the codec uses.
#include <type_traits>

#include "describe_common.hpp"
#include "flop/api/flcluster.hpp"

namespace flop::api {

template <class V, detail::Is<ServiceReference> S>
void describe(V& v, S& s) {
  v.required("name", s.name);
  v.optional("port", s.port);
}

template <class V, detail::Is<FateFlowEndpoint> S>
void describe(V& v, S& s) {
  v.optional("service", s.service);
  v.optional("url", s.url);
  v.optional("authSecretRef", s.authSecretRef);
}

template <class V, detail::Is<ModelStore> S>
void describe(V& v, S& s) {
  v.required("claimName", s.claimName);
  v.required("path", s.path);
}

template <class V, detail::Is<FateSpec> S>
void describe(V& v, S& s) {
  v.required("version", s.version);
  v.required("flow", s.flow);
  v.optional("servingEndpoints", s.servingEndpoints);
  v.optional("modelStore", s.modelStore);
}

template <class V, detail::Is<SchedulerSpec> S>
void describe(V& v, S& s) {
  v.required("image", s.image);
  v.optional("imagePullPolicy", s.imagePullPolicy);
  v.optional("port", s.port);
  v.optional("managementPort", s.managementPort);
  v.optional("externalManagementUrl", s.externalManagementUrl);
  v.optional("resources", s.resources);
}

template <class V, detail::Is<ServerGroupSpec> S>
void describe(V& v, S& s) {
  v.required("image", s.image);
  v.optional("imagePullPolicy", s.imagePullPolicy);
  v.optional("replicas", s.replicas);
  v.optional("flServerPort", s.flServerPort);
  v.optional("resources", s.resources);
  v.optional("command", s.command);
  v.optional("args", s.args);
  v.optional("env", s.env);
}

template <class V, detail::Is<FLSettings> S>
void describe(V& v, S& s) {
  v.optional("flName", s.flName);
  v.optional("serverMode", s.serverMode);
  v.optional("startFLJobThreshold", s.startFLJobThreshold);
  v.optional("startFLJobTimeWindowMs", s.startFLJobTimeWindowMs);
  v.optional("updateModelRatio", s.updateModelRatio);
  v.optional("updateModelTimeWindowMs", s.updateModelTimeWindowMs);
  v.optional("flIterationNum", s.flIterationNum);
  v.optional("clientEpochNum", s.clientEpochNum);
  v.optional("clientBatchSize", s.clientBatchSize);
  v.optional("clientLearningRate", s.clientLearningRate);
  v.optional("encryptType", s.encryptType);
  v.optional("shareSecretsRatio", s.shareSecretsRatio);
  v.optional("reconstructSecretsThreshold", s.reconstructSecretsThreshold);
  v.optional("cipherTimeWindowMs", s.cipherTimeWindowMs);
  v.optional("dpEps", s.dpEps);
  v.optional("dpDelta", s.dpDelta);
  v.optional("dpNormClip", s.dpNormClip);
  v.optional("enableSsl", s.enableSsl);
  v.optional("sslSecretRef", s.sslSecretRef);
}

template <class V, detail::Is<RecoverySpec> S>
void describe(V& v, S& s) {
  v.required("enabled", s.enabled);
  v.optional("storageClassName", s.storageClassName);
  v.optional("size", s.size);
}

template <class V, detail::Is<ScalingPolicy> S>
void describe(V& v, S& s) {
  v.optional("deadlineSeconds", s.deadlineSeconds);
  v.optional("onStuck", s.onStuck);
}

template <class V, detail::Is<AutoscalingSpec> S>
void describe(V& v, S& s) {
  v.optional("minReplicas", s.minReplicas);
  v.required("maxReplicas", s.maxReplicas);
  v.optional("metrics", s.metrics);
}

template <class V, detail::Is<MindSporeSpec> S>
void describe(V& v, S& s) {
  v.required("schedulerApi", s.schedulerApi);
  v.required("scheduler", s.scheduler);
  v.required("servers", s.servers);
  v.optional("fl", s.fl);
  v.optional("config", s.config);
  v.optional("recovery", s.recovery);
  v.optional("scaling", s.scaling);
  v.optional("autoscaling", s.autoscaling);
}

template <class V, detail::Is<FLClusterSpec> S>
void describe(V& v, S& s) {
  v.required("partyId", s.partyId);
  v.optional("fate", s.fate);
  v.optional("mindspore", s.mindspore);
}

template <class V, detail::Is<FateStatus> S>
void describe(V& v, S& s) {
  v.optional("detectedVersion", s.detectedVersion);
  v.optional("lastProbeTime", s.lastProbeTime);
}

template <class V, detail::Is<ServerNode> S>
void describe(V& v, S& s) {
  v.required("nodeId", s.nodeId);
  v.optional("rankId", s.rankId);
  v.optional("role", s.role);
  v.optional("alive", s.alive);
}

template <class V, detail::Is<ScaleOperation> S>
void describe(V& v, S& s) {
  v.required("fromReplicas", s.fromReplicas);
  v.required("toReplicas", s.toReplicas);
  v.optional("startTime", s.startTime);
}

template <class V, detail::Is<MindSporeStatus> S>
void describe(V& v, S& s) {
  v.optional("clusterState", s.clusterState);
  v.optional("serverNum", s.serverNum);
  v.optional("scale", s.scale);
  v.optional("nodes", s.nodes);
}

template <class V, detail::Is<FLClusterStatus> S>
void describe(V& v, S& s) {
  v.optional("observedGeneration", s.observedGeneration);
  v.optional("conditions", s.conditions);
  v.optional("phase", s.phase);
  v.optional("replicas", s.replicas);
  v.optional("readyReplicas", s.readyReplicas);
  v.optional("selector", s.selector);
  v.optional("fate", s.fate);
  v.optional("mindspore", s.mindspore);
}

template <class V, detail::Is<FLCluster> S>
void describe(V& v, S& s) {
  v.optional("metadata", s.metadata);
  v.required("spec", s.spec);
  v.optional("status", s.status);
}

}  // namespace flop::api
