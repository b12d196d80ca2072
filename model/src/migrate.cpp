#include "flop/model/migrate.hpp"

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

struct PlannedFile {
  std::string path;
  std::function<std::string()> produce;  // empty: copy unchanged from the source
};

struct Plan {
  std::vector<std::string> directories;
  std::vector<PlannedFile> files;

  void put(const std::string& path, std::string bytes) {
    generate(path, [b = std::move(bytes)] { return b; });
  }
  void generate(const std::string& path, std::function<std::string()> produce) {
    for (auto& f : files) {
      if (f.path == path) {
        f.produce = std::move(produce);
        return;
      }
    }
    files.push_back({path, std::move(produce)});
  }
  void keep(const std::string& path) {
    for (const auto& f : files) {
      if (f.path == path) return;
    }
    files.push_back({path, {}});
  }
};

// Everything a deferred conversion needs, shared by the producers of one migration.
struct ConversionContext {
  const ModelSource* source = nullptr;
  IdMapping mapping;
  std::unique_ptr<PartyRenamer> renamer;
  FlowGeneration flow = FlowGeneration::Db19Plus;
};

// One converted Param buffer: parsed and converted when its entry is written, reused for the
// sidecar written right after it, then released.
struct DeferredParam {
  std::shared_ptr<const ConversionContext> ctx;
  std::string module, messageName, path;
  std::unique_ptr<google::protobuf::Message> message;

  const google::protobuf::Message& get() {
    if (!message) {
      const std::string where = ctx->source->location() + ":" + path;
      message = parseBuffer(messageName, ctx->source->read(path), where);
      if (!message) throw InvalidInput(where, "no schema for " + messageName);
      convertParam(module, *message, *ctx->renamer, where);
    }
    return *message;
  }
};

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
          if (!writeJson) deferred->message.reset();
          if (bytes.empty() && emptyFill) bytes = std::string(kEmptyFill);
          return bytes;
        });
        if (writeJson) {
          plan.generate(paramJsonPath, [deferred, known] {
            auto text = messageToPyJson(deferred->get(), known ? &*known : nullptr);
            deferred->message.reset();
            return text;
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

}  // namespace

bool MigrateOutcome::ok() const {
  if (parties.empty()) return false;
  for (const auto& p : parties) {
    if (p.retcode != 0) return false;
  }
  return true;
}

std::string MigrateOutcome::resultJson() const {
  Json detail = Json::object();
  Json codes = Json::object();
  for (const auto& p : parties) {
    const auto id = std::to_string(p.oldPartyId);
    Json d = Json::object();
    d["retcode"] = p.retcode;
    d["retmsg"] = p.retmsg;
    if (p.retcode == 0) {
      d["model_id"] = p.partyModelId;
      d["model_version"] = newModelVersion;
      d["path"] = p.output.string();
      d["import_conf"] = p.importConf.string();
      if (!p.sha256.empty()) d["sha256"] = p.sha256;
    }
    d["source"] = p.sourceLayout;
    detail[p.role][id] = d;
    codes[p.role][id] = p.retcode;
  }
  Json data = Json::object();
  data["detail"] = detail;
  for (auto it = codes.begin(); it != codes.end(); ++it) data[it.key()] = it.value();
  Json out = Json::object();
  out["retcode"] = ok() ? 0 : 101;
  out["retmsg"] = ok() ? "success" : "failed";
  out["jobId"] = newModelVersion;
  out["data"] = data;
  return pyDumps(out);
}

PartyOutcome migrateCopy(const MigrateRequest& request, const PartyCopy& copy,
                         const MigrateOptions& options, const std::string& newVersion) {
  PartyOutcome out;
  out.role = copy.role;
  out.oldPartyId = copy.oldPartyId;
  try {
    out.newPartyId = request.newPartyId(copy.role, copy.oldPartyId);
    const std::string newModelId = request.newModelId();
    out.partyModelId = copy.role + "#" + std::to_string(out.newPartyId) + "#" + newModelId;
    const auto src = openModel(copy.path, options.limits);
    fs::path finalOutput;
    std::unique_ptr<OutputWriter> writer;
    if (options.format == OutputFormat::Zip) {
      finalOutput = fs::absolute(options.outputDir).lexically_normal() /
                    (out.partyModelId + "_" + newVersion + ".zip");
    } else {
      finalOutput =
          fs::absolute(options.outputDir).lexically_normal() / out.partyModelId / newVersion;
    }
    // import_model.json names the archive FATE-Flow will receive; for --format dir that is
    // the zip `fl-model pack` makes of the tree.
    const fs::path archiveName = fs::absolute(options.outputDir).lexically_normal() /
                                 (out.partyModelId + "_" + newVersion + ".zip");
    Layout layout;
    Plan plan = planMigration(*src, request, copy, out.newPartyId, options, newVersion, archiveName,
                              layout);
    out.sourceLayout = layout.describe();
    if (options.format == OutputFormat::Zip) {
      writer = makeZipWriter(finalOutput);
    } else {
      fs::create_directories(finalOutput.parent_path());
      writer = makeDirWriter(finalOutput);
    }
    for (const auto& d : plan.directories) writer->addDirectory(d);
    for (auto& f : plan.files) {
      if (f.produce) {
        writer->addGenerated(f.path, std::move(f.produce));
      } else {
        writer->addUnchanged(f.path, *src);
      }
    }
    // The import conf beside the output, written before the output appears.
    const fs::path importConf = fs::absolute(options.outputDir).lexically_normal() /
                                (out.partyModelId + "_" + newVersion + ".import_model.json");
    const FlowGeneration flow =
        flowFor(options.compat, layout.hasSidecars || layout.hasRunParameters);
    {
      // The conf is staged first and renamed only after the model itself is in place; a
      // failure removes the staged file too.
      const fs::path tmp = importConf.string() + ".tmp";
      struct RemoveOnFailure {
        fs::path path;
        bool armed = true;
        ~RemoveOnFailure() {
          std::error_code ec;
          if (armed) fs::remove(path, ec);
        }
      } guard{tmp};
      std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
      f << importConfJson(copy.role, out.newPartyId, newModelId, newVersion, archiveName.string(),
                          false);
      f.close();
      if (!f) throw Error(tmp.string() + ": write failed");
      writer->commit();
      fs::rename(tmp, importConf);
      guard.armed = false;
    }
    out.output = finalOutput;
    out.importConf = importConf;
    if (options.format == OutputFormat::Zip) {
      // No sha256 here: hashing would read the whole output again (the import step and
      // `fl-model pack` compute it when it is needed).
      // FATE 1.5.2-1.8 write a `.sha1` sidecar; 1.9+ do not.
      const bool sha1Sidecar = flow == FlowGeneration::Copy17to18 ||
                               (flow == FlowGeneration::Copy15to16 && layout.hasLock);
      if (sha1Sidecar) {
        std::ofstream f(finalOutput.string() + ".sha1", std::ios::binary | std::ios::trunc);
        f << fileSha1Hex(finalOutput);
      }
    }
    out.retcode = 0;
    out.retmsg =
        "Migrating model successfully. The configuration of model has been modified "
        "automatically. New model id is: " +
        newModelId + ", model version is: " + newVersion + ". Model files can be found at '" +
        finalOutput.string() + "'.";
    spdlog::debug("{} {} -> {} written to {}", copy.role, copy.oldPartyId, out.newPartyId,
                  finalOutput.string());
  } catch (const std::exception& e) {
    out.retcode = 100;
    out.retmsg = e.what();
    spdlog::error("{} {}: {}", copy.role, copy.oldPartyId, out.retmsg);
  }
  return out;
}

std::vector<PartyCopy> findPartyCopies(const MigrateRequest& req, const fs::path& path,
                                       const MigrateOptions& options) {
  std::vector<PartyCopy> copies;
  auto wanted = [&](const std::string& role, int64_t id) {
    if (options.onlyRole && *options.onlyRole != role) return false;
    if (options.onlyPartyId && *options.onlyPartyId != id) return false;
    return true;
  };
  // A single copy: a zip, or a version directory. Its party comes from the
  // `{role}#{party_id}#...` name or from --role/--party-id.
  const bool single = fs::is_regular_file(path) || fs::exists(path / kDefineMetaPath);
  if (single) {
    std::string role;
    std::optional<int64_t> id;
    const std::string name = fs::is_regular_file(path) ? path.filename().string()
                                                       : path.parent_path().filename().string();
    const auto h1 = name.find('#');
    const auto h2 = h1 == std::string::npos ? h1 : name.find('#', h1 + 1);
    if (h2 != std::string::npos) {
      role = name.substr(0, h1);
      try {
        id = std::stoll(name.substr(h1 + 1, h2 - h1 - 1));
      } catch (const std::exception&) {
        id.reset();
      }
    }
    if (options.onlyRole) role = *options.onlyRole;
    if (options.onlyPartyId) id = options.onlyPartyId;
    if (role.empty() || !id) {
      throw InvalidInput(path.string(),
                         "cannot tell the role and party of this copy from its "
                         "name; pass --role and --party-id");
    }
    copies.push_back({role, *id, path});
    return copies;
  }
  if (!fs::is_directory(path)) throw InvalidInput(path.string(), "no such model file or directory");
  for (auto it = req.executeParty.begin(); it != req.executeParty.end(); ++it) {
    for (const auto& idJson : it.value()) {
      const auto id = idJson.get<int64_t>();
      if (!wanted(it.key(), id)) continue;
      const std::string partyModelId = it.key() + "#" + std::to_string(id) + "#" + req.modelId;
      const fs::path dir = path / partyModelId / req.modelVersion;
      const fs::path zip = path / (partyModelId + "_" + req.modelVersion + ".zip");
      if (fs::exists(dir / kDefineMetaPath)) {
        copies.push_back({it.key(), id, dir});
      } else if (fs::is_regular_file(zip)) {
        copies.push_back({it.key(), id, zip});
      }
    }
  }
  if (copies.empty()) {
    throw InvalidInput(path.string(), "no executing party's copy of " + req.modelId + " / " +
                                          req.modelVersion +
                                          " found (looked for "
                                          "{role}#{party_id}#{model_id}/{model_version}/ and "
                                          "{role}#{party_id}#{model_id}_{model_version}.zip)");
  }
  return copies;
}

MigrateOutcome migrate(const MigrateRequest& request, const fs::path& path,
                       const MigrateOptions& options) {
  MigrateOutcome outcome;
  outcome.newModelId = request.newModelId();
  outcome.newModelVersion = request.unifyModelVersion ? *request.unifyModelVersion
                            : options.version         ? *options.version
                                                      : generateJobId();
  (void)flowFor(options.compat, false);  // reject a bad --compat before touching anything
  if (!fs::is_directory(options.outputDir)) {
    throw InvalidInput(options.outputDir.string(), "output directory does not exist");
  }
  // Parties are independent: migrate them concurrently, a few at a time.
  const auto copies = findPartyCopies(request, path, options);
  outcome.parties.resize(copies.size());
  const size_t workers =
      std::max<size_t>(1, std::min<size_t>(copies.size(), std::thread::hardware_concurrency()));
  std::atomic<size_t> next{0};
  std::vector<std::thread> pool;
  for (size_t w = 0; w < workers; ++w) {
    pool.emplace_back([&] {
      for (size_t i = next++; i < copies.size(); i = next++) {
        outcome.parties[i] = migrateCopy(request, copies[i], options, outcome.newModelVersion);
      }
    });
  }
  for (auto& t : pool) t.join();
  return outcome;
}

}  // namespace flop::model
