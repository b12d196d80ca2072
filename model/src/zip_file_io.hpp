#pragma once
// libzip sources over plain files with large buffers. libzip 1.7's own file source reads and
// writes through stdio in 4 KB calls, which dominated migrating large pass-through models; these
// read and write 1 MB at a time. The writing one also computes the archive's sha256 while libzip
// writes it, so the output need not be read again.
#include <zip.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "background_sha256.hpp"
#include "flop/model/model_source.hpp"

namespace flop::model {

// An I/O failure inside a source callback, reported to libzip as `zipCode` with errno `sysErrno`.
struct IoFailure {
  int zipCode;
  int sysErrno;
};

// For a libzip source callback whose data is already deflated (libzip then writes it as it is):
// the ZIP_SOURCE_STAT answer, and the ZIP_SOURCE_SUPPORTS one (open, read, close, stat, error,
// free).
zip_int64_t statDeflated(void* stat, uint64_t size, uint64_t compressedSize, uint32_t crc,
                         time_t mtime);
zip_int64_t deflatedSourceSupports();

// A read-only, seekable source over `path`; nullptr (with `error` set) when it cannot be opened.
// The caller owns the result until it hands it to libzip (zip_open_from_source).
zip_source_t* openBufferedFileSource(const std::filesystem::path& path, zip_error_t* error);

// The file an archive is written to (through zip_open_from_source(sink.source(), ZIP_CREATE)).
// `path` is created (never overwritten) when libzip starts writing and removed on rollback.
//
// The sha256 is computed while writing, on another thread (BackgroundSha256). libzip writes
// each entry as a provisional local header, the data, then seeks back to rewrite the header (with
// CRC and sizes) and returns to the end; only then are the entry's bytes final. So each entry is
// handed to the hashing thread when libzip returns to the end: from the 1 MB write buffer where
// it still is (every small entry), the rest read back from the page cache.
//
// Unchanged deflated entries of a zip source are copied file to file (rawCopySource): libzip
// still drives the entry, but the bytes it moves are placeholders, and the sink copies the real
// ones with copy_file_range. Their final local header is known in advance (the provisional one
// with the source's CRC), so it is hashed at once and the copied data is hashed while it is
// copied; libzip's rewrite is checked against what was hashed (a difference starts the digest
// over: slower, never wrong).
class HashingFileSink {
 public:
  // `digest`: compute the sha256 (else sha256() stays empty and no thread runs).
  HashingFileSink(std::filesystem::path path, bool digest);
  ~HashingFileSink();
  HashingFileSink(const HashingFileSink&) = delete;
  HashingFileSink& operator=(const HashingFileSink&) = delete;

  // A new libzip source writing to this sink; the sink must outlive it (libzip frees the source).
  zip_source_t* source(zip_error_t* error);
  // A libzip source for `entry`'s compressed bytes, to add to the archive written to this sink:
  // they are copied from the source file into the output by the sink (zip_raw_copy.cpp).
  zip_source_t* rawCopySource(zip_t* za, const RawZipEntry& entry);

  // After a successful commit: the archive's sha256 (hex) and size.
  const std::string& sha256() const { return digest_; }
  uint64_t bytes() const { return end_; }
  // Bytes read back from the file to hash them (entries larger than the write buffer).
  uint64_t readBackBytes() const { return hasher_.readBackBytes(); }
  // Bytes copied file to file, and how often a header guessed for hashing was wrong.
  uint64_t rawCopiedBytes() const { return rawCopied_; }
  uint64_t headerGuessMisses() const { return guessMisses_; }

  // Used by the raw-copy source. At its OPEN: the entry's CRC and mtime. At each READ: the `len`
  // bytes libzip will now write from `data` stand for the bytes at `srcOffset` of `srcFd`.
  void beginRawEntry(uint32_t crc, int64_t mtime);
  void expectRawBytes(const void* data, uint64_t len, int srcFd, uint64_t srcOffset);

 private:
  static zip_int64_t callback(void* self, void* data, zip_uint64_t len, zip_source_cmd_t cmd);
  zip_int64_t handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd);
  void beginWrite();
  void write(const char* data, uint64_t len);
  void seekTo(uint64_t offset);
  void commit();
  void rollback();
  void flush();
  void catchUp();
  void pwriteAll(const char* data, uint64_t len, uint64_t offset);
  bool takeRawBytes(const char* data, uint64_t len);
  void guessRawHeader();
  void flushRaw();
  void checkRewrite(const char* data, uint64_t len);

  std::filesystem::path path_;
  bool digestWanted_ = true;
  int fd_ = -1;
  int readFd_ = -1;  // reading back (ZIP_SOURCE_OPEN/READ), which libzip requires support for
  uint64_t readPos_ = 0;
  uint64_t pos_ = 0;          // where the next write goes
  uint64_t end_ = 0;          // size of the output, buffered bytes included
  std::vector<char> buffer_;  // bytes appended at end_ - buffer_.size(), not yet written
  BackgroundSha256 hasher_;   // has been given [0, hashed_)
  uint64_t hashed_ = 0;
  // Raw copy: the placeholder libzip is about to write, the copy not yet done, the header
  // hashed before libzip's rewrite of it.
  struct Expected {
    const void* data;
    uint64_t len;
    int srcFd;
    uint64_t srcOffset;
  };
  std::optional<Expected> expected_;
  struct RawHeader {
    uint32_t crc;
    int64_t mtime;
  };
  std::optional<RawHeader> rawHeader_;  // set at a raw entry's OPEN until its first bytes
  int rawFd_ = -1;
  uint64_t rawSrc_ = 0, rawOut_ = 0, rawLen_ = 0;
  uint64_t guessAt_ = 0;
  std::string guess_;  // the header hashed at guessAt_ (empty: none)
  uint64_t rawCopied_ = 0;
  uint64_t guessMisses_ = 0;
  std::string digest_;
  zip_error_t error_;
};

}  // namespace flop::model
