#pragma once
// Exponential backoff with a cap and jitter (reconnects, leader election retries).
#include <chrono>
#include <random>

namespace flop::kube {

class Backoff {
 public:
  Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor = 2.0,
          double jitter = 0.2);
  // The next delay: initial * factor^n, capped at max, then +/- jitter.
  std::chrono::milliseconds next();
  void reset() { attempts_ = 0; }
  int attempts() const { return attempts_; }

 private:
  std::chrono::milliseconds initial_, max_;
  double factor_, jitter_;
  int attempts_ = 0;
  std::minstd_rand rng_{std::random_device{}()};
};

}  // namespace flop::kube
