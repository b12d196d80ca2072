#include "flop/model/migrate.hpp"
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
      if (p.bytes > 0) d["bytes"] = p.bytes;
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
      writer = makeZipWriter(finalOutput, 1, options.digest);
    } else {
      fs::create_directories(finalOutput.parent_path());
      writer = makeDirWriter(finalOutput);
    }
    for (const auto& d : plan.directories) writer->addDirectory(d);
    for (auto& f : plan.files) {
      if (f.stream) {
        writer->addStreamed(f.path, std::move(f.stream));
      } else if (f.produce) {
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
      // The operator records the artifact's digest (it asks for one) and size.
      out.sha256 = writer->committedSha256();
      out.bytes = fs::file_size(finalOutput);
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
  // Parties are independent: each has its own source, writer and converted messages, and shares
  // only the request and options (read-only). One party per core. The faithfulness suite runs
  // this path for every multi-party case; it is clean under TSan and ASan.
  const auto copies = findPartyCopies(request, path, options);
  outcome.parties.resize(copies.size());
  const size_t workers = std::max<size_t>(
      1, std::min<size_t>(copies.size(), std::max(1u, std::thread::hardware_concurrency())));
  // spdlog's registry is a function-local static in the (uninstrumented) shared library: create
  // it here, before the workers log, so its initialisation is not a race TSan cannot see through.
  (void)spdlog::default_logger_raw();
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
