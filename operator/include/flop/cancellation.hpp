#pragma once
// A cancellation/stop signal shared by threads: watches, informers, workers and the manager all
// stop through one of these, and a blocking HTTP stream can be aborted through it.
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>

namespace flop {

class Cancellation {
 public:
  Cancellation() = default;
  Cancellation(const Cancellation&) = delete;
  Cancellation& operator=(const Cancellation&) = delete;

  // Idempotent. Runs the registered callbacks once, outside the lock.
  void cancel() {
    std::map<std::uint64_t, std::function<void()>> callbacks;
    {
      std::lock_guard lock(mutex_);
      if (cancelled_) return;
      cancelled_ = true;
      callbacks.swap(callbacks_);
    }
    changed_.notify_all();
    for (auto& [id, callback] : callbacks) callback();
  }

  bool cancelled() const {
    std::lock_guard lock(mutex_);
    return cancelled_;
  }

  // Registers `callback` to run on cancel (at once when already cancelled). Returns an id for
  // removeCallback; 0 means it already ran.
  std::uint64_t onCancel(std::function<void()> callback) {
    {
      std::lock_guard lock(mutex_);
      if (!cancelled_) {
        callbacks_.emplace(++nextId_, std::move(callback));
        return nextId_;
      }
    }
    callback();
    return 0;
  }

  void removeCallback(std::uint64_t id) {
    std::lock_guard lock(mutex_);
    callbacks_.erase(id);
  }

  // Sleeps up to `duration`; returns true when cancelled (early or not).
  template <class Rep, class Period>
  bool waitFor(std::chrono::duration<Rep, Period> duration) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, duration, [this] { return cancelled_; });
  }

  void wait() const {
    std::unique_lock lock(mutex_);
    changed_.wait(lock, [this] { return cancelled_; });
  }

 private:
  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  bool cancelled_ = false;
  std::uint64_t nextId_ = 0;
  std::map<std::uint64_t, std::function<void()>> callbacks_;
};

}  // namespace flop
