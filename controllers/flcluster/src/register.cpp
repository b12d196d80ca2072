#include "flop/api/names.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/http/cpprest_transport.hpp"
#include "flop/manager/manager.hpp"
#include "flop/manager/prometheus_metrics.hpp"

namespace flop::flcluster {

std::string ownedPodsSelector() {
  return std::string(api::label::kOwnerKind) + "=" + std::string(api::kFLCluster.kind);
}

std::vector<std::string> podClusterKeys(const kube::Json& pod) {
  const auto labels = pod["metadata"].value("labels", kube::Json::object());
  if (labels.value(std::string(api::label::kOwnerKind), std::string()) != api::kFLCluster.kind)
    return {};
  const auto owner = labels.value(std::string(api::label::kOwnerName), std::string());
  if (owner.empty()) return {};
  return {kube::ObjectKey{kube::namespaceOf(pod), owner}.str()};
}

void registerController(manager::Manager& manager, Options options) {
  if (!options.peerTransport) options.peerTransport = std::make_shared<http::CppRestTransport>();
  if (auto prometheus = manager.metrics(); prometheus && !options.metrics)
    options.metrics = std::make_shared<ClusterMetrics>(*prometheus->registry());
  auto& informers = manager.informers();
  auto& clusters = informers.informerFor(kFLClusterResource);
  // StatefulSets and Deployments only map events back to their FLCluster: the reconciler reads
  // the server set from the API server (scale decisions must not act on a stale replica count),
  // so their caches keep metadata only. Pods are read from the cache, which holds only the pods
  // FLClusters own (label-selected), whole.
  constexpr auto metadataOnly = kube::CachedFields::MetadataOnly;
  auto& sets = informers.informerFor(kube::resources::statefulSets, metadataOnly);
  auto& deployments = informers.informerFor(kube::resources::deployments, metadataOnly);
  auto& pods = informers.informerFor(kube::resources::pods, kube::CachedFields::WholeObjects,
                                     ownedPodsSelector());
  pods.addIndexer(kPodsByCluster, podClusterKeys);
  auto reconciler = std::make_shared<Reconciler>(manager.client(), clusters, pods,
                                                 manager.eventRecorder(), std::move(options));
  auto& controller = manager.add(
      std::make_unique<kube::Controller>("flcluster", reconciler, manager.controllerOptions()));
  controller.watchesSelf(clusters).owns(sets, "FLCluster").owns(deployments, "FLCluster");
  // Server pods belong to the StatefulSet; their owner labels lead back to the FLCluster.
  controller.watches(pods, [](const kube::Json& pod) {
    std::vector<kube::Request> requests;
    for (const auto& key : podClusterKeys(pod)) {
      const auto parsed = kube::ObjectKey::parse(key);
      requests.push_back({parsed.namespace_, parsed.name});
    }
    return requests;
  });
}

}  // namespace flop::flcluster
