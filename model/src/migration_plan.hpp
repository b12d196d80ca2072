#pragma once
// Private to flop_model: the output file set of one migrated copy, with converted buffers
// produced lazily while the output is written.
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "flop/model/layout.hpp"
#include "flop/model/migrate.hpp"
#include "flop/model/model_source.hpp"
#include "flop/model/output_writer.hpp"

namespace flop::model {

struct PlannedFile {
  std::string path;
  std::function<std::string()> produce;   // whole content, produced when written
  std::function<ChunkProducer()> stream;  // or content in pieces; both empty: copy unchanged
};

struct Plan {
  std::vector<std::string> directories;
  std::vector<PlannedFile> files;

  void put(const std::string& path, std::string bytes);
  void generate(const std::string& path, std::function<std::string()> produce);
  void stream(const std::string& path, std::function<ChunkProducer()> open);
  void keep(const std::string& path);
};

// `archiveName` is what import_model.json calls the file. `layoutOut` receives what was found.
Plan planMigration(const ModelSource& src, const MigrateRequest& req, const PartyCopy& copy,
                   int64_t newPartyId, const MigrateOptions& options, const std::string& newVersion,
                   const std::filesystem::path& archiveName, Layout& layoutOut);

// import_model.json as FATE writes it (json.dump indent=4; `force_update` only from 1.9).
std::string importConfJson(const std::string& role, int64_t partyId, const std::string& modelId,
                           const std::string& version, const std::string& file, bool forceUpdate);

}  // namespace flop::model
