#pragma once
// The sha256 of a file being written, computed on another thread (the other core) while the
// writer goes on. The writer hands over the file's bytes strictly in file order, either as a copy
// (bytes still in its write buffer) or as a range already written to the file, which the hashing
// thread reads back from the page cache.
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "flop/model/digest.hpp"

namespace flop::model {

class BackgroundSha256 {
 public:
  BackgroundSha256() = default;
  ~BackgroundSha256();
  BackgroundSha256(const BackgroundSha256&) = delete;
  BackgroundSha256& operator=(const BackgroundSha256&) = delete;

  // Starts a new digest of the file open as `fd` (readable; it must stay open until finish()).
  // Until then (and when never started) the calls below do nothing and finish() gives "".
  void start(int fd);
  // The next bytes of the file. Waits while too much is queued, so memory stays bounded.
  void addBytes(const char* data, uint64_t len);
  // The next `len` bytes of the file are those already written at `offset`.
  void addFileRange(uint64_t offset, uint64_t len);
  // Drops what is queued and starts the digest over from the beginning of the file.
  void restart();
  // Waits for everything queued; the hex digest, or "" with `error` set (errno) when reading
  // the file back failed.
  std::string finish(int& error);
  // Stops without a digest (the output is abandoned).
  void abandon();
  uint64_t readBackBytes() const { return readBack_; }

 private:
  struct Job {
    uint64_t offset = 0;
    uint64_t len = 0;
    std::string bytes;  // empty: read [offset, offset + len) from the file
  };
  void run();
  int hashFileRange(uint64_t offset, uint64_t len, std::vector<char>& piece);
  void waitIdle(std::unique_lock<std::mutex>& lock);
  void stop();

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<Job> jobs_;
  uint64_t queuedBytes_ = 0;
  bool busy_ = false;
  bool stopping_ = false;
  int fd_ = -1;
  int error_ = 0;
  uint64_t readBack_ = 0;
  Sha256Stream hash_;
  std::thread thread_;
};

}  // namespace flop::model
