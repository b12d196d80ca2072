#include "flop/kube/leader_election.hpp"

#include <ctime>

#include <spdlog/spdlog.h>

namespace flop::kube {
using namespace std::chrono;

namespace {
std::string format(system_clock::time_point t, bool micro) {
  auto secs = time_point_cast<seconds>(t);
  std::time_t tt = system_clock::to_time_t(secs);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  std::string out = buf;
  if (micro) {
    char frac[16];
    std::snprintf(frac, sizeof frac, ".%06lld",
                  static_cast<long long>(duration_cast<microseconds>(t - secs).count()));
    out += frac;
  }
  return out + "Z";
}
}  // namespace

std::string formatMicroTime(system_clock::time_point t) { return format(t, true); }
std::string formatTime(system_clock::time_point t) { return format(t, false); }

LeaderElector::LeaderElector(const Client& client, LeaderElectionConfig config,
                             std::shared_ptr<RuntimeMetrics> metrics)
    : client_(client),
      config_(std::move(config)),
      metrics_(metrics ? std::move(metrics) : std::make_shared<RuntimeMetrics>()) {
  metrics_->leader(config_.name, false);
}

void LeaderElector::setLeading(bool leading) {
  leading_ = leading;
  metrics_->leader(config_.name, leading);
}

bool LeaderElector::tryAcquireOrRenew() {
  // A renewal must not outlive the renew deadline, or a hung call could outlast our lease.
  const Client client =
      client_.withTimeout(config_.retryPeriod * 2 < config_.renewDeadline ? config_.retryPeriod * 2
                                                                          : config_.renewDeadline);
  const auto now = system_clock::now();
  const auto durationSeconds = static_cast<int>(
      std::max<long long>(1, duration_cast<seconds>(config_.leaseDuration).count()));
  auto lease = client.tryGet(resources::leases, config_.namespace_, config_.name);
  if (!lease) {
    Json fresh{{"apiVersion", "coordination.k8s.io/v1"},
               {"kind", "Lease"},
               {"metadata", {{"name", config_.name}, {"namespace", config_.namespace_}}},
               {"spec",
                {{"holderIdentity", config_.identity},
                 {"leaseDurationSeconds", durationSeconds},
                 {"acquireTime", formatMicroTime(now)},
                 {"renewTime", formatMicroTime(now)},
                 {"leaseTransitions", 0}}}};
    try {
      Json created = client.create(resources::leases, fresh);
      observedHolder_ = config_.identity;
      observedRenewTime_ = created["spec"].value("renewTime", "");
      observedAt_ = steady_clock::now();
      observedDuration_ = config_.leaseDuration;
      return true;
    } catch (const ApiError& e) {
      if (isAlreadyExists(e)) return false;
      throw;
    }
  }
  const Json spec = lease->value("spec", Json::object());
  const std::string holder = spec.value("holderIdentity", "");
  const std::string renewTime = spec.value("renewTime", "");
  if (holder != observedHolder_ || renewTime != observedRenewTime_) {
    observedHolder_ = holder;
    observedRenewTime_ = renewTime;
    observedAt_ = steady_clock::now();
    observedDuration_ = seconds(spec.value("leaseDurationSeconds", durationSeconds));
  }
  if (!holder.empty() && holder != config_.identity &&
      steady_clock::now() < observedAt_ + observedDuration_)
    return false;  // someone else holds a live lease

  Json updated = *lease;
  auto& s = updated["spec"];
  if (holder != config_.identity) {
    s["acquireTime"] = formatMicroTime(now);
    s["leaseTransitions"] = spec.value("leaseTransitions", 0) + (holder.empty() ? 0 : 1);
  }
  s["holderIdentity"] = config_.identity;
  s["leaseDurationSeconds"] = durationSeconds;
  s["renewTime"] = formatMicroTime(now);
  try {
    Json result = client.update(resources::leases, updated);
    observedHolder_ = config_.identity;
    observedRenewTime_ = result["spec"].value("renewTime", "");
    observedAt_ = steady_clock::now();
    return true;
  } catch (const ApiError& e) {
    if (isConflict(e)) return false;  // another candidate won the race
    throw;
  }
}

void LeaderElector::release() {
  try {
    auto lease = client_.tryGet(resources::leases, config_.namespace_, config_.name);
    if (!lease || (*lease)["spec"].value("holderIdentity", "") != config_.identity) return;
    auto now = formatMicroTime(system_clock::now());
    Json& s = (*lease)["spec"];
    s["holderIdentity"] = "";
    s["leaseDurationSeconds"] = 1;
    s["renewTime"] = now;
    s["acquireTime"] = now;
    client_.update(resources::leases, *lease);
    spdlog::info("released leader lease lease={}/{}", config_.namespace_, config_.name);
  } catch (const std::exception& e) {
    spdlog::warn("could not release leader lease lease={}/{} error={}", config_.namespace_,
                 config_.name, e.what());
  }
}

bool LeaderElector::run(const Cancellation& stop, const std::function<void()>& onStartedLeading,
                        const std::function<void()>& onStoppedLeading) {
  spdlog::info("waiting for leadership lease={}/{} identity={}", config_.namespace_, config_.name,
               config_.identity);
  for (;;) {
    try {
      if (tryAcquireOrRenew()) break;
    } catch (const std::exception& e) {
      spdlog::warn("leader election attempt failed lease={}/{} error={}", config_.namespace_,
                   config_.name, e.what());
    }
    if (stop.waitFor(config_.retryPeriod)) return true;
  }
  spdlog::info("became leader lease={}/{} identity={}", config_.namespace_, config_.name,
               config_.identity);
  setLeading(true);
  if (onStartedLeading) onStartedLeading();

  bool lost = false;
  auto lastRenew = steady_clock::now();
  while (!stop.waitFor(config_.retryPeriod)) {
    bool renewed = false;
    try {
      renewed = tryAcquireOrRenew();
    } catch (const std::exception& e) {
      spdlog::warn("lease renewal failed lease={}/{} error={}", config_.namespace_, config_.name,
                   e.what());
    }
    if (renewed) {
      lastRenew = steady_clock::now();
    } else if (steady_clock::now() - lastRenew >= config_.renewDeadline) {
      lost = true;
      break;
    }
  }
  setLeading(false);
  if (lost) spdlog::error("leadership lost lease={}/{}", config_.namespace_, config_.name);
  if (onStoppedLeading) onStoppedLeading();
  if (!lost && config_.releaseOnCancel) release();
  return !lost;
}

}  // namespace flop::kube
