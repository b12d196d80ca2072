#include "flop/modelmigration/controller.hpp"

#include <memory>

namespace flop::modelmigration {

std::vector<kube::Request> migrationsReferencing(const kube::Store& migrations,
                                                 const std::string& flclusterNamespace,
                                                 const std::string& flclusterName) {
  std::vector<kube::Request> requests;
  for (const auto& object : migrations.byIndex(kube::indexes::kNamespace, flclusterNamespace)) {
    const nlohmann::json spec = object->value("spec", nlohmann::json::object());
    bool references = false;
    for (const char* list : {"sources", "targets"}) {
      for (const auto& entry : spec.value(list, nlohmann::json::array())) {
        if (entry.value("/clusterRef/name"_json_pointer, std::string{}) == flclusterName) {
          references = true;
        }
      }
    }
    if (references) requests.push_back({kube::namespaceOf(*object), kube::nameOf(*object)});
  }
  return requests;
}

void registerController(manager::Manager& manager, Options options) {
  auto& informers = manager.informers();
  kube::Informer& migrations = informers.informerFor(kModelMigrations);
  kube::Informer& jobs = informers.informerFor(kube::resources::jobs);
  kube::Informer& flclusters = informers.informerFor(kFLClusters);
  migrations.addIndexer(kube::indexes::kNamespace, kube::indexes::byNamespace());
  jobs.addIndexer(kube::indexes::kOwnerUid, kube::indexes::byOwnerUid());

  std::shared_ptr<MigrationMetrics> metrics;
  if (auto prometheus = manager.metrics()) {
    metrics = std::make_shared<MigrationMetrics>(*prometheus->registry());
  }
  auto reconciler = std::make_shared<ModelMigrationReconciler>(
      manager.client(), MigrationCaches{migrations.store(), jobs.store(), flclusters.store()},
      &manager.eventRecorder(), std::move(metrics), std::move(options));

  const kube::Store& migrationStore = migrations.store();
  manager
      .add(std::make_unique<kube::Controller>("modelmigration", reconciler,
                                              manager.controllerOptions()))
      .watchesSelf(migrations)
      .owns(jobs, std::string(kModelMigrations.kind))
      .watches(flclusters, [&migrationStore](const nlohmann::json& cluster) {
        return migrationsReferencing(migrationStore, kube::namespaceOf(cluster),
                                     kube::nameOf(cluster));
      });
}

}  // namespace flop::modelmigration
