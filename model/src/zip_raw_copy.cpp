// Copying an unchanged deflated entry file to file (see HashingFileSink in zip_file_io.hpp).
// libzip 1.7 copies an entry's compressed data through an 8 KB buffer (read from the source
// archive, write to the output); here the source hands libzip placeholders instead of bytes, and
// the sink, seeing each placeholder written, copies the real bytes with copy_file_range in large
// pieces. Every placeholder must come back as the very next write, at the end of the output,
// from the same buffer: anything else (libzip transforming the data) fails the archive instead
// of writing wrong bytes.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <ctime>
#include <vector>

#include "zip_file_io.hpp"

namespace flop::model {

namespace {

constexpr uint64_t kRawPiece = uint64_t{8} << 20;  // copied, then hashed, in pieces this size
constexpr uint32_t kLocalHeaderSig = 0x04034b50;
constexpr size_t kLocalHeaderBytes = 30;

uint32_t le(const char* p, int bytes) {
  uint32_t v = 0;
  for (int i = bytes; i-- > 0;) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

void putLe(char* p, uint32_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// MS-DOS time and date of `mtime` in local time, as zip headers hold them.
std::tm localTm(int64_t mtime) {
  const auto t = static_cast<time_t>(mtime);
  std::tm tm{};
  localtime_r(&t, &tm);
  if (tm.tm_year < 80) tm.tm_year = 80;  // DOS dates start in 1980
  return tm;
}
uint32_t dosTime(int64_t mtime) {
  const std::tm tm = localTm(mtime);
  return static_cast<uint32_t>((tm.tm_hour << 11) | (tm.tm_min << 5) | (tm.tm_sec >> 1));
}
uint32_t dosDate(int64_t mtime) {
  const std::tm tm = localTm(mtime);
  return static_cast<uint32_t>(((tm.tm_year - 80) << 9) | ((tm.tm_mon + 1) << 5) | tm.tm_mday);
}

struct RawCopy {
  HashingFileSink* sink;
  RawZipEntry entry;
  uint64_t pos = 0;
  zip_error_t error;
};

zip_int64_t rawCallback(void* userdata, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* r = static_cast<RawCopy*>(userdata);
  switch (cmd) {
    case ZIP_SOURCE_OPEN:
      r->pos = 0;
      r->sink->beginRawEntry(r->entry.crc, r->entry.mtime);
      return 0;
    case ZIP_SOURCE_READ: {
      // No bytes are read: `data` is left as it is and the sink copies the real ones.
      const uint64_t n = std::min<uint64_t>(len, r->entry.compSize - r->pos);
      if (n > 0) {
        r->sink->expectRawBytes(data, n, r->entry.fd, r->entry.dataOffset + r->pos);
        r->pos += n;
      }
      return static_cast<zip_int64_t>(n);
    }
    case ZIP_SOURCE_CLOSE:
      return 0;
    case ZIP_SOURCE_STAT:
      return statDeflated(data, r->entry.size, r->entry.compSize, r->entry.crc,
                          static_cast<time_t>(r->entry.mtime));
    case ZIP_SOURCE_ERROR:
      return zip_error_to_data(&r->error, data, len);
    case ZIP_SOURCE_FREE:
      zip_error_fini(&r->error);
      delete r;
      return 0;
    case ZIP_SOURCE_SUPPORTS:
      return deflatedSourceSupports();
    default:
      zip_error_set(&r->error, ZIP_ER_OPNOTSUPP, 0);
      return -1;
  }
}

}  // namespace

zip_int64_t statDeflated(void* stat, uint64_t size, uint64_t compressedSize, uint32_t crc,
                         time_t mtime) {
  auto* st = static_cast<zip_stat_t*>(stat);
  zip_stat_init(st);
  st->size = size;
  st->comp_size = compressedSize;
  st->crc = crc;
  st->comp_method = ZIP_CM_DEFLATE;
  st->encryption_method = ZIP_EM_NONE;
  st->mtime = mtime;
  st->valid |= ZIP_STAT_SIZE | ZIP_STAT_COMP_SIZE | ZIP_STAT_CRC | ZIP_STAT_COMP_METHOD |
               ZIP_STAT_ENCRYPTION_METHOD | ZIP_STAT_MTIME;
  return sizeof(zip_stat_t);
}

zip_int64_t deflatedSourceSupports() {
  return zip_source_make_command_bitmap(ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE,
                                        ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE,
                                        static_cast<zip_source_cmd_t>(-1));
}

zip_source_t* HashingFileSink::rawCopySource(zip_t* za, const RawZipEntry& entry) {
  auto* r = new RawCopy{this, entry, 0, {}};
  zip_error_init(&r->error);
  zip_source_t* src = zip_source_function(za, rawCallback, r);
  if (src == nullptr) {
    zip_error_fini(&r->error);
    delete r;
  }
  return src;
}

void HashingFileSink::beginRawEntry(uint32_t crc, int64_t mtime) {
  rawHeader_ = RawHeader{crc, mtime};
}

void HashingFileSink::expectRawBytes(const void* data, uint64_t len, int srcFd,
                                     uint64_t srcOffset) {
  // zip_source_read may call READ again for the rest of its buffer: one placeholder then.
  if (expected_ && expected_->srcFd == srcFd &&
      expected_->srcOffset + expected_->len == srcOffset &&
      static_cast<const char*>(expected_->data) + expected_->len == data) {
    expected_->len += len;
    return;
  }
  if (expected_) {
    expected_->data = nullptr;  // poisoned: the next write cannot match, the archive fails
    return;
  }
  expected_ = Expected{data, len, srcFd, srcOffset};
}

bool HashingFileSink::takeRawBytes(const char* data, uint64_t len) {
  if (!expected_) return false;
  const Expected e = *expected_;
  expected_.reset();
  if (e.data == nullptr || e.data != data || e.len != len || pos_ != end_) {
    throw IoFailure{ZIP_ER_INTERNAL, 0};
  }
  if (rawHeader_) guessRawHeader();  // the entry's first bytes
  if (rawLen_ > 0 &&
      (e.srcFd != rawFd_ || e.srcOffset != rawSrc_ + rawLen_ || end_ != rawOut_ + rawLen_)) {
    flushRaw();
  }
  if (rawLen_ == 0) {
    flush();  // the buffered bytes come first in the file
    rawFd_ = e.srcFd;
    rawSrc_ = e.srcOffset;
    rawOut_ = end_;
  }
  rawLen_ += len;
  pos_ = end_ = end_ + len;
  if (rawLen_ >= kRawPiece) flushRaw();
  return true;
}

// The entry's provisional local header is what libzip will rewrite, with the version needed,
// modification time and CRC it fills in after the data (its sizes and everything else are
// already final for a raw copy). Hash that guess now, so the data can be hashed while it is
// copied; checkRewrite() compares libzip's rewrite, and a wrong guess costs one more pass.
void HashingFileSink::guessRawHeader() {
  const RawHeader raw = *rawHeader_;
  rawHeader_.reset();
  const uint64_t bufferAt = end_ - buffer_.size();
  if (hashed_ < bufferAt || guessMisses_ > 0) return;  // not all in the buffer, or guessed wrong
  const uint64_t len = end_ - hashed_;
  char* header = buffer_.data() + (hashed_ - bufferAt);
  if (len < kLocalHeaderBytes || le(header, 4) != kLocalHeaderSig ||
      kLocalHeaderBytes + le(header + 26, 2) + le(header + 28, 2) != len) {
    return;
  }
  // Deflate needs version 2.0 (zip64 extra fields 4.5, already there if needed).
  putLe(header + 4, std::max<uint32_t>(le(header + 4, 2), 20), 2);
  putLe(header + 10, dosTime(raw.mtime), 2);
  putLe(header + 12, dosDate(raw.mtime), 2);
  putLe(header + 14, raw.crc, 4);
  guessAt_ = hashed_;
  guess_.assign(header, len);
  hasher_.addBytes(header, len);
  hashed_ = end_;
}

void HashingFileSink::flushRaw() {
  if (rawLen_ == 0) return;
  auto srcOff = static_cast<off_t>(rawSrc_);
  auto outOff = static_cast<off_t>(rawOut_);
  uint64_t left = rawLen_;
  while (left > 0) {
    const ssize_t n = ::copy_file_range(rawFd_, &srcOff, fd_, &outOff, left, 0);
    if (n > 0) {
      left -= static_cast<uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) throw IoFailure{ZIP_ER_READ, EIO};  // the source shrank
    if (errno != EXDEV && errno != ENOSYS && errno != EINVAL && errno != EOPNOTSUPP) {
      throw IoFailure{ZIP_ER_WRITE, errno};
    }
    // No in-kernel copy between these files: through a buffer.
    std::vector<char> piece(std::min<uint64_t>(left, uint64_t{1} << 20));
    while (left > 0) {
      const uint64_t want = std::min<uint64_t>(piece.size(), left);
      const ssize_t got = ::pread(rawFd_, piece.data(), want, srcOff);
      if (got < 0 && errno == EINTR) continue;
      if (got <= 0) throw IoFailure{ZIP_ER_READ, got < 0 ? errno : EIO};
      pwriteAll(piece.data(), static_cast<uint64_t>(got), static_cast<uint64_t>(outOff));
      srcOff += got;
      outOff += got;
      left -= static_cast<uint64_t>(got);
    }
  }
  // Hashed while the rest is copied when everything before it has been (the header guessed).
  if (hashed_ == rawOut_) {
    hasher_.addFileRange(rawOut_, rawLen_);
    hashed_ += rawLen_;
  }
  rawCopied_ += rawLen_;
  rawSrc_ += rawLen_;
  rawOut_ += rawLen_;
  rawLen_ = 0;
}

}  // namespace flop::model
