#include "flop/modelmigration/plan.hpp"

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <set>

#include "flop/api/names.hpp"
#include "flop/error.hpp"

namespace flop::modelmigration {
namespace {

const RoleParties* findRole(const RoleMap& roles, std::string_view role) {
  auto it = std::find_if(roles.begin(), roles.end(),
                         [&](const RoleParties& entry) { return entry.role == role; });
  return it == roles.end() ? nullptr : &*it;
}

std::set<std::string> roleNames(const RoleMap& roles) {
  std::set<std::string> names;
  for (const auto& entry : roles) names.insert(entry.role);
  return names;
}

// FATE compares role maps as {role: set(str(id))}.
std::set<std::pair<std::string, std::set<PartyId>>> asComparableSets(const RoleMap& roles) {
  std::set<std::pair<std::string, std::set<PartyId>>> sets;
  for (const auto& entry : roles) {
    sets.emplace(entry.role, std::set<PartyId>(entry.partyIds.begin(), entry.partyIds.end()));
  }
  return sets;
}

void validateRoleMap(const RoleMap& roles, const std::string& field) {
  std::set<std::string> seen;
  for (const auto& entry : roles) {
    const std::string where = field + "." + entry.role;
    if (entry.role.empty() || entry.role.find('#') != std::string::npos) {
      throw InvalidInput(field, "role name '" + entry.role + "' is empty or contains '#'");
    }
    if (!seen.insert(entry.role).second) throw InvalidInput(where, "role listed twice");
    if (entry.partyIds.empty()) throw InvalidInput(where, "no party ids");
    std::set<PartyId> ids;
    for (PartyId id : entry.partyIds) {
      if (id < 0) throw InvalidInput(where, "party id " + std::to_string(id) + " is negative");
      if (!ids.insert(id).second) {
        throw InvalidInput(where, "party id " + std::to_string(id) + " listed twice");
      }
    }
  }
}

void validatePathSegment(const std::string& value, const std::string& field) {
  if (value.empty()) throw InvalidInput(field, "must not be empty");
  if (value == "." || value == ".." || value.find('/') != std::string::npos ||
      value.find('\0') != std::string::npos) {
    throw InvalidInput(field, "'" + value + "' cannot name a model directory");
  }
}

void validateVersion(const std::string& value, const std::string& field) {
  validatePathSegment(value, field);
  const bool allowed = std::all_of(value.begin(), value.end(), [](char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
           c == '-' || c == '.';
  });
  if (!allowed) throw InvalidInput(field, "'" + value + "' may contain only [A-Za-z0-9_.-]");
}

}  // namespace

// One implementation of FATE's rules in the product: flop/api/names.hpp.
std::string generateModelId(const RoleMap& roles) {
  api::RoleMap byRole;
  for (const auto& entry : roles) {
    auto& ids = byRole[entry.role];
    ids.insert(ids.end(), entry.partyIds.begin(), entry.partyIds.end());
  }
  return api::fate_model_id(byRole);
}

std::string partyModelId(std::string_view role, PartyId partyId, std::string_view modelId) {
  return api::fate_party_model_id(role, partyId, modelId);
}

void validateRequest(const MigrationRequest& request) {
  validatePathSegment(request.modelId, "model_id");
  validateVersion(request.modelVersion, "model_version");
  if (request.unifyModelVersion) validateVersion(*request.unifyModelVersion, "unify_model_version");
  validateRoleMap(request.role, "role");
  validateRoleMap(request.migrateRole, "migrate_role");

  // FATE 1.9+ indexes these two keys directly.
  for (const char* mandatory : {"guest", "host"}) {
    if (!findRole(request.role, mandatory)) {
      throw InvalidInput("role", std::string("FATE requires the '") + mandatory + "' role");
    }
  }
  if (roleNames(request.role) != roleNames(request.migrateRole)) {
    throw InvalidInput("migrate_role", "must have exactly the roles of 'role'");
  }
  for (const auto& source : request.role) {
    const RoleParties* target = findRole(request.migrateRole, source.role);
    if (target->partyIds.size() != source.partyIds.size()) {
      throw InvalidInput("migrate_role." + source.role,
                         "has " + std::to_string(target->partyIds.size()) +
                             " party ids, 'role' has " + std::to_string(source.partyIds.size()));
    }
  }
  if (asComparableSets(request.role) == asComparableSets(request.migrateRole)) {
    throw InvalidInput("migrate_role", "equals 'role': no need to migrate");
  }

  const RoleParties* initiatorRole = findRole(request.migrateRole, request.migrateInitiator.role);
  if (!initiatorRole ||
      std::find(initiatorRole->partyIds.begin(), initiatorRole->partyIds.end(),
                request.migrateInitiator.partyId) == initiatorRole->partyIds.end()) {
    throw InvalidInput("migrate_initiator", request.migrateInitiator.role + " " +
                                                std::to_string(request.migrateInitiator.partyId) +
                                                " is not one of the new parties in migrate_role");
  }

  if (request.executeParty) {
    if (request.executeParty->empty()) throw InvalidInput("execute_party", "names no party");
    validateRoleMap(*request.executeParty, "execute_party");
    for (const auto& entry : *request.executeParty) {
      const RoleParties* source = findRole(request.role, entry.role);
      if (!source) throw InvalidInput("execute_party." + entry.role, "role is not in 'role'");
      for (PartyId id : entry.partyIds) {
        if (std::find(source->partyIds.begin(), source->partyIds.end(), id) ==
            source->partyIds.end()) {
          throw InvalidInput("execute_party." + entry.role,
                             "party " + std::to_string(id) + " is not a source party of this role");
        }
      }
    }
  }
}

std::vector<PartyMigration> executingParties(const MigrationRequest& request) {
  validateRequest(request);
  const RoleMap& executing = request.executeParty ? *request.executeParty : request.role;
  std::vector<PartyMigration> parties;
  for (const auto& entry : executing) {
    const RoleParties& source = *findRole(request.role, entry.role);
    const RoleParties& target = *findRole(request.migrateRole, entry.role);
    for (PartyId old : entry.partyIds) {
      auto position = static_cast<std::size_t>(
          std::find(source.partyIds.begin(), source.partyIds.end(), old) - source.partyIds.begin());
      parties.push_back({entry.role, old, target.partyIds[position], position});
    }
  }
  return parties;
}

std::string generateModelVersion(std::chrono::system_clock::time_point now, unsigned counter) {
  using namespace std::chrono;
  const auto seconds = floor<std::chrono::seconds>(now);
  const auto micros = duration_cast<microseconds>(now - seconds).count();
  const std::time_t t = system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&t, &utc);
  char stamp[16];
  std::strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &utc);
  char fraction[24];
  std::snprintf(fraction, sizeof fraction, "%06lld", static_cast<long long>(micros));
  return std::string(stamp) + fraction + std::to_string(counter);
}

MigrationPlan planMigration(const MigrationRequest& request,
                            const std::optional<std::string>& recordedVersion) {
  MigrationPlan plan;
  plan.parties = executingParties(request);
  plan.newModelId = generateModelId(request.migrateRole);
  if (request.unifyModelVersion) {
    plan.newModelVersion = *request.unifyModelVersion;
  } else if (recordedVersion) {
    validateVersion(*recordedVersion, "status.modelVersion");
    plan.newModelVersion = *recordedVersion;
  } else {
    throw InvalidInput("unify_model_version",
                       "not given and no version recorded in status yet; generate one first");
  }
  return plan;
}

}  // namespace flop::modelmigration
