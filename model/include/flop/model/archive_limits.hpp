#pragma once
// Limits applied to every archive before anything is extracted or written: archives are
// hostile input (zip bombs, path traversal, link tricks).
#include <cstdint>
#include <string>

namespace flop::model {

struct ArchiveLimits {
  uint64_t maxEntries = 100'000;
  uint64_t maxTotalBytes = 16ull << 30;  // uncompressed, whole archive
  uint64_t maxEntryBytes = 4ull << 30;   // uncompressed, one entry
  double maxRatio = 1000.0;              // uncompressed / compressed, per entry over 1 MiB
};

// Rejects absolute paths, backslashes, drive letters, empty or `.`/`..` components and NUL.
// Returns the normalized entry name (a directory keeps its trailing '/').
std::string checkEntryName(const std::string& name, const std::string& where);

}  // namespace flop::model
