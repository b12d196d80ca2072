#pragma once
// FATE's migrate_model.json, accepted unchanged, validated the way FATE-Flow 1.9+ does
// (fate-model-format.md §7), plus the federation-wide model id rule (§6).
#include <optional>
#include <string>

#include "flop/model/party_rename.hpp"
#include "flop/model/pyjson.hpp"

namespace flop::model {

struct MigrateRequest {
  std::string federatedMode;  // SINGLE or MULTIPLE
  Json migrateInitiator;      // {"role": ..., "party_id": ...} as submitted
  Json role;                  // old {role: [ids]}
  Json migrateRole;           // new {role: [ids]}, same shape
  Json executeParty;          // {role: [old ids]}
  std::string modelId;
  std::string modelVersion;
  std::optional<std::string> unifyModelVersion;

  // Positional old -> new pairing per role.
  IdMapping idMapping() const;
  // New id of the copy (role, oldId); throws flop::InvalidInput when not paired.
  int64_t newPartyId(const std::string& roleName, int64_t oldId) const;
  // gen_model_id(migrate_role).
  std::string newModelId() const;
};

// Throws flop::InvalidInput naming `where` and the field for anything FATE would reject, and
// for "no need to migrate" (migrate_role equal to role).
MigrateRequest parseMigrateRequest(const std::string& text, const std::string& where);

// FATE's gen_model_id (flop::api::fate_model_id) of a conf's role map: roles sorted, ids sorted
// numerically and de-duplicated, '#'-joined.
std::string genModelId(const Json& roles);

// A FATE-style job id: %Y%m%d%H%M%S%f followed by a counter digit.
std::string generateJobId();

}  // namespace flop::model
