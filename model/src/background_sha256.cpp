#include "background_sha256.hpp"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <vector>

namespace flop::model {

namespace {
constexpr uint64_t kMaxQueuedBytes = uint64_t{8} << 20;
constexpr size_t kReadPiece = size_t{1} << 20;
}  // namespace

BackgroundSha256::~BackgroundSha256() { stop(); }

void BackgroundSha256::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    jobs_.clear();
    queuedBytes_ = 0;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void BackgroundSha256::start(int fd) {
  stop();
  fd_ = fd;
  error_ = 0;
  readBack_ = 0;
  stopping_ = false;
  hash_ = Sha256Stream();
  thread_ = std::thread([this] { run(); });
}

void BackgroundSha256::addBytes(const char* data, uint64_t len) {
  if (len == 0 || !thread_.joinable()) return;
  std::unique_lock lock(mutex_);
  changed_.wait(lock, [&] { return queuedBytes_ < kMaxQueuedBytes || stopping_; });
  jobs_.push_back({0, len, std::string(data, len)});
  queuedBytes_ += len;
  changed_.notify_all();
}

void BackgroundSha256::addFileRange(uint64_t offset, uint64_t len) {
  if (len == 0 || !thread_.joinable()) return;
  std::lock_guard lock(mutex_);
  if (!jobs_.empty() && jobs_.back().bytes.empty() &&
      jobs_.back().offset + jobs_.back().len == offset) {
    jobs_.back().len += len;  // one read-back job for adjacent ranges
  } else {
    jobs_.push_back({offset, len, {}});
  }
  changed_.notify_all();
}

void BackgroundSha256::waitIdle(std::unique_lock<std::mutex>& lock) {
  changed_.wait(lock, [&] { return (jobs_.empty() && !busy_) || stopping_; });
}

void BackgroundSha256::restart() {
  if (!thread_.joinable()) return;
  std::unique_lock lock(mutex_);
  jobs_.clear();
  queuedBytes_ = 0;
  waitIdle(lock);
  hash_ = Sha256Stream();
  error_ = 0;
}

std::string BackgroundSha256::finish(int& error) {
  error = 0;
  if (!thread_.joinable()) return {};
  std::unique_lock lock(mutex_);
  waitIdle(lock);
  error = error_;
  lock.unlock();
  stop();
  return error == 0 ? hash_.hexDigest() : std::string();
}

void BackgroundSha256::abandon() { stop(); }

// Reads the range back (from the page cache: it was just written) in 1 MB pieces, which stay in
// the CPU cache while they are hashed. (Mapping the file instead was no faster and counts the
// mapped pages in the process's RSS.)
int BackgroundSha256::hashFileRange(uint64_t offset, uint64_t len, std::vector<char>& piece) {
  piece.resize(static_cast<size_t>(std::min<uint64_t>(kReadPiece, len)));
  while (len > 0) {
    const uint64_t want = std::min<uint64_t>(piece.size(), len);
    const ssize_t got = ::pread(fd_, piece.data(), want, static_cast<off_t>(offset));
    if (got < 0 && errno == EINTR) continue;
    if (got <= 0) return got < 0 ? errno : EIO;
    hash_.update({piece.data(), static_cast<size_t>(got)});
    offset += static_cast<uint64_t>(got);
    len -= static_cast<uint64_t>(got);
  }
  return 0;
}

void BackgroundSha256::run() {
  std::vector<char> piece;
  std::unique_lock lock(mutex_);
  for (;;) {
    changed_.wait(lock, [&] { return !jobs_.empty() || stopping_; });
    if (stopping_) return;
    Job job = std::move(jobs_.front());
    jobs_.pop_front();
    busy_ = true;
    lock.unlock();
    // The hash and fd are only touched here while busy_; the writer waits for idle first.
    int failed = 0;
    uint64_t read = 0;
    if (!job.bytes.empty()) {
      hash_.update(job.bytes);
    } else {
      failed = hashFileRange(job.offset, job.len, piece);
      read = failed == 0 ? job.len : 0;
    }
    lock.lock();
    busy_ = false;
    readBack_ += read;
    if (!job.bytes.empty()) queuedBytes_ -= std::min(queuedBytes_, job.len);
    if (failed != 0 && error_ == 0) error_ = failed;
    changed_.notify_all();
  }
}

}  // namespace flop::model
