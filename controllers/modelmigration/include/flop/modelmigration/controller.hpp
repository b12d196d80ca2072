#pragma once
// Wires the ModelMigration reconciler into a Manager: informers for ModelMigrations, Jobs
// (indexed by owner UID) and FLClusters; a Job event wakes its owning migration, an FLCluster
// event wakes every migration in its namespace that references it.
#include "flop/manager/manager.hpp"
#include "flop/modelmigration/reconciler.hpp"

namespace flop::modelmigration {

using Options = ReconcilerOptions;

void registerController(manager::Manager& manager, Options options);

// The migrations in `flclusterNamespace` whose sources or targets name `flclusterName`.
std::vector<kube::Request> migrationsReferencing(const kube::Store& migrations,
                                                 const std::string& flclusterNamespace,
                                                 const std::string& flclusterName);

}  // namespace flop::modelmigration
