#pragma once
// `fl-model migrate`: FATE-Flow's model migration done offline, one output per executing party.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "flop/model/archive_limits.hpp"
#include "flop/model/migrate_conf.hpp"
#include "flop/model/pipeline_rewrite.hpp"

namespace flop::model {

enum class OutputFormat { Zip, Dir };

struct MigrateOptions {
  std::filesystem::path outputDir = ".";
  OutputFormat format = OutputFormat::Zip;
  std::string compat = "1.9";           // "1.9" (FATE-Flow 1.9-1.11) or "1.5" (1.5-1.8)
  std::optional<std::string> version;   // --version, used when no unify_model_version
  std::optional<std::string> onlyRole;  // --role
  std::optional<int64_t> onlyPartyId;   // --party-id (the OLD id, as in execute_party)
  bool digest = false;                  // --digest sha256: each output zip's sha256 in detail
  ArchiveLimits limits;
};

// One party's copy of the source model.
struct PartyCopy {
  std::string role;
  int64_t oldPartyId = 0;
  std::filesystem::path path;  // version directory or export zip
};

struct PartyOutcome {
  std::string role;
  int64_t oldPartyId = 0;
  int64_t newPartyId = 0;
  int retcode = 0;  // 0 success, 100 failure (FATE's /migrate/do codes)
  std::string retmsg;
  std::string partyModelId;  // {role}#{new_party_id}#{new_model_id}
  std::filesystem::path output;
  std::filesystem::path importConf;
  std::string sha256;        // of the output zip (empty for --format dir or without --digest)
  uint64_t bytes = 0;        // size of the output zip (0 for --format dir)
  std::string sourceLayout;  // what was found
};

struct MigrateOutcome {
  std::string newModelId;
  std::string newModelVersion;
  std::vector<PartyOutcome> parties;

  bool ok() const;
  // {"retcode", "retmsg", "jobId", "data": {"detail": {role: {party: {...}}}, role: {party: rc}}}
  std::string resultJson() const;
};

// The executing parties' copies found under `path` (a model_local_cache root, one version
// directory, an export zip, or a folder of export zips), filtered by --role/--party-id.
std::vector<PartyCopy> findPartyCopies(const MigrateRequest& request,
                                       const std::filesystem::path& path,
                                       const MigrateOptions& options);

FlowGeneration flowFor(const std::string& compat, bool sourceHasSidecars);

// Migrates one copy; never throws for a bad model (the outcome carries retcode 100 and the
// message), never leaves partial output.
PartyOutcome migrateCopy(const MigrateRequest& request, const PartyCopy& copy,
                         const MigrateOptions& options, const std::string& newModelVersion);

MigrateOutcome migrate(const MigrateRequest& request, const std::filesystem::path& path,
                       const MigrateOptions& options);

}  // namespace flop::model
