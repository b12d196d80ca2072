#include "flop/flcluster/peer_health.hpp"

#include <algorithm>

#include "flop/api/conditions.hpp"

namespace flop::flcluster {
namespace {

constexpr std::chrono::milliseconds kMinRetry{1000};
constexpr std::chrono::milliseconds kMaxRetry{60'000};

}  // namespace

PeerVerdict judgeUnreachable(std::optional<Clock::time_point> downSince, Clock::time_point now,
                             std::chrono::seconds stallAfter) {
  const auto down = std::max<std::chrono::milliseconds>(
      std::chrono::milliseconds(0),
      downSince ? std::chrono::duration_cast<std::chrono::milliseconds>(now - *downSince)
                : std::chrono::milliseconds(0));
  PeerVerdict verdict;
  verdict.stalled = down >= stallAfter;
  // Waiting as long as the peer has been down already doubles the interval on every retry.
  verdict.retryAfter = std::clamp(down, kMinRetry, kMaxRetry);
  if (!verdict.stalled)  // look again right when the threshold passes
    verdict.retryAfter =
        std::clamp<std::chrono::milliseconds>(std::chrono::milliseconds(stallAfter) - down,
                                              std::chrono::milliseconds(100), verdict.retryAfter);
  return verdict;
}

std::optional<Clock::time_point> unreachableSince(const api::FLClusterStatus& status,
                                                  std::string_view conditionType) {
  const auto* c = api::find_condition(status.conditions, conditionType);
  if (!c || c->status != api::condition_status::kFalse || c->lastTransitionTime.empty())
    return std::nullopt;
  return api::parse_time(c->lastTransitionTime);
}

}  // namespace flop::flcluster
