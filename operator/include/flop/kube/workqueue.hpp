#pragma once
// The controller work queue: keys are deduplicated, a key is never handed to two workers at
// once (re-adds while processing are deferred until done()), failures back off per item with an
// overall rate limit, delayed adds, and a clean drain on shutdown.
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "flop/kube/metrics.hpp"
#include "flop/kube/rate_limiter.hpp"

namespace flop::kube {

class RateLimiter {
 public:
  virtual ~RateLimiter() = default;
  // How long to wait before the item is retried (counts a failure).
  virtual std::chrono::milliseconds when(const std::string& item) = 0;
  virtual void forget(const std::string& item) = 0;
  virtual int retries(const std::string& item) = 0;
};

// base * 2^failures, capped.
class ItemExponentialRateLimiter : public RateLimiter {
 public:
  ItemExponentialRateLimiter(std::chrono::milliseconds base, std::chrono::milliseconds max);
  std::chrono::milliseconds when(const std::string& item) override;
  void forget(const std::string& item) override;
  int retries(const std::string& item) override;

 private:
  std::mutex mutex_;
  std::chrono::milliseconds base_, max_;
  std::unordered_map<std::string, int> failures_;
};

// Overall qps/burst across all items.
class BucketRateLimiter : public RateLimiter {
 public:
  BucketRateLimiter(double qps, int burst) : bucket_(qps, burst) {}
  std::chrono::milliseconds when(const std::string& item) override;
  void forget(const std::string&) override {}
  int retries(const std::string&) override { return 0; }

 private:
  TokenBucket bucket_;
};

// The longest of its members' delays (per-item backoff AND overall limit).
class MaxOfRateLimiter : public RateLimiter {
 public:
  MaxOfRateLimiter(std::unique_ptr<RateLimiter> a, std::unique_ptr<RateLimiter> b);
  std::chrono::milliseconds when(const std::string& item) override;
  void forget(const std::string& item) override;
  int retries(const std::string& item) override;

 private:
  std::unique_ptr<RateLimiter> a_, b_;
};

// controller-runtime's default: 5 ms * 2^n up to 1000 s, and 10 qps / burst 100 overall.
std::unique_ptr<RateLimiter> defaultControllerRateLimiter();

class WorkQueue {
 public:
  using Clock = std::chrono::steady_clock;
  explicit WorkQueue(std::unique_ptr<RateLimiter> limiter = defaultControllerRateLimiter(),
                     std::shared_ptr<QueueMetrics> metrics = nullptr);
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  void add(const std::string& key);
  void addAfter(const std::string& key, std::chrono::milliseconds delay);
  // After the limiter's delay for this key (a failure: counts a retry).
  void addRateLimited(const std::string& key);
  // Success: clears the key's failure history.
  void forget(const std::string& key);
  int numRequeues(const std::string& key);

  // Blocks for the next key; nullopt once shut down (after draining, with shutDownWithDrain).
  std::optional<std::string> get();
  // Marks `key` processed; a re-add that arrived meanwhile is queued now.
  void done(const std::string& key);

  // Stops handing out keys at once; waiting get() calls return nullopt.
  void shutDown();
  // Stops accepting new keys, waits (up to `timeout`) until keys being processed are done.
  // Returns whether everything in flight finished.
  bool shutDownWithDrain(std::chrono::milliseconds timeout = std::chrono::seconds(30));
  bool shuttingDown() const;
  std::size_t len() const;         // queued, ready keys
  std::size_t processing() const;  // keys handed out and not done
  std::size_t waiting() const;     // delayed keys

 private:
  void addLocked(const std::string& key);
  void promoteReadyLocked(Clock::time_point now);

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::string> queue_;
  // Keys waiting to be processed (queued, or re-queued while processing), with when they were
  // added (workqueue_queue_duration_seconds).
  std::unordered_map<std::string, Clock::time_point> dirty_;
  std::unordered_set<std::string> processing_;
  std::unordered_map<std::string, Clock::time_point> startedAt_;
  std::multimap<Clock::time_point, std::string> delayed_;
  std::unordered_map<std::string, Clock::time_point> delayedAt_;  // earliest per key
  bool shuttingDown_ = false;
  std::unique_ptr<RateLimiter> limiter_;
  std::shared_ptr<QueueMetrics> metrics_;
};

}  // namespace flop::kube
