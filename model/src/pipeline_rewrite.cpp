#include "flop/model/pipeline_rewrite.hpp"

#include <charconv>
#include <vector>

#include "flop/error.hpp"
#include "pipeline.pb.h"

namespace flop::model {

namespace {

std::vector<int> versionParts(const std::string& v) {
  std::vector<int> parts;
  size_t start = 0;
  while (true) {
    const auto dot = v.find('.', start);
    const auto piece = v.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    int n = 0;
    auto [p, ec] = std::from_chars(piece.data(), piece.data() + piece.size(), n);
    if (piece.empty() || ec != std::errc() || p != piece.data() + piece.size()) {
      throw InvalidInput("fate_version '" + v + "'", "not a dotted integer version");
    }
    parts.push_back(n);
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  while (parts.size() < 3) parts.push_back(0);
  return parts;
}

Json parseConf(const std::string& bytes, const std::string& where) {
  Json j = parseJson(bytes, where);
  if (!j.is_object()) throw InvalidInput(where, "expected a JSON object");
  return j;
}

}  // namespace

bool versionGreater(const std::string& version, const std::string& target) {
  const auto v = versionParts(version);
  const auto t = versionParts(target);
  if (v[0] < t[0]) return false;
  if (v[1] != t[1]) return v[1] > t[1];
  return v[2] > t[2];
}

void rewritePipeline(com::webank::ai::fate::core::mlmodel::buffer::Pipeline& p,
                     const PipelineTarget& target, const std::string& where) {
  const auto& req = *target.request;
  const bool db = target.flow == FlowGeneration::Db19Plus;

  // train_runtime_conf: role and initiator replaced in place, model id/version written where the
  // DSL version keeps them; 1.7+ append an empty `common` when there is none.
  Json trc = parseConf(p.train_runtime_conf(), where + ": train_runtime_conf");
  trc["role"] = req.migrateRole;
  trc["initiator"] = req.migrateInitiator;
  const bool dslV2 = trc.contains("dsl_version") && trc["dsl_version"] == 2;
  if (trc.contains("job_parameters") && trc["job_parameters"].is_object()) {
    auto& jp = trc["job_parameters"];
    if (dslV2) {
      if (jp.contains("common") && jp["common"].is_object()) {
        jp["common"]["model_id"] = target.newModelId;
        jp["common"]["model_version"] = target.newModelVersion;
      }
    } else {
      jp["model_id"] = target.newModelId;
      jp["model_version"] = target.newModelVersion;
    }
    if (target.flow != FlowGeneration::Copy15to16 && !jp.contains("common")) {
      jp["common"] = Json::object();
    }
  }
  p.set_train_runtime_conf(pyDumps(trc));
  p.set_model_id(target.newModelId);
  p.set_model_version(target.newModelVersion);
  if (db) p.set_roles(pyDumps(req.migrateRole));

  const std::string fateVersion = p.fate_version().empty() ? "0.0.0" : p.fate_version();
  if (versionGreater(fateVersion, "1.5.0")) {
    p.set_initiator_role(req.migrateInitiator["role"].get<std::string>());
    p.set_initiator_party_id(static_cast<int32_t>(req.migrateInitiator["party_id"].get<int64_t>()));
    if (db) {
      Json rcop = parseConf(p.runtime_conf_on_party(), where + ": runtime_conf_on_party");
      rcop["role"] = req.migrateRole;
      rcop["initiator"] = req.migrateInitiator;
      if (rcop.contains("job_parameters") && rcop["job_parameters"].is_object()) {
        rcop["job_parameters"]["model_id"] = target.newModelId;
        rcop["job_parameters"]["model_version"] = target.newModelVersion;
      }
      p.set_runtime_conf_on_party(pyDumps(rcop));
    }
  }
}

}  // namespace flop::model
