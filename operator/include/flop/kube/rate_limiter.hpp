#pragma once
// Token bucket (qps, burst): the client-side request limiter and the work queue's overall limit.
#include <chrono>
#include <mutex>

namespace flop::kube {

class TokenBucket {
 public:
  using Clock = std::chrono::steady_clock;
  TokenBucket(double qps, int burst);
  // Takes one token; returns how long the caller must wait before using it (zero when free).
  // qps <= 0 means unlimited.
  Clock::duration reserve(Clock::time_point now = Clock::now());

 private:
  std::mutex mutex_;
  double qps_;
  double burst_;
  double tokens_;
  Clock::time_point last_;
};

}  // namespace flop::kube
