#pragma once
// Status summary: phase, completionTime, observedGeneration and kstatus conditions derived from
// the attempts and publish state (pure). Condition types: Validated, Submitted, Queued, Running,
// Succeeded/Failed (terminal pair), Published (when publishing), Ready (positive summary), and
// the abnormal-true Reconciling / Stalled, present only while True.
#include <optional>
#include <string>

#include "flop/api/federatedjob.hpp"
#include "flop/federatedjob/decision.hpp"

namespace flop::federatedjob {

// FATE-Flow could not be reached or answered nonsense during this reconcile.
struct Unavailability {
  std::string reason;  // FateFlowUnavailable | FateFlowProtocolError | ClusterNotReady ...
  std::string message;
  bool stalled =
      false;  // only a change of spec (job or cluster) can fix it: Stalled, not Reconciling
};

// Updates job.status in place; returns true when anything changed (a status write is needed).
bool summarize(api::FederatedJob& job, const Context& context,
               const std::optional<Unavailability>& problem = std::nullopt);

}  // namespace flop::federatedjob
