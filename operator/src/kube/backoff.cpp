#include "flop/kube/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace flop::kube {

Backoff::Backoff(std::chrono::milliseconds initial, std::chrono::milliseconds max, double factor,
                 double jitter)
    : initial_(initial), max_(max), factor_(factor), jitter_(jitter) {}

std::chrono::milliseconds Backoff::next() {
  double base = initial_.count() * std::pow(factor_, std::min(attempts_, 60));
  base = std::min(base, static_cast<double>(max_.count()));
  ++attempts_;
  std::uniform_real_distribution<double> spread(1.0 - jitter_, 1.0 + jitter_);
  double delay = jitter_ > 0 ? base * spread(rng_) : base;
  return std::chrono::milliseconds(static_cast<long long>(std::max(0.0, delay)));
}

}  // namespace flop::kube
