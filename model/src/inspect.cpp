#include "flop/model/inspect.hpp"

#include <fstream>
#include <set>

#include "flop/error.hpp"
#include "flop/model/converters.hpp"
#include "flop/model/define_meta.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/layout.hpp"
#include "flop/model/model_source.hpp"
#include "pipeline.pb.h"

namespace flop::model {

namespace fs = std::filesystem;
namespace buf = com::webank::ai::fate::core::mlmodel::buffer;

namespace {

Json jsonOrNull(const std::string& bytes) {
  if (bytes.empty()) return nullptr;
  try {
    return Json::parse(bytes);
  } catch (const std::exception&) {
    return nullptr;
  }
}

// The `{role}#{party_id}#...` part of a copy's name (zip file name or the version's parent dir).
std::pair<std::string, std::string> partyFromName(const fs::path& model) {
  const std::string name =
      fs::is_directory(model)
          ? fs::absolute(model).lexically_normal().parent_path().filename().string()
          : model.filename().string();
  const auto h1 = name.find('#');
  const auto h2 = h1 == std::string::npos ? h1 : name.find('#', h1 + 1);
  if (h2 == std::string::npos) return {};
  return {name.substr(0, h1), name.substr(h1 + 1, h2 - h1 - 1)};
}

}  // namespace

Json inspectModel(const fs::path& model, const ArchiveLimits& limits) {
  const auto src = openModel(model, limits);
  const auto loc = src->location();
  const auto meta = parseDefineMeta(src->read(kDefineMetaPath), loc + ":" + kDefineMetaPath);
  buf::Pipeline p;
  {
    auto parsed = parseBuffer("Pipeline", src->read(kPipelinePath), loc + ":" + kPipelinePath);
    p.CopyFrom(*parsed);
  }
  const auto layout = detectLayout(*src, meta, p.fate_version());
  Json out = Json::object();
  out["model_id"] = p.model_id();
  out["model_version"] = p.model_version();
  out["fate_version"] = p.fate_version();
  const Json trc = jsonOrNull(p.train_runtime_conf());
  Json roles = jsonOrNull(p.roles());
  if (roles.is_null() && trc.is_object() && trc.contains("role")) roles = trc["role"];
  out["roles"] = roles;
  Json initiator = Json::object();
  initiator["role"] = p.initiator_role();
  initiator["party_id"] = p.initiator_party_id();
  if (p.initiator_role().empty() && trc.is_object() && trc.contains("initiator")) {
    initiator = trc["initiator"];
  }
  out["initiator"] = initiator;
  const auto [role, party] = partyFromName(model);
  Json local = Json::object();
  const Json rcop = jsonOrNull(p.runtime_conf_on_party());
  if (rcop.is_object() && rcop.contains("local") && rcop["local"].is_object())
    local = rcop["local"];
  if (!role.empty()) {
    local["role"] = role;
    local["party_id"] = party;
  }
  out["local"] = local;
  out["layout"] = layout.name();
  out["layout_evidence"] = layout.describe();
  Json comps = Json::array();
  for (const auto& c : meta.components) {
    Json jc = Json::object();
    jc["name"] = c.name;
    jc["module"] = c.module;
    jc["converted_on_migrate"] =
        c.name != "pipeline" && hasConverter(c.module, ConverterGeneration::Fate19Plus);
    Json buffers = Json::array();
    for (const auto& a : c.aliases) {
      for (const auto& b : a.buffers) {
        const auto path = bufferPath(c.name, a.alias, b.modelName);
        Json jb = Json::object();
        jb["alias"] = a.alias;
        jb["name"] = b.modelName;
        jb["message"] = b.messageName;
        jb["path"] = path;
        uint64_t size = 0;
        for (const auto& e : src->entries()) {
          if (e.path == path) size = e.size;
        }
        jb["size"] = size;
        jb["present"] = src->has(path);
        buffers.push_back(jb);
      }
    }
    jc["buffers"] = buffers;
    comps.push_back(jc);
  }
  out["components"] = comps;
  Json sums = Json::object();
  if (fs::is_regular_file(model)) {
    sums["sha256"] = fileSha256Hex(model);
    const fs::path sidecar = model.string() + ".sha1";
    if (fs::exists(sidecar)) sums["sha1"] = fileSha1Hex(model);
  }
  out["checksums"] = sums;
  return out;
}

std::vector<std::string> verifyModel(const fs::path& model, const ArchiveLimits& limits) {
  std::vector<std::string> problems;
  std::unique_ptr<ModelSource> src;
  try {
    src = openModel(model, limits);
  } catch (const Error& e) {
    return {e.what()};
  }
  const auto loc = src->location();
  auto check = [&](auto&& fn) {
    try {
      fn();
    } catch (const Error& e) {
      problems.emplace_back(e.what());
    }
  };
  if (fs::is_regular_file(model)) {
    const fs::path sidecar = model.string() + ".sha1";
    if (fs::exists(sidecar)) {
      std::ifstream in(sidecar);
      std::string want((std::istreambuf_iterator<char>(in)), {});
      while (!want.empty() && (want.back() == '\n' || want.back() == ' ')) want.pop_back();
      if (want != fileSha1Hex(model)) {
        problems.push_back(sidecar.string() + ": sha1 does not match the archive");
      }
    }
  }
  DefineMeta meta;
  try {
    meta = parseDefineMeta(src->read(kDefineMetaPath), loc + ":" + kDefineMetaPath);
  } catch (const Error& e) {
    problems.emplace_back(e.what());
    return problems;
  }
  if (!meta.find("pipeline"))
    problems.push_back(loc + ":" + kDefineMetaPath + ": no pipeline component");
  std::set<std::string> declared;
  for (const auto& c : meta.components) {
    if (c.module.empty()) {
      problems.push_back(loc + ":" + kDefineMetaPath + ": component " + c.name +
                         " has no component_define.module_name");
    }
    for (const auto& a : c.aliases) {
      for (const auto& b : a.buffers) {
        const auto path = bufferPath(c.name, a.alias, b.modelName);
        declared.insert(path);
        if (!src->has(path)) {
          problems.push_back(loc + ":" + path + ": buffer declared in define_meta.yaml is missing");
          continue;
        }
        check([&] {
          const auto bytes = src->read(path);
          auto msg =
              parseBuffer(b.messageName, bytes, loc + ":" + path + " (" + b.messageName + ")");
          if (b.messageName == "Pipeline" && msg) {
            const auto& p = dynamic_cast<const buf::Pipeline&>(*msg);
            for (const auto& [field, text] :
                 {std::pair{"train_runtime_conf", p.train_runtime_conf()},
                  std::pair{"inference_dsl", p.inference_dsl()},
                  std::pair{"train_dsl", p.train_dsl()}, std::pair{"roles", p.roles()},
                  std::pair{"runtime_conf_on_party", p.runtime_conf_on_party()}}) {
              if (!text.empty()) parseJson(text, loc + ":" + path + " field " + field);
            }
          }
        });
        if (src->has(path + ".json")) {
          check([&] { parseJson(src->read(path + ".json"), loc + ":" + path + ".json"); });
        }
      }
    }
  }
  for (const auto& e : src->entries()) {
    if (e.isDir) continue;
    const auto& p = e.path;
    const bool isJson = p.size() > 5 && p.compare(p.size() - 5, 5, ".json") == 0;
    if (p.rfind("variables/data/", 0) == 0 && !isJson && !declared.count(p)) {
      problems.push_back(loc + ":" + p + ": buffer not declared in define_meta.yaml");
    }
    if ((p.rfind("run_parameters/", 0) == 0 || p == "import_model.json") && isJson) {
      check([&] { parseJson(src->read(p), loc + ":" + p); });
    }
  }
  return problems;
}

}  // namespace flop::model
