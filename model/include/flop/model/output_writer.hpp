#pragma once
// Writes one migrated/packed model either as a zip or as a directory tree. Everything goes to a
// temporary name beside the destination and is renamed into place by commit(); destroying an
// uncommitted writer removes the temporary, so a failure never leaves half-written output.
#include <filesystem>
#include <functional>
#include <memory>
#include <string>

#include "flop/model/model_source.hpp"

namespace flop::model {

// Appends the next piece of an entry's content to `out`; returns false when nothing is left.
using ChunkProducer = std::function<bool(std::string& out)>;

class OutputWriter {
 public:
  virtual ~OutputWriter() = default;
  virtual void addDirectory(const std::string& path) = 0;  // path ends in '/'
  virtual void addBytes(const std::string& path, std::string bytes) = 0;
  // Content produced only when it is written (one entry at a time), so memory holds one
  // generated entry, not the whole model. An exception from `produce` fails commit().
  void addGenerated(const std::string& path, std::function<std::string()> produce);
  // Content produced piece by piece while it is written: `open` is called when the entry is
  // written and returns the producer of its pieces, so not even one entry is held whole.
  virtual void addStreamed(const std::string& path, std::function<ChunkProducer()> open) = 0;
  // Copies an unchanged entry; from a zip source the compressed data is copied as is.
  virtual void addUnchanged(const std::string& path, const ModelSource& source) = 0;
  // Finishes the output and renames it to its final name. Returns the final path.
  virtual std::filesystem::path commit() = 0;
  // After commit: the output's sha256 (hex) when the writer computed it while writing (a zip),
  // else empty.
  virtual std::string committedSha256() const { return {}; }
};

// Refuses to overwrite an existing destination. `digest`: compute the sha256 while writing
// (committedSha256()); it costs about a third of a second of the other core per 500 MB.
std::unique_ptr<OutputWriter> makeZipWriter(const std::filesystem::path& destination,
                                            int deflateLevel = 1, bool digest = true);
std::unique_ptr<OutputWriter> makeDirWriter(const std::filesystem::path& destination);

}  // namespace flop::model
