#pragma once
// Performs the FATE-Flow side of an Action and records the result in the object (record.hpp).
// Kubernetes-side actions (finalizers, status writes, deletion) belong to the reconciler.
// FATE-Flow being unreachable surfaces as http::TransportError / fateflow::ProtocolError.
#include <optional>
#include <string>

#include "flop/api/federatedjob.hpp"
#include "flop/fateflow/client.hpp"
#include "flop/federatedjob/decision.hpp"
#include "flop/federatedjob/record.hpp"

namespace flop::federatedjob {

// A user-facing Event describing what was done (with the external id).
struct StepEvent {
  bool warning = false;
  std::string reason;
  std::string message;
};

// The UID tag written into the job's notes (FATE's f_description).
std::string uidTag(const api::FederatedJob& job);

// The newest FATE job tagged with this object's UID whose id no earlier attempt recorded.
std::optional<fateflow::JobRow> findTaggedJob(const fateflow::FateFlowClient& flow,
                                              const api::FederatedJob& job);

// Exactly once per attempt: adopt a tagged job if one exists, else submit and tag the new one.
SubmitOutcome submitOnce(const fateflow::FateFlowClient& flow, const api::FederatedJob& job,
                         fateflow::SubmitKeys keys);

// Performs a FATE-side action (Submit, Adopt, Query, Stop, Deploy, Load, Bind, ResetPublish),
// records its result into `job` and notes in `round` what must not be repeated this reconcile.
std::optional<StepEvent> performFateStep(const Action& action, api::FederatedJob& job,
                                         const fateflow::FateFlowClient& flow,
                                         fateflow::SubmitKeys keys, RoundMemory& round,
                                         Clock::time_point now);

}  // namespace flop::federatedjob
