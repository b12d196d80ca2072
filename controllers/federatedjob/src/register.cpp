#include "flop/federatedjob/controller.hpp"
#include "flop/kube/object.hpp"
#include "flop/manager/manager.hpp"

namespace flop::federatedjob {

void registerController(manager::Manager& manager, Options options) {
  if (auto prometheus = manager.metrics(); prometheus && !options.metrics.jobOutcome) {
    options.metrics = prometheusJobMetrics(*prometheus->registry());
  }
  auto reconciler = std::make_shared<FederatedJobReconciler>(
      manager.client(), &manager.eventRecorder(), std::move(options));
  auto& jobs = manager.informers().informerFor(federatedJobResource());
  // Cluster events are mapped by namespace and name only.
  auto& clusters =
      manager.informers().informerFor(flClusterResource(), kube::CachedFields::MetadataOnly);
  const kube::Store& jobStore = jobs.store();
  manager
      .add(std::make_unique<kube::Controller>("federatedjob", std::move(reconciler),
                                              manager.controllerOptions()))
      .watchesSelf(jobs)
      .watches(clusters, [&jobStore](const nlohmann::json& cluster) {
        // Jobs waiting for this cluster (ClusterNotFound) or using its endpoint.
        std::vector<kube::Request> requests;
        const std::string ns = kube::namespaceOf(cluster);
        const std::string name = kube::nameOf(cluster);
        for (const auto& job : jobStore.list()) {
          if (kube::namespaceOf(*job) != ns) continue;
          static const nlohmann::json::json_pointer clusterRef("/spec/clusterRef/name");
          const auto ref = job->value(clusterRef, std::string());
          if (ref == name) requests.push_back({ns, kube::nameOf(*job)});
        }
        return requests;
      });
}

}  // namespace flop::federatedjob
