#pragma once
// The string rewrites FATE's model converters apply to names that carry party ids
// (fate-model-format.md §9.1). Failures FATE raises are raised here too (flop::InvalidInput), so
// a model FATE cannot migrate is never silently "migrated".
#include <cstdint>
#include <map>
#include <string>

namespace flop::model {

// Which federatedml converter generation to reproduce.
enum class ConverterGeneration { Fate15to18, Fate19Plus };

// Old id -> new id per role (positional pairing of `role` and `migrate_role`).
class IdMapping {
 public:
  void add(const std::string& role, int64_t oldId, int64_t newId) { map_[role][oldId] = newId; }
  bool hasRole(const std::string& role) const { return map_.count(role) > 0; }
  // nullptr-like lookup: returns false when the role or id is unmapped.
  bool lookup(const std::string& role, int64_t oldId, int64_t& newId) const;
  const std::map<int64_t, int64_t>* role(const std::string& role) const;

 private:
  std::map<std::string, std::map<int64_t, int64_t>> map_;
};

class PartyRenamer {
 public:
  PartyRenamer(const IdMapping& mapping, ConverterGeneration gen) : map_(mapping), gen_(gen) {}
  ConverterGeneration generation() const { return gen_; }

  // "role:pid" -> "role:new".
  std::string colonFormat(const std::string& s) const;
  // "role_pid_idx" (exactly three '_' parts) -> "role_new_idx".
  std::string anonymousFormat(const std::string& s) const;
  // ':' -> colonFormat; else in 1.5-1.8 '_' -> anonymousFormat; else unchanged.
  std::string replace(const std::string& s) const;
  // 1.9+ anonymous header "role_pid_rest" (split at the first two '_').
  std::string migrateAnonymousHeader(const std::string& s) const;
  // Anonymous column names: 1.5-1.8 replace semantics, 1.9+ migrateAnonymousHeader.
  std::string anonymousName(const std::string& s) const;
  // Rewrites only when the name is anonymous; otherwise keeps it.
  std::string maybeAnonymous(const std::string& s) const;
  // "(role,pid)" -> "(role, new)" (FATE writes the space).
  std::string partyTuple(const std::string& s) const;
  // SecureBoost tree_plan entry "type_hostid": host id remapped; -1 and unmapped ids kept.
  std::string treePlanEntry(const std::string& s) const;
  // A party id held as a string ("10000") for a role.
  std::string partyIdString(const std::string& role, const std::string& pid) const;

 private:
  const IdMapping& map_;
  ConverterGeneration gen_;
};

}  // namespace flop::model
