#include "zip_file_io.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

namespace flop::model {

namespace fs = std::filesystem;

namespace {

constexpr size_t kBufferBytes = size_t{1} << 20;

// Repeats `op` (pread or pwrite) until all `len` bytes at `offset` are done.
template <typename Op, typename Byte>
void allAt(Op op, int fd, Byte* data, uint64_t len, uint64_t offset, int zipCode) {
  while (len > 0) {
    const ssize_t n = op(fd, data, len, static_cast<off_t>(offset));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) throw IoFailure{zipCode, n < 0 ? errno : EIO};
    data += n;
    len -= static_cast<uint64_t>(n);
    offset += static_cast<uint64_t>(n);
  }
}

struct BufferedFile {
  int fd = -1;
  uint64_t size = 0;
  time_t mtime = 0;
  uint64_t pos = 0;
  std::vector<char> buffer;  // the file's bytes at [bufferAt, bufferAt + buffer.size())
  uint64_t bufferAt = 0;
  zip_error_t error;

  ~BufferedFile() {
    if (fd >= 0) ::close(fd);
    zip_error_fini(&error);
  }

  // Reads at pos until `len` bytes or the end of the file; returns the count.
  uint64_t read(char* out, uint64_t len) {
    uint64_t done = 0;
    while (done < len && pos < size) {
      if (pos >= bufferAt && pos < bufferAt + buffer.size()) {
        const uint64_t n = std::min(len - done, bufferAt + buffer.size() - pos);
        std::memcpy(out + done, buffer.data() + (pos - bufferAt), n);
        done += n;
        pos += n;
        continue;
      }
      // A large request goes straight to the caller; a small one refills the buffer.
      const bool direct = len - done >= kBufferBytes;
      char* target = direct ? out + done : nullptr;
      const uint64_t want = std::min<uint64_t>(direct ? len - done : kBufferBytes, size - pos);
      if (!direct) {
        buffer.resize(kBufferBytes);
        target = buffer.data();
      }
      const ssize_t got = ::pread(fd, target, want, static_cast<off_t>(pos));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0) throw IoFailure{ZIP_ER_READ, errno};
      if (got == 0) throw IoFailure{ZIP_ER_READ, EIO};  // the file shrank while open
      if (direct) {
        done += static_cast<uint64_t>(got);
        pos += static_cast<uint64_t>(got);
      } else {
        buffer.resize(static_cast<size_t>(got));
        bufferAt = pos;
      }
    }
    return done;
  }
};

zip_int64_t readCallback(void* userdata, void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  auto* f = static_cast<BufferedFile*>(userdata);
  try {
    switch (cmd) {
      case ZIP_SOURCE_OPEN:
        f->pos = 0;
        return 0;
      case ZIP_SOURCE_READ:
        return static_cast<zip_int64_t>(f->read(static_cast<char*>(data), len));
      case ZIP_SOURCE_CLOSE:
        return 0;
      case ZIP_SOURCE_SEEK: {
        const zip_int64_t to =
            zip_source_seek_compute_offset(f->pos, f->size, data, len, &f->error);
        if (to < 0) return -1;
        f->pos = static_cast<uint64_t>(to);
        return 0;
      }
      case ZIP_SOURCE_TELL:
        return static_cast<zip_int64_t>(f->pos);
      case ZIP_SOURCE_STAT: {
        auto* st = static_cast<zip_stat_t*>(data);
        zip_stat_init(st);
        st->size = f->size;
        st->mtime = f->mtime;
        st->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return sizeof(zip_stat_t);
      }
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&f->error, data, len);
      case ZIP_SOURCE_FREE:
        delete f;
        return 0;
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, static_cast<zip_source_cmd_t>(-1));
      default:
        zip_error_set(&f->error, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  } catch (const IoFailure& e) {
    zip_error_set(&f->error, e.zipCode, e.sysErrno);
  } catch (const std::bad_alloc&) {
    zip_error_set(&f->error, ZIP_ER_MEMORY, 0);
  }
  return -1;
}

}  // namespace

zip_source_t* openBufferedFileSource(const fs::path& path, zip_error_t* error) {
  auto f = std::make_unique<BufferedFile>();
  zip_error_init(&f->error);
  f->fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  struct stat st {};
  if (f->fd < 0 || ::fstat(f->fd, &st) != 0) {
    zip_error_set(error, ZIP_ER_OPEN, errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    zip_error_set(error, ZIP_ER_OPEN, EINVAL);
    return nullptr;
  }
  f->size = static_cast<uint64_t>(st.st_size);
  f->mtime = st.st_mtime;
  ::posix_fadvise(f->fd, 0, 0, POSIX_FADV_SEQUENTIAL);
  zip_source_t* src = zip_source_function_create(readCallback, f.get(), error);
  if (src) f.release();  // freed by ZIP_SOURCE_FREE
  return src;
}

HashingFileSink::HashingFileSink(fs::path path, bool digest)
    : path_(std::move(path)), digestWanted_(digest) {
  zip_error_init(&error_);
}

HashingFileSink::~HashingFileSink() {
  hasher_.abandon();  // before its file is closed
  if (fd_ >= 0) ::close(fd_);
  if (readFd_ >= 0) ::close(readFd_);
  zip_error_fini(&error_);
}

zip_source_t* HashingFileSink::source(zip_error_t* error) {
  return zip_source_function_create(callback, this, error);
}

zip_int64_t HashingFileSink::callback(void* self, void* data, zip_uint64_t len,
                                      zip_source_cmd_t cmd) {
  return static_cast<HashingFileSink*>(self)->handle(data, len, cmd);
}

zip_int64_t HashingFileSink::handle(void* data, zip_uint64_t len, zip_source_cmd_t cmd) {
  try {
    switch (cmd) {
      case ZIP_SOURCE_STAT: {
        // Before the first write the file does not exist: libzip then starts a new archive.
        struct stat st {};
        if (::stat(path_.c_str(), &st) != 0) throw IoFailure{ZIP_ER_READ, errno};
        auto* zs = static_cast<zip_stat_t*>(data);
        zip_stat_init(zs);
        zs->size = static_cast<uint64_t>(st.st_size);
        zs->mtime = st.st_mtime;
        zs->valid |= ZIP_STAT_SIZE | ZIP_STAT_MTIME;
        return sizeof(zip_stat_t);
      }
      // Reading what is on disk: libzip requires a seekable source to write one, though it
      // reads nothing back from a new archive.
      case ZIP_SOURCE_OPEN:
        if (readFd_ >= 0) ::close(readFd_);
        readFd_ = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
        if (readFd_ < 0) throw IoFailure{ZIP_ER_OPEN, errno};
        readPos_ = 0;
        return 0;
      case ZIP_SOURCE_READ: {
        const ssize_t n = ::pread(readFd_, data, len, static_cast<off_t>(readPos_));
        if (n < 0) throw IoFailure{ZIP_ER_READ, errno};
        readPos_ += static_cast<uint64_t>(n);
        return n;
      }
      case ZIP_SOURCE_SEEK: {
        struct stat st {};
        if (::fstat(readFd_, &st) != 0) throw IoFailure{ZIP_ER_SEEK, errno};
        const zip_int64_t to = zip_source_seek_compute_offset(
            readPos_, static_cast<uint64_t>(st.st_size), data, len, &error_);
        if (to < 0) return -1;
        readPos_ = static_cast<uint64_t>(to);
        return 0;
      }
      case ZIP_SOURCE_TELL:
        return static_cast<zip_int64_t>(readPos_);
      case ZIP_SOURCE_CLOSE:
        if (readFd_ >= 0) ::close(readFd_);
        readFd_ = -1;
        return 0;
      case ZIP_SOURCE_BEGIN_WRITE:
        beginWrite();
        return 0;
      case ZIP_SOURCE_WRITE:
        write(static_cast<const char*>(data), len);
        return static_cast<zip_int64_t>(len);
      case ZIP_SOURCE_SEEK_WRITE: {
        const zip_int64_t to = zip_source_seek_compute_offset(pos_, end_, data, len, &error_);
        if (to < 0) return -1;
        seekTo(static_cast<uint64_t>(to));
        return 0;
      }
      case ZIP_SOURCE_TELL_WRITE:
        return static_cast<zip_int64_t>(pos_);
      case ZIP_SOURCE_COMMIT_WRITE:
        commit();
        return 0;
      case ZIP_SOURCE_ROLLBACK_WRITE:
        rollback();
        return 0;
      case ZIP_SOURCE_REMOVE:
        if (::unlink(path_.c_str()) != 0 && errno != ENOENT) throw IoFailure{ZIP_ER_REMOVE, errno};
        return 0;
      case ZIP_SOURCE_ERROR:
        return zip_error_to_data(&error_, data, len);
      case ZIP_SOURCE_FREE:
        return 0;  // the sink belongs to its owner
      case ZIP_SOURCE_SUPPORTS:
        return zip_source_make_command_bitmap(
            ZIP_SOURCE_OPEN, ZIP_SOURCE_READ, ZIP_SOURCE_CLOSE, ZIP_SOURCE_SEEK, ZIP_SOURCE_TELL,
            ZIP_SOURCE_STAT, ZIP_SOURCE_ERROR, ZIP_SOURCE_FREE, ZIP_SOURCE_BEGIN_WRITE,
            ZIP_SOURCE_WRITE, ZIP_SOURCE_SEEK_WRITE, ZIP_SOURCE_TELL_WRITE, ZIP_SOURCE_COMMIT_WRITE,
            ZIP_SOURCE_ROLLBACK_WRITE, ZIP_SOURCE_REMOVE, static_cast<zip_source_cmd_t>(-1));
      default:
        zip_error_set(&error_, ZIP_ER_OPNOTSUPP, 0);
        return -1;
    }
  } catch (const IoFailure& e) {
    zip_error_set(&error_, e.zipCode, e.sysErrno);
  } catch (const std::bad_alloc&) {
    zip_error_set(&error_, ZIP_ER_MEMORY, 0);
  }
  return -1;
}

void HashingFileSink::beginWrite() {
  if (fd_ >= 0) throw IoFailure{ZIP_ER_INTERNAL, 0};
  fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
  if (fd_ < 0) throw IoFailure{ZIP_ER_TMPOPEN, errno};
  pos_ = end_ = hashed_ = rawLen_ = rawCopied_ = guessMisses_ = 0;
  expected_.reset();
  rawHeader_.reset();
  guess_.clear();
  if (digestWanted_) hasher_.start(fd_);
  digest_.clear();
  buffer_.clear();
  buffer_.reserve(kBufferBytes);
}

void HashingFileSink::write(const char* data, uint64_t len) {
  if (fd_ < 0) throw IoFailure{ZIP_ER_INTERNAL, 0};
  if (takeRawBytes(data, len)) return;
  flushRaw();
  const uint64_t bufferAt = end_ - buffer_.size();
  if (pos_ == end_) {
    if (buffer_.size() + len > kBufferBytes) flush();
    if (len >= kBufferBytes) {
      pwriteAll(data, len, end_);
    } else {
      buffer_.insert(buffer_.end(), data, data + len);
    }
    pos_ = end_ = end_ + len;
    return;
  }
  // A rewrite (libzip's second local header of the entry being written).
  if (pos_ < hashed_) checkRewrite(data, len);
  if (pos_ >= bufferAt && pos_ + len <= end_) {
    std::memcpy(buffer_.data() + (pos_ - bufferAt), data, len);
  } else {
    flush();
    pwriteAll(data, len, pos_);
  }
  pos_ += len;
  end_ = std::max(end_, pos_);
}

void HashingFileSink::checkRewrite(const char* data, uint64_t len) {
  // Only the raw entry's guessed header may have been hashed before libzip rewrote it.
  const bool asGuessed = !guess_.empty() && pos_ >= guessAt_ &&
                         pos_ + len <= guessAt_ + guess_.size() &&
                         std::memcmp(guess_.data() + (pos_ - guessAt_), data, len) == 0;
  if (asGuessed) return;
  // Start the digest over; catchUp() hands the whole file to the hasher again.
  hasher_.restart();
  hashed_ = 0;
  guess_.clear();
  ++guessMisses_;  // and no more guesses in this archive: at most one more pass over it
}

void HashingFileSink::seekTo(uint64_t offset) {
  if (expected_) throw IoFailure{ZIP_ER_INTERNAL, 0};  // a raw placeholder was not written
  flushRaw();
  if (offset > end_) throw IoFailure{ZIP_ER_SEEK, EINVAL};  // libzip never leaves holes
  pos_ = offset;
  // Back at the end: an entry is finished and libzip never rewrites it again.
  if (pos_ == end_) catchUp();
}

void HashingFileSink::catchUp() {
  const uint64_t bufferAt = end_ - buffer_.size();
  if (hashed_ < bufferAt) {
    // Flushed while the entry was written: the hasher reads it back from the page cache.
    hasher_.addFileRange(hashed_, bufferAt - hashed_);
    hashed_ = bufferAt;
  }
  if (hashed_ < end_) {
    hasher_.addBytes(buffer_.data() + (hashed_ - bufferAt), end_ - hashed_);
    hashed_ = end_;
  }
  guess_.clear();
  rawHeader_.reset();
}

void HashingFileSink::flush() {
  if (buffer_.empty()) return;
  pwriteAll(buffer_.data(), buffer_.size(), end_ - buffer_.size());
  buffer_.clear();
}

void HashingFileSink::commit() {
  if (fd_ < 0 || expected_) throw IoFailure{ZIP_ER_INTERNAL, 0};
  flushRaw();
  catchUp();
  flush();
  int error = 0;
  digest_ = hasher_.finish(error);
  const int fd = fd_;
  fd_ = -1;
  if (error != 0) {
    ::close(fd);
    throw IoFailure{ZIP_ER_READ, error};
  }
  if (::close(fd) != 0) throw IoFailure{ZIP_ER_CLOSE, errno};
}

void HashingFileSink::rollback() {
  hasher_.abandon();
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
  expected_.reset();
  rawLen_ = 0;
  ::unlink(path_.c_str());
}

void HashingFileSink::pwriteAll(const char* data, uint64_t len, uint64_t offset) {
  allAt(::pwrite, fd_, data, len, offset, ZIP_ER_WRITE);
}

}  // namespace flop::model
