#include "flop/api/names.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/http/cpprest_transport.hpp"
#include "flop/manager/manager.hpp"
#include "flop/manager/prometheus_metrics.hpp"

namespace flop::flcluster {

void registerController(manager::Manager& manager, Options options) {
  if (!options.peerTransport) options.peerTransport = std::make_shared<http::CppRestTransport>();
  if (auto prometheus = manager.metrics(); prometheus && !options.metrics)
    options.metrics = std::make_shared<ClusterMetrics>(*prometheus->registry());
  auto& informers = manager.informers();
  auto& clusters = informers.informerFor(kFLClusterResource);
  // Children and pods only map events back to their FLCluster (owners, labels): the reconciler
  // reads them from the API server, so their caches keep metadata only.
  constexpr auto metadataOnly = kube::CachedFields::MetadataOnly;
  auto& sets = informers.informerFor(kube::resources::statefulSets, metadataOnly);
  auto& deployments = informers.informerFor(kube::resources::deployments, metadataOnly);
  auto& pods = informers.informerFor(kube::resources::pods, metadataOnly);
  auto reconciler = std::make_shared<Reconciler>(manager.client(), clusters,
                                                 manager.eventRecorder(), std::move(options));
  auto& controller = manager.add(
      std::make_unique<kube::Controller>("flcluster", reconciler, manager.controllerOptions()));
  controller.watchesSelf(clusters).owns(sets, "FLCluster").owns(deployments, "FLCluster");
  // Server pods belong to the StatefulSet; their owner labels lead back to the FLCluster.
  controller.watches(pods, [](const kube::Json& pod) {
    std::vector<kube::Request> requests;
    const auto labels = pod["metadata"].value("labels", kube::Json::object());
    if (labels.value(std::string(api::label::kOwnerKind), std::string()) == api::kFLCluster.kind)
      requests.push_back({kube::namespaceOf(pod),
                          labels.value(std::string(api::label::kOwnerName), std::string())});
    return requests;
  });
}

}  // namespace flop::flcluster
