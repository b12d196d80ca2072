#pragma once
// Deterministic names and labels for the objects a ModelMigration owns. The same inputs always
// give the same name, so "create the Job for attempt N" is idempotent across restarts.
#include <map>
#include <string>
#include <string_view>

#include "flop/modelmigration/plan.hpp"
#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

inline constexpr std::size_t kMaxNameLength = 63;  // DNS-1123 label (Job names feed pod labels)
// The same keys as flop/api/names.hpp (flop::api::label), so every child of every kind is
// selected the same way.
inline constexpr std::string_view kOwnerKindLabel = "federatedlearning.dev/owner-kind";
inline constexpr std::string_view kOwnerNameLabel = "federatedlearning.dev/owner-name";
inline constexpr std::string_view kOwnerKind = "ModelMigration";
inline constexpr std::string_view kStepLabel = "federatedlearning.dev/step";
inline constexpr std::string_view kRoleLabel = "federatedlearning.dev/role";
inline constexpr std::string_view kPartyLabel = "federatedlearning.dev/party";
inline constexpr std::string_view kAttemptLabel = "federatedlearning.dev/attempt";

// Lower-case hex SHA-256.
std::string sha256Hex(std::string_view data);

// `base` when it is a valid DNS-1123 label of at most 63 characters; otherwise a sanitized
// prefix plus "-" and 10 hex characters of sha256(base), exactly 63 characters or fewer.
std::string boundedName(std::string_view base);

// "{migration}-{role}-{sourceParty}-{step}-{attempt}", bounded.
std::string jobName(std::string_view migrationName, const PartyMigration& party, Step step,
                    int attempt);

// The ConfigMap holding the migrate_model.json every migrate Job reads.
std::string migrateConfigMapName(std::string_view migrationName);

// A label value (≤ 63 chars, alphanumeric at both ends); long values are hashed like names.
std::string labelValue(std::string_view value);

// Labels on every child of a migration; adoption selects on the two owner labels.
std::map<std::string, std::string> ownerLabels(std::string_view migrationName);
// Labels of one step Job: the owner labels plus step, role, party and attempt.
std::map<std::string, std::string> jobLabels(std::string_view migrationName,
                                             const PartyMigration& party, Step step, int attempt);

}  // namespace flop::modelmigration
