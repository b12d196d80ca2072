#include "migration_plan.hpp"

#include <algorithm>
#include <atomic>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <thread>

#include "flop/error.hpp"
#include "flop/model/converters.hpp"
#include "flop/model/define_meta.hpp"
#include "flop/model/digest.hpp"
#include "flop/model/layout.hpp"
#include "flop/model/message_dict.hpp"
#include "flop/model/model_source.hpp"
#include "flop/model/output_writer.hpp"
#include "pipeline.pb.h"

#include <spdlog/spdlog.h>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>

namespace flop::model {

namespace fs = std::filesystem;
namespace buf = com::webank::ai::fate::core::mlmodel::buffer;

FlowGeneration flowFor(const std::string& compat, bool sourceHasSidecars) {
  if (compat == "1.9") return FlowGeneration::Db19Plus;
  if (compat == "1.5") {
    return sourceHasSidecars ? FlowGeneration::Copy17to18 : FlowGeneration::Copy15to16;
  }
  throw InvalidInput("--compat", "must be 1.5 or 1.9, not '" + compat + "'");
}

void Plan::put(const std::string& path, std::string bytes) {
  generate(path, [b = std::move(bytes)] { return b; });
}

void Plan::generate(const std::string& path, std::function<std::string()> produce) {
  for (auto& f : files) {
    if (f.path == path) {
      f.produce = std::move(produce);
      f.stream = nullptr;
      return;
    }
  }
  files.push_back({path, std::move(produce), {}});
}

void Plan::stream(const std::string& path, std::function<ChunkProducer()> open) {
  for (auto& f : files) {
    if (f.path == path) {
      f.produce = nullptr;
      f.stream = std::move(open);
      return;
    }
  }
  files.push_back({path, {}, std::move(open)});
}

void Plan::keep(const std::string& path) {
  for (const auto& f : files) {
    if (f.path == path) return;
  }
  files.push_back({path, {}, {}});
}

namespace {

bool endsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string serialize(const google::protobuf::Message& m) {
  std::string out;
  google::protobuf::io::StringOutputStream sos(&out);
  google::protobuf::io::CodedOutputStream cos(&sos);
  cos.SetSerializationDeterministic(true);  // sorted map entries: reproducible output
  m.SerializeToCodedStream(&cos);
  cos.Trim();
  return out;
}

// Parent directory entries ("a/", "a/b/") of every path, in first-seen order.
void addParents(const std::string& path, std::vector<std::string>& dirs,
                std::set<std::string>& seen) {
  for (auto slash = path.find('/'); slash != std::string::npos && slash + 1 < path.size() + 1;
       slash = path.find('/', slash + 1)) {
    const auto dir = path.substr(0, slash + 1);
    if (dir.size() == path.size()) break;
    if (seen.insert(dir).second) dirs.push_back(dir);
  }
}

// Everything a deferred conversion needs, shared by the producers of one migration.
struct ConversionContext {
  const ModelSource* source = nullptr;
  IdMapping mapping;
  std::unique_ptr<PartyRenamer> renamer;
  FlowGeneration flow = FlowGeneration::Db19Plus;
};

// One converted Param buffer: parsed and converted when its entry is written, reused for the
// sidecar written right after it, then released. (Not on a protobuf Arena: arena-owned maps
// crash at arena destruction in TSan builds against the uninstrumented libprotobuf.)
struct DeferredParam {
  std::shared_ptr<const ConversionContext> ctx;
  std::string module, messageName, path;
  std::unique_ptr<google::protobuf::Message> message;

  const google::protobuf::Message& get() {
    if (!message) {
      const std::string where = ctx->source->location() + ":" + path;
      auto parsed = parseBuffer(messageName, ctx->source->read(path), where);
      if (!parsed) throw InvalidInput(where, "no schema for " + messageName);
      convertParam(module, *parsed, *ctx->renamer, where);
      message = std::move(parsed);
    }
    return *message;
  }
  void release() { message.reset(); }
};

// Sidecar pieces of about this size are handed to the zip writer.
constexpr size_t kJsonChunk = 1 << 20;

struct ConvertedComponent {
  std::string paramModel;  // model name of the rewritten Param buffer
  std::string metaModel;
  std::unique_ptr<google::protobuf::Message> param;
};

// FATE's dispatch: the Param buffer is the model name containing "Param", the Meta one the name
// containing "Meta"; the last match wins; either missing is an error.
ConvertedComponent pickParamMeta(const AliasDef& alias, const std::string& where) {
  ConvertedComponent c;
  for (const auto& b : alias.buffers) {
    if (b.modelName.find("Param") != std::string::npos) c.paramModel = b.modelName;
    if (b.modelName.find("Meta") != std::string::npos) c.metaModel = b.modelName;
  }
  if (c.paramModel.empty() || c.metaModel.empty()) {
    throw InvalidInput(where, "a converted component needs one Param and one Meta buffer");
  }
  return c;
}

const BufferDef& bufferDef(const AliasDef& alias, const std::string& model) {
  for (const auto& b : alias.buffers) {
    if (b.modelName == model) return b;
  }
  throw InvalidInput(model, "not in define_meta");
}

}  // namespace

std::string importConfJson(const std::string& role, int64_t partyId, const std::string& modelId,
                           const std::string& version, const std::string& file, bool forceUpdate) {
  Json conf = Json::object();
  conf["role"] = role;
  conf["party_id"] = partyId;
  conf["model_id"] = modelId;
  conf["model_version"] = version;
  conf["file"] = file;
  if (forceUpdate) conf["force_update"] = false;
  return pyDumpsIndented(conf, 4);
}

// Builds the output file set of one migrated copy.
Plan planMigration(const ModelSource& src, const MigrateRequest& req, const PartyCopy& copy,
                   int64_t newPartyId, const MigrateOptions& options, const std::string& newVersion,
                   const fs::path& finalOutput, Layout& layoutOut) {
  const std::string loc = src.location();
  const DefineMeta meta = parseDefineMeta(src.read(kDefineMetaPath), loc + ":" + kDefineMetaPath);
  const std::string pipelineWhere = loc + ":" + kPipelinePath;
  auto pipeline = std::make_unique<buf::Pipeline>();
  {
    auto parsed = parseBuffer("Pipeline", src.read(kPipelinePath), pipelineWhere);
    pipeline->CopyFrom(*parsed);
  }
  // The copy must be the model the conf names (FATE finds it by these ids); a mismatch means
  // the wrong file was handed over.
  if (!pipeline->model_id().empty() && pipeline->model_id() != req.modelId) {
    throw InvalidInput(pipelineWhere, "model_id is '" + pipeline->model_id() +
                                          "' but the migrate conf names '" + req.modelId + "'");
  }
  if (!pipeline->model_version().empty() && pipeline->model_version() != req.modelVersion) {
    throw InvalidInput(pipelineWhere, "model_version is '" + pipeline->model_version() +
                                          "' but the migrate conf names '" + req.modelVersion +
                                          "'");
  }
  const Layout layout = detectLayout(src, meta, pipeline->fate_version());
  layoutOut = layout;
  const FlowGeneration flow =
      flowFor(options.compat, layout.hasSidecars || layout.hasRunParameters);
  const bool db = flow == FlowGeneration::Db19Plus;
  const auto gen = db ? ConverterGeneration::Fate19Plus : ConverterGeneration::Fate15to18;
  auto ctx = std::make_shared<ConversionContext>();
  ctx->source = &src;
  ctx->mapping = req.idMapping();
  ctx->renamer = std::make_unique<PartyRenamer>(ctx->mapping, gen);
  ctx->flow = flow;
  const std::string newModelId = req.newModelId();

  if (!meta.find("pipeline")) {
    throw InvalidInput(loc + ":" + kDefineMetaPath, "no `pipeline` component");
  }

  PipelineTarget target{&req, newModelId, newVersion, flow};
  rewritePipeline(*pipeline, target, pipelineWhere);
  const std::string pipelineBytes = serialize(*pipeline);

  std::map<std::string, uint64_t> sizes;
  for (const auto& e : src.entries()) sizes[e.path] = e.size;
  Plan plan;
  DefineMeta newMeta;  // 1.9+: regenerated from what was saved
  const bool fate18 = !db && flow == FlowGeneration::Copy17to18 && !layout.fateVersion.empty() &&
                      layout.fateVersion.rfind("1.8", 0) == 0;

  if (!db) {
    // Copy design: everything is carried over, then the rewritten files replace theirs.
    for (const auto& e : src.entries()) {
      if (e.isDir) {
        plan.directories.push_back(e.path);
      } else {
        plan.keep(e.path);
      }
    }
    // 1.5-1.8 model directories always carry the (empty) index directory.
    if (std::find(plan.directories.begin(), plan.directories.end(), "variables/index/") ==
        plan.directories.end()) {
      plan.directories.push_back("variables/index/");
    }
    plan.put(kPipelinePath, pipelineBytes);
    plan.put("pipeline.pb", pipelineBytes.empty() ? std::string(kEmptyFill) : pipelineBytes);
    if (flow == FlowGeneration::Copy17to18) {
      for (const auto& e : src.entries()) {
        if (!e.isDir && e.path.rfind("run_parameters/", 0) == 0 &&
            endsWith(e.path, "/run_parameters.json")) {
          plan.put(e.path, "{}");
        }
      }
    }
  } else {
    plan.put(".lock", "");
    plan.put(kPipelinePath, pipelineBytes);
    plan.put(std::string(kPipelinePath) + ".json", messageToPyJson(*pipeline));
  }

  for (const auto& comp : meta.components) {
    if (comp.name == "pipeline") {
      if (db) newMeta.components.push_back(comp);
      continue;
    }
    ComponentDef savedComp{comp.name, comp.module, {}};
    for (const auto& alias : comp.aliases) {
      const std::string aliasWhere = loc + ": component " + comp.name + "." + alias.alias;
      AliasDef savedAlias{alias.alias, {}};
      if (hasConverter(comp.module, gen)) {
        auto conv = pickParamMeta(alias, aliasWhere);
        const auto& paramDef = bufferDef(alias, conv.paramModel);
        const auto paramPath = bufferPath(comp.name, alias.alias, conv.paramModel);
        if (!newMessage(paramDef.messageName)) {
          throw InvalidInput(loc + ":" + paramPath, "no schema for " + paramDef.messageName +
                                                        " (module " + comp.module + ")");
        }
        if (!src.has(paramPath)) throw InvalidInput(loc + ":" + paramPath, "buffer missing");
        auto deferred = std::make_shared<DeferredParam>();
        deferred->ctx = ctx;
        deferred->module = comp.module;
        deferred->messageName = paramDef.messageName;
        deferred->path = paramPath;
        const auto paramJsonPath = paramPath + ".json";
        std::optional<KnownJsonNames> known;
        const bool writeJson = db || src.has(paramJsonPath);
        if (!db && writeJson) {
          // 1.7/1.8 rewrite the sidecar in their own (older) schema generation.
          known = collectJsonNames(parseJson(src.read(paramJsonPath), loc + ":" + paramJsonPath));
        }
        const bool emptyFill = flow == FlowGeneration::Copy15to16;
        plan.generate(paramPath, [deferred, writeJson, emptyFill] {
          std::string bytes = serialize(deferred->get());
          if (!writeJson) deferred->release();
          if (bytes.empty() && emptyFill) bytes = std::string(kEmptyFill);
          return bytes;
        });
        if (writeJson) {
          auto names = known ? std::make_shared<const KnownJsonNames>(std::move(*known)) : nullptr;
          plan.stream(paramJsonPath, [deferred, names]() -> ChunkProducer {
            auto json = std::make_shared<MessageJsonStream>(deferred->get(), names.get());
            return [deferred, names, json](std::string& out) {
              if (json->next(out, kJsonChunk)) return true;
              deferred->release();
              return false;
            };
          });
        }
        const auto metaPath = bufferPath(comp.name, alias.alias, conv.metaModel);
        if (db) {
          plan.keep(metaPath);
          const auto& metaDef = bufferDef(alias, conv.metaModel);
          if (newMessage(metaDef.messageName)) {
            auto parsed =
                parseBuffer(metaDef.messageName, src.read(metaPath), loc + ":" + metaPath);
            plan.put(metaPath + ".json", messageToPyJson(*parsed));
          } else if (src.has(metaPath + ".json")) {
            plan.keep(metaPath + ".json");
          }
          savedAlias.buffers.push_back(paramDef);
          savedAlias.buffers.push_back(metaDef);
        }
      } else if (db) {
        for (const auto& b : alias.buffers) {
          const auto path = bufferPath(comp.name, alias.alias, b.modelName);
          if (!src.has(path)) throw InvalidInput(loc + ":" + path, "buffer missing");
          // FATE re-serializes every buffer; an empty one is written as 0 bytes from 1.7 on.
          // (Only 5-byte entries can be the fill message: large buffers are never read here.)
          if (sizes.at(path) == kEmptyFill.size() && src.read(path) == kEmptyFill) {
            plan.put(path, "");
          } else {
            plan.keep(path);
          }
          if (src.has(path + ".json")) plan.keep(path + ".json");
          savedAlias.buffers.push_back(b);
        }
      }
      if (db) savedComp.aliases.push_back(std::move(savedAlias));
    }
    if (db) newMeta.components.push_back(std::move(savedComp));
  }

  const std::string fileName = finalOutput.filename().string();
  if (db) {
    plan.put(kDefineMetaPath, emitDefineMeta(newMeta));
    for (const auto& comp : meta.components) {
      const auto path = "run_parameters/" + comp.name + "/run_parameters.json";
      if (comp.name == "pipeline") {
        plan.put(path, "{}");
      } else if (src.has(path)) {
        plan.keep(path);
      } else {
        plan.put(path, "{}");
      }
    }
    plan.put("import_model.json", importConfJson(copy.role, newPartyId, newModelId, newVersion,
                                                 finalOutput.string(), true));
  } else if (fate18) {
    plan.put("import_model.json", importConfJson(copy.role, newPartyId, newModelId, newVersion,
                                                 finalOutput.string(), false));
  }

  std::set<std::string> seen(plan.directories.begin(), plan.directories.end());
  (void)ctx;
  for (const auto& f : plan.files) addParents(f.path, plan.directories, seen);
  return plan;
}

}  // namespace flop::model
