#pragma once
// One party's model copy, read the same way whether it is a model_local_cache version directory
// or an export zip. Opening a zip validates every entry against ArchiveLimits first.
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "flop/model/archive_limits.hpp"

struct zip;

namespace flop::model {

struct SourceEntry {
  std::string path;  // relative, '/'-separated; directories end in '/'
  uint64_t size = 0;
  bool isDir = false;
};

// Where an unchanged entry's compressed bytes lie in a zip source (open file `fd`, owned by the
// source), so they can be copied file to file without passing through libzip.
struct RawZipEntry {
  int fd = -1;
  uint64_t dataOffset = 0;
  uint64_t compSize = 0;
  uint64_t size = 0;
  uint32_t crc = 0;
  int64_t mtime = 0;  // as libzip reports it (zip_stat)
};

class ModelSource {
 public:
  virtual ~ModelSource() = default;
  // Entries in archive/walk order.
  virtual const std::vector<SourceEntry>& entries() const = 0;
  virtual bool has(const std::string& path) const = 0;
  // Whole content of a file entry; throws flop::InvalidInput when missing.
  virtual std::string read(const std::string& path) const = 0;
  // Where this copy lives (for messages).
  virtual std::string location() const = 0;
  // For a zip: the archive handle and entry index, so unchanged entries can be copied raw.
  virtual struct zip* zipHandle() const { return nullptr; }
  virtual int64_t zipIndex(const std::string& /*path*/) const { return -1; }
  // For a deflated entry of a zip: its compressed bytes in the file (see RawZipEntry).
  virtual std::optional<RawZipEntry> rawZipEntry(const std::string& /*path*/) const {
    return std::nullopt;
  }
};

std::unique_ptr<ModelSource> openModelDir(const std::filesystem::path& dir);
std::unique_ptr<ModelSource> openModelZip(const std::filesystem::path& zipPath,
                                          const ArchiveLimits& limits);
// Either of the above depending on what `path` is.
std::unique_ptr<ModelSource> openModel(const std::filesystem::path& path,
                                       const ArchiveLimits& limits);

}  // namespace flop::model
