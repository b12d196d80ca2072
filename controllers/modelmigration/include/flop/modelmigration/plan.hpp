#pragma once
// Planning a FATE model migration exactly as FATE-Flow's /v1/model/migrate does: which party
// copies are migrated, which new party id each one gets, the new federation model_id and the
// new model_version. Pure functions over plain values; no Kubernetes, no I/O.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace flop::modelmigration {

// FATE stores party ids as ints (Pipeline.initiator_party_id is int32) and its converters
// refuse anything else, so the operator plans with integers only.
using PartyId = std::int64_t;

// One entry of a FATE role map such as {"guest": [9999], "host": [10000, 10001]}.
struct RoleParties {
  std::string role;
  std::vector<PartyId> partyIds;
  bool operator==(const RoleParties&) const = default;
};

// Key order is kept as given: FATE's rewritten JSON follows the order of `migrate_role`.
using RoleMap = std::vector<RoleParties>;

struct PartyRef {
  std::string role;
  PartyId partyId = 0;
  bool operator==(const PartyRef&) const = default;
};

// The fields of FATE's migrate_model.json that planning needs (one to one with the spec).
struct MigrationRequest {
  std::string modelId;       // old federation model_id
  std::string modelVersion;  // old model_version (training job id)
  RoleMap role;              // old parties
  RoleMap migrateRole;       // new parties, same roles and counts
  PartyRef migrateInitiator;
  std::optional<RoleMap> executeParty;  // OLD ids of the copies to migrate; absent = all
  std::optional<std::string> unifyModelVersion;
};

// One copy to migrate: source role/party paired by position with its new party id.
struct PartyMigration {
  std::string role;
  PartyId sourcePartyId = 0;
  PartyId targetPartyId = 0;
  std::size_t position = 0;  // index within the role's list
  bool operator==(const PartyMigration&) const = default;
};

struct MigrationPlan {
  std::string newModelId;
  std::string newModelVersion;
  std::vector<PartyMigration> parties;  // in FATE's execution order
};

// FATE's gen_model_id (via flop::api::fate_model_id): roles sorted, each "role-" + sorted unique
// ids joined by "_", joined by
// "#", then "#model". An empty map gives "all#model".
std::string generateModelId(const RoleMap& roles);

// FATE's "{role}#{party_id}#{model_id}" directory name under model_local_cache.
std::string partyModelId(std::string_view role, PartyId partyId, std::string_view modelId);

// Rejects what FATE rejects (and what would make the plan ambiguous), with InvalidInput
// naming the field: missing guest/host, role sets or counts differ, migrate_role equal to role
// ("no need to migrate"), execute_party naming an unknown party, an initiator not among the
// new parties, duplicate ids within a role.
void validateRequest(const MigrationRequest& request);

// The executing copies, each paired by position within its role. Order: execute_party's role
// order and listing order (FATE iterates it), or the source role map when execute_party is absent.
std::vector<PartyMigration> executingParties(const MigrationRequest& request);

// A FATE-style job id: %Y%m%d%H%M%S plus microseconds (%f) plus a counter, e.g.
// 202006171904247702041 = 2020-06-17 19:04:24.770204 counter 1. UTC.
std::string generateModelVersion(std::chrono::system_clock::time_point now, unsigned counter);

// The complete plan. The new version is unify_model_version when given, else
// `recordedVersion` (the one the operator generated earlier and stored in status); planning
// never invents a version itself, so a restart cannot change it. Throws InvalidInput when
// neither is available or the request is invalid.
MigrationPlan planMigration(const MigrationRequest& request,
                            const std::optional<std::string>& recordedVersion);

}  // namespace flop::modelmigration
