#pragma once
// Between the v1alpha1 API types and the controller's pure model: the spec as FATE's migrate
// request, per-party status in and out, and where each party's model comes from and goes to.
#include <optional>
#include <string>
#include <vector>

#include "flop/api/flcluster.hpp"
#include "flop/api/modelmigration.hpp"
#include "flop/modelmigration/job_builder.hpp"
#include "flop/modelmigration/plan.hpp"
#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

// The spec as FATE's migrate request. An empty executeParty means "all source parties".
// (api::RoleMap is ordered by role name, so role order in the request is alphabetical.)
MigrationRequest requestFromSpec(const api::ModelMigrationSpec& spec);

// Status as PartyStates for the planned parties (parties without status start Pending).
std::vector<PartyState> partyStatesFromStatus(const std::vector<PartyMigration>& planned,
                                              const api::ModelMigrationStatus& status);
api::PartyMigrationStatus partyStatusFrom(const PartyState& state);

const api::ModelSource* findSource(const api::ModelMigrationSpec& spec,
                                   const PartyMigration& party);
const api::ImportTarget* findTarget(const api::ModelMigrationSpec& spec,
                                    const PartyMigration& party);

// FATE-Flow's base URL for an FLCluster: its url, or http://{service}.{ns}.svc:{port|9380}.
// Throws InvalidInput when the FLCluster has no FATE-Flow endpoint.
std::string flowUrlOf(const api::FLCluster& cluster);
// How a step reaches FATE-Flow, with the FLCluster's auth Secret, if any.
ImportTarget importTargetOf(const api::FLCluster& cluster);
// Where the source copy is: the FLCluster's model store, or the spec's URL + sha256.
// Throws InvalidInput naming the party when neither is usable.
TransferSource transferSourceOf(const api::ModelSource& source,
                                const api::FLCluster* sourceCluster);

}  // namespace flop::modelmigration
