#include "flop/model/migrate_conf.hpp"

#include <algorithm>
#include <chrono>
#include <ctime>
#include <set>
#include <vector>

#include "flop/api/names.hpp"
#include "flop/error.hpp"

namespace flop::model {

namespace {

void requireRoleMap(const Json& v, const std::string& where, const std::string& field) {
  if (!v.is_object()) throw InvalidInput(where, "`" + field + "` must be an object {role: [ids]}");
  for (auto it = v.begin(); it != v.end(); ++it) {
    if (!it.value().is_array()) {
      throw InvalidInput(where, "`" + field + "." + it.key() + "` must be a list of party ids");
    }
    for (const auto& id : it.value()) {
      if (!id.is_number_integer()) {
        throw InvalidInput(where, "`" + field + "." + it.key() +
                                      "` party ids must be integers (FATE's converters need ints)");
      }
    }
  }
}

std::set<std::string> asStringSet(const Json& roles) {
  std::set<std::string> out;
  for (auto it = roles.begin(); it != roles.end(); ++it) {
    for (const auto& id : it.value()) out.insert(it.key() + ":" + id.dump());
  }
  return out;
}

}  // namespace

MigrateRequest parseMigrateRequest(const std::string& text, const std::string& where) {
  const Json conf = parseJson(text, where);
  if (!conf.is_object()) throw InvalidInput(where, "expected a JSON object");
  std::vector<std::string> missing;
  for (const char* key : {"migrate_initiator", "role", "migrate_role", "model_id", "model_version",
                          "execute_party", "job_parameters"}) {
    if (!conf.contains(key)) missing.emplace_back(key);
  }
  if (!missing.empty()) {
    std::string list;
    for (const auto& m : missing) list += (list.empty() ? "" : ", ") + m;
    throw InvalidInput(where, "required argument are missing: " + list);
  }
  MigrateRequest req;
  const auto& jp = conf["job_parameters"];
  if (!jp.is_object() || !jp.contains("federated_mode") || !jp["federated_mode"].is_string()) {
    throw InvalidInput(where, "`job_parameters.federated_mode` is required (SINGLE or MULTIPLE)");
  }
  req.federatedMode = jp["federated_mode"].get<std::string>();
  if (req.federatedMode != "SINGLE" && req.federatedMode != "MULTIPLE") {
    throw InvalidInput(where, "`job_parameters.federated_mode` must be SINGLE or MULTIPLE");
  }
  req.migrateInitiator = conf["migrate_initiator"];
  if (!req.migrateInitiator.is_object() || !req.migrateInitiator.contains("role") ||
      !req.migrateInitiator["role"].is_string() || !req.migrateInitiator.contains("party_id") ||
      !req.migrateInitiator["party_id"].is_number_integer()) {
    throw InvalidInput(where, "`migrate_initiator` must be {\"role\": str, \"party_id\": int}");
  }
  req.role = conf["role"];
  req.migrateRole = conf["migrate_role"];
  req.executeParty = conf["execute_party"];
  requireRoleMap(req.role, where, "role");
  requireRoleMap(req.migrateRole, where, "migrate_role");
  requireRoleMap(req.executeParty, where, "execute_party");
  for (const char* mandatory : {"guest", "host"}) {
    if (!req.role.contains(mandatory)) {
      throw InvalidInput(where, std::string("`role.") + mandatory + "` is required");
    }
    if (!req.migrateRole.contains(mandatory)) {
      throw InvalidInput(where, std::string("`migrate_role.") + mandatory + "` is required");
    }
  }
  for (auto it = req.role.begin(); it != req.role.end(); ++it) {
    if (!req.migrateRole.contains(it.key()) ||
        req.migrateRole[it.key()].size() != it.value().size()) {
      throw InvalidInput(where, "`migrate_role." + it.key() +
                                    "` must list as many parties as `role." + it.key() + "`");
    }
  }
  for (auto it = req.migrateRole.begin(); it != req.migrateRole.end(); ++it) {
    if (!req.role.contains(it.key())) {
      throw InvalidInput(where, "`migrate_role." + it.key() + "` has no counterpart in `role`");
    }
  }
  if (asStringSet(req.role) == asStringSet(req.migrateRole)) {
    throw InvalidInput(where, "no need to migrate: `migrate_role` equals `role`");
  }
  for (auto it = req.executeParty.begin(); it != req.executeParty.end(); ++it) {
    for (const auto& id : it.value()) {
      const auto& olds = req.role.contains(it.key()) ? req.role[it.key()] : Json::array();
      if (std::find(olds.begin(), olds.end(), id) == olds.end()) {
        throw InvalidInput(where, "`execute_party." + it.key() + "` lists " + id.dump() +
                                      ", which is not in `role." + it.key() + "`");
      }
    }
  }
  if (!conf["model_id"].is_string() || !conf["model_version"].is_string()) {
    throw InvalidInput(where, "`model_id` and `model_version` must be strings");
  }
  req.modelId = conf["model_id"].get<std::string>();
  req.modelVersion = conf["model_version"].get<std::string>();
  if (conf.contains("unify_model_version") && !conf["unify_model_version"].is_null()) {
    if (!conf["unify_model_version"].is_string() ||
        conf["unify_model_version"].get<std::string>().empty()) {
      throw InvalidInput(where, "`unify_model_version` must be a non-empty string");
    }
    req.unifyModelVersion = conf["unify_model_version"].get<std::string>();
  }
  return req;
}

IdMapping MigrateRequest::idMapping() const {
  IdMapping m;
  for (auto it = role.begin(); it != role.end(); ++it) {
    const auto& news = migrateRole[it.key()];
    for (size_t i = 0; i < it.value().size(); ++i) {
      m.add(it.key(), it.value()[i].get<int64_t>(), news[i].get<int64_t>());
    }
  }
  return m;
}

int64_t MigrateRequest::newPartyId(const std::string& roleName, int64_t oldId) const {
  int64_t nid = 0;
  // Positional: the first position holding oldId.
  if (role.contains(roleName)) {
    const auto& olds = role[roleName];
    for (size_t i = 0; i < olds.size(); ++i) {
      if (olds[i].get<int64_t>() == oldId) return migrateRole[roleName][i].get<int64_t>();
    }
  }
  (void)nid;
  throw InvalidInput("role." + roleName, "party " + std::to_string(oldId) + " is not listed");
}

std::string MigrateRequest::newModelId() const { return genModelId(migrateRole); }

std::string genModelId(const Json& roles) {
  // The rule itself is the API library's (the operator uses it too); this only adapts the conf's
  // JSON role map (ids already checked to be integers by parseMigrateRequest).
  api::RoleMap map;
  if (roles.is_object()) {
    for (auto it = roles.begin(); it != roles.end(); ++it) {
      auto& ids = map[it.key()];
      for (const auto& id : it.value()) ids.push_back(id.get<int64_t>());
    }
  }
  return api::fate_model_id(map);
}

std::string generateJobId() {
  const auto now = std::chrono::system_clock::now();
  const auto secs = std::chrono::system_clock::to_time_t(now);
  const auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count() %
      1'000'000;
  std::tm tm{};
  localtime_r(&secs, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d%H%M%S", &tm);
  char frac[16];
  std::snprintf(frac, sizeof frac, "%06lld", static_cast<long long>(micros));
  return std::string(buf) + frac + "0";
}

}  // namespace flop::model
