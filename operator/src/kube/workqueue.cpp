#include "flop/kube/workqueue.hpp"

#include <algorithm>
#include <cmath>

namespace flop::kube {
using namespace std::chrono;

ItemExponentialRateLimiter::ItemExponentialRateLimiter(milliseconds base, milliseconds max)
    : base_(base), max_(max) {}

milliseconds ItemExponentialRateLimiter::when(const std::string& item) {
  std::lock_guard lock(mutex_);
  int exponent = failures_[item]++;
  double delay = base_.count() * std::pow(2.0, std::min(exponent, 62));
  return milliseconds(static_cast<long long>(std::min(delay, static_cast<double>(max_.count()))));
}

void ItemExponentialRateLimiter::forget(const std::string& item) {
  std::lock_guard lock(mutex_);
  failures_.erase(item);
}

int ItemExponentialRateLimiter::retries(const std::string& item) {
  std::lock_guard lock(mutex_);
  auto it = failures_.find(item);
  return it == failures_.end() ? 0 : it->second;
}

milliseconds BucketRateLimiter::when(const std::string&) {
  return ceil<milliseconds>(bucket_.reserve());
}

MaxOfRateLimiter::MaxOfRateLimiter(std::unique_ptr<RateLimiter> a, std::unique_ptr<RateLimiter> b)
    : a_(std::move(a)), b_(std::move(b)) {}

milliseconds MaxOfRateLimiter::when(const std::string& item) {
  return std::max(a_->when(item), b_->when(item));
}
void MaxOfRateLimiter::forget(const std::string& item) {
  a_->forget(item);
  b_->forget(item);
}
int MaxOfRateLimiter::retries(const std::string& item) {
  return std::max(a_->retries(item), b_->retries(item));
}

std::unique_ptr<RateLimiter> defaultControllerRateLimiter() {
  return std::make_unique<MaxOfRateLimiter>(
      std::make_unique<ItemExponentialRateLimiter>(milliseconds(5), seconds(1000)),
      std::make_unique<BucketRateLimiter>(10, 100));
}

WorkQueue::WorkQueue(std::unique_ptr<RateLimiter> limiter, std::shared_ptr<QueueMetrics> metrics)
    : limiter_(std::move(limiter)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<QueueMetrics>()) {}

void WorkQueue::addLocked(const std::string& key) {
  if (shuttingDown_) return;
  if (dirty_.count(key)) return;  // already queued (or re-queued while processing)
  metrics_->added();
  dirty_.emplace(key, Clock::now());
  if (processing_.count(key)) return;  // done() will queue it
  queue_.push_back(key);
  metrics_->depth(static_cast<long>(queue_.size()));
  cv_.notify_one();
}

void WorkQueue::add(const std::string& key) {
  std::lock_guard lock(mutex_);
  addLocked(key);
}

void WorkQueue::addAfter(const std::string& key, milliseconds delay) {
  std::lock_guard lock(mutex_);
  if (shuttingDown_) return;
  if (delay <= milliseconds::zero()) {
    addLocked(key);
    return;
  }
  auto at = Clock::now() + delay;
  auto existing = delayedAt_.find(key);
  if (existing != delayedAt_.end()) {
    if (existing->second <= at) return;  // an earlier wake-up is already scheduled
    for (auto it = delayed_.lower_bound(existing->second); it != delayed_.end(); ++it) {
      if (it->second == key) {
        delayed_.erase(it);
        break;
      }
    }
  }
  delayedAt_[key] = at;
  delayed_.emplace(at, key);
  cv_.notify_all();  // a waiting get() may need an earlier wake-up
}

void WorkQueue::addRateLimited(const std::string& key) {
  metrics_->retried();
  addAfter(key, limiter_->when(key));
}

void WorkQueue::forget(const std::string& key) { limiter_->forget(key); }

int WorkQueue::numRequeues(const std::string& key) { return limiter_->retries(key); }

void WorkQueue::promoteReadyLocked(Clock::time_point now) {
  while (!delayed_.empty() && delayed_.begin()->first <= now) {
    std::string key = delayed_.begin()->second;
    delayed_.erase(delayed_.begin());
    delayedAt_.erase(key);
    addLocked(key);
  }
}

std::optional<std::string> WorkQueue::get() {
  std::unique_lock lock(mutex_);
  for (;;) {
    promoteReadyLocked(Clock::now());
    if (shuttingDown_) return std::nullopt;
    if (!queue_.empty()) break;
    if (delayed_.empty())
      cv_.wait(lock);
    else
      cv_.wait_until(lock, delayed_.begin()->first);
  }
  std::string key = std::move(queue_.front());
  queue_.pop_front();
  metrics_->depth(static_cast<long>(queue_.size()));
  auto now = Clock::now();
  if (auto it = dirty_.find(key); it != dirty_.end()) {
    metrics_->queueLatency(duration<double>(now - it->second).count());
    dirty_.erase(it);
  }
  processing_.insert(key);
  startedAt_[key] = now;
  return key;
}

void WorkQueue::done(const std::string& key) {
  std::lock_guard lock(mutex_);
  if (auto it = startedAt_.find(key); it != startedAt_.end()) {
    metrics_->workDuration(duration<double>(Clock::now() - it->second).count());
    startedAt_.erase(it);
  }
  processing_.erase(key);
  if (dirty_.count(key) && !shuttingDown_) {
    queue_.push_back(key);
    metrics_->depth(static_cast<long>(queue_.size()));
  }
  cv_.notify_all();
}

void WorkQueue::shutDown() {
  std::lock_guard lock(mutex_);
  shuttingDown_ = true;
  cv_.notify_all();
}

bool WorkQueue::shutDownWithDrain(milliseconds timeout) {
  std::unique_lock lock(mutex_);
  shuttingDown_ = true;
  // Delayed keys are dropped; keys in flight are allowed to finish.
  delayed_.clear();
  delayedAt_.clear();
  queue_.clear();
  dirty_.clear();
  cv_.notify_all();
  bool drained = cv_.wait_for(lock, timeout, [this] { return processing_.empty(); });
  cv_.notify_all();
  return drained;
}

bool WorkQueue::shuttingDown() const {
  std::lock_guard lock(mutex_);
  return shuttingDown_;
}

std::size_t WorkQueue::len() const {
  std::lock_guard lock(mutex_);
  return queue_.size();
}

std::size_t WorkQueue::processing() const {
  std::lock_guard lock(mutex_);
  return processing_.size();
}

std::size_t WorkQueue::waiting() const {
  std::lock_guard lock(mutex_);
  return delayed_.size();
}

}  // namespace flop::kube
