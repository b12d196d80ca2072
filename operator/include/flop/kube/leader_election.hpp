#pragma once
// Leader election on a coordination.k8s.io/v1 Lease, with client-go's semantics: a candidate
// takes the lease when its holder has not renewed it for leaseDuration (measured on the
// candidate's own clock from when it last saw the record change, so clock skew does not
// matter); the leader renews every retryPeriod and gives up when it cannot renew within
// renewDeadline; on a clean stop the lease is released so a successor need not wait.
#include <atomic>
#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "flop/cancellation.hpp"
#include "flop/kube/client.hpp"
#include "flop/kube/metrics.hpp"

namespace flop::kube {

struct LeaderElectionConfig {
  std::string namespace_;
  std::string name;
  std::string identity;  // unique per process, e.g. hostname + "_" + random
  std::chrono::milliseconds leaseDuration{15'000};
  std::chrono::milliseconds renewDeadline{10'000};
  std::chrono::milliseconds retryPeriod{2'000};
  bool releaseOnCancel = true;
};

class LeaderElector {
 public:
  LeaderElector(const Client& client, LeaderElectionConfig config,
                std::shared_ptr<RuntimeMetrics> metrics = nullptr);

  // Blocks: campaigns until leading, calls onStartedLeading, renews until `stop` fires or the
  // lease is lost, then calls onStoppedLeading (and releases the lease on a clean stop).
  // Returns true when leadership ended because of `stop`, false when it was lost.
  bool run(const Cancellation& stop, const std::function<void()>& onStartedLeading,
           const std::function<void()>& onStoppedLeading);

  bool isLeader() const { return leading_.load(); }
  const LeaderElectionConfig& config() const { return config_; }

 private:
  // One attempt to acquire or renew; true when we hold the lease afterwards.
  bool tryAcquireOrRenew();
  void release();
  void setLeading(bool leading);

  const Client& client_;
  LeaderElectionConfig config_;
  std::shared_ptr<RuntimeMetrics> metrics_;
  std::atomic<bool> leading_{false};
  // What we last saw of the lease and when (our clock).
  std::string observedHolder_;
  std::string observedRenewTime_;
  std::string observedResourceVersion_;
  std::chrono::steady_clock::time_point observedAt_{};
  std::chrono::milliseconds observedDuration_{0};
  std::optional<Json> observedLease_;
};

// A MicroTime in RFC 3339 with microseconds, UTC ("2026-11-24T05:21:16.123456Z").
std::string formatMicroTime(std::chrono::system_clock::time_point t);
std::string formatTime(std::chrono::system_clock::time_point t);  // seconds precision

}  // namespace flop::kube
