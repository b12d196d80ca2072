#pragma once
// What the controller does while a peer (the scheduler's management API, FATE-Flow) does not
// answer: Reconciling=True and retries with backoff while it has been down for less than
// `stallAfter`, then Stalled=True naming the peer and its error. "Down since" is the
// lastTransitionTime of the peer's <Peer>Reachable=False condition, so the judgement is level
// based and survives operator restarts. Pure, so it is unit-tested with a fake clock.
#include <chrono>
#include <optional>
#include <string_view>

#include "flop/api/flcluster.hpp"
#include "flop/flcluster/scaling.hpp"

namespace flop::flcluster {

inline constexpr std::chrono::seconds kDefaultPeerStallAfter{300};

struct PeerVerdict {
  bool stalled = false;                  // down for stallAfter or longer
  std::chrono::milliseconds retryAfter;  // backoff: 1 s, doubling with the time down, <= 60 s
};

PeerVerdict judgeUnreachable(std::optional<Clock::time_point> downSince, Clock::time_point now,
                             std::chrono::seconds stallAfter);

// When `conditionType` (e.g. SchedulerReachable) turned False; nullopt while True or absent.
std::optional<Clock::time_point> unreachableSince(const api::FLClusterStatus& status,
                                                  std::string_view conditionType);

}  // namespace flop::flcluster
