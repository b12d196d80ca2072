#pragma once
// libzip sources over plain files with large buffers. libzip 1.7's own file source reads and
// writes through stdio in 4 KB calls, which dominated migrating large pass-through models; these
// read and write 1 MB at a time. The writing one also computes the archive's sha256 while libzip
// writes it, so the output need not be read again.
#include <zip.h>

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "flop/model/digest.hpp"

namespace flop::model {

// A read-only, seekable source over `path`; nullptr (with `error` set) when it cannot be opened.
// The caller owns the result until it hands it to libzip (zip_open_from_source).
zip_source_t* openBufferedFileSource(const std::filesystem::path& path, zip_error_t* error);

// The file an archive is written to (through zip_open_from_source(sink.source(), ZIP_CREATE)).
// `path` is created (never overwritten) when libzip starts writing and removed on rollback.
//
// The sha256 is computed while writing. libzip writes each entry as a provisional local header,
// the data, then seeks back to rewrite the header (with CRC and sizes) and returns to the end;
// only then are the entry's bytes final. So each entry is hashed when libzip returns to the end:
// from the 1 MB write buffer where it still is (every small entry; its header rewrite patches
// the buffer), the rest read back from the page cache. The digest is that of the finished file.
class HashingFileSink {
 public:
  explicit HashingFileSink(std::filesystem::path path);
  ~HashingFileSink();
  HashingFileSink(const HashingFileSink&) = delete;
  HashingFileSink& operator=(const HashingFileSink&) = delete;

  // A new libzip source writing to this sink; the sink must outlive it (libzip frees the source).
  zip_source_t* source(zip_error_t* error);

  // After a successful commit: the archive's sha256 (hex) and size.
  const std::string& sha256() const { return digest_; }
  uint64_t bytes() const { return end_; }
  // Bytes read back from the file to hash them (entries larger than the write buffer).
  uint64_t readBackBytes() const { return readBack_; }

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
  void preadAll(char* data, uint64_t len, uint64_t offset);

  std::filesystem::path path_;
  int fd_ = -1;
  int readFd_ = -1;  // reading back (ZIP_SOURCE_OPEN/READ), which libzip requires support for
  uint64_t readPos_ = 0;
  uint64_t pos_ = 0;          // where the next write goes
  uint64_t end_ = 0;          // size of the output, buffered bytes included
  std::vector<char> buffer_;  // bytes appended at end_ - buffer_.size(), not yet written
  Sha256Stream hash_;         // covers [0, hashed_)
  uint64_t hashed_ = 0;
  uint64_t readBack_ = 0;
  std::string digest_;
  zip_error_t error_;
};

}  // namespace flop::model
