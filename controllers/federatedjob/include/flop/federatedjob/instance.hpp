#pragma once
// MindSpore FL instances: a FederatedJob with spec.mindspore starts a new instance on its
// FLCluster's server group through the scheduler's management API (MindSpore 1.5+):
//
//   RecordAttempt (status written) → POST /newInstance once → /queryInstance until every server
//   rank confirms → Succeeded;  suspend → /disableFLS;  resume → /enableFLS.
//
// Exactly once per attempt: the attempt reaches status before /newInstance is called, and an
// attempt recorded in an earlier reconcile without an answer is never posted again (the 1.5 API
// has no instance id to look up; a second /newInstance would restart training at iteration 1).
// A changed spec.mindspore.hyperParameters (digest in status) starts a new attempt.
//
// Same shape as the FATE side: decideInstance() is pure, the record*() functions write results
// into the object, summarizeInstance() derives phase and conditions, performInstanceStep() makes
// the one scheduler call through flcluster::SchedulerClient.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/api/federatedjob.hpp"
#include "flop/federatedjob/decision.hpp"
#include "flop/federatedjob/fate_steps.hpp"
#include "flop/federatedjob/summary.hpp"
#include "flop/flcluster/scheduler_client.hpp"

namespace flop::federatedjob {

// Attempt states of a MindSpore instance (JobAttempt.state).
namespace instance_state {
inline constexpr std::string_view kAccepted = "accepted";        // /newInstance answered 200
inline constexpr std::string_view kUnknown = "unknown";          // posted (maybe); no answer kept
inline constexpr std::string_view kEstablished = "established";  // every rank confirmed
inline constexpr std::string_view kRejected = "rejected";        // 400 or a rank's error: a failure
inline constexpr std::string_view kNotReady = "not_ready";  // "The cluster is not ready.": retried
}  // namespace instance_state

// The FLCluster's scheduler as its controller reports it (status.mindspore.clusterState).
struct SchedulerView {
  bool ready = false;  // CLUSTER_READY: the only state in which the instance/FLS calls succeed
  std::string state;   // as reported, for messages ("" = busy in 1.5)
};

// A stable digest (FNV-1a 64, hex) of the hyper-parameters as they are sent.
std::string hyperParametersDigest(const nlohmann::json& hyperParameters);
// A rank's reply counts as confirmation when it is "success" or a JSON object without an error.
bool rankReplyOk(std::string_view reply);

bool instanceLive(const api::JobAttempt& attempt);    // accepted, unknown or established
bool instanceFailed(const api::JobAttempt& attempt);  // rejected (counts against backoffLimit)
int failedInstanceAttempts(const api::FederatedJobStatus& status);
bool serversDisabled(const api::FederatedJobStatus& status);
bool failedTerminally(const api::FederatedJobStatus& status);

Action decideInstance(const api::FederatedJob& job, const Context& context,
                      const SchedulerView& scheduler);

// ---- results into status (pure) ---------------------------------------------------------------
// Appends attempt n+1 with the spec's digest, before /newInstance is called.
void recordInstanceAttempt(api::FederatedJob& job, Clock::time_point now);
void recordNewInstance(api::FederatedJob& job, const flcluster::InstanceReply& reply,
                       Clock::time_point now);
void recordInstanceUnknown(api::FederatedJob& job, std::string why);
// Returns the scheduler's refusal (400 text), if any, for the condition.
std::optional<std::string> recordQueryInstance(api::FederatedJob& job,
                                               const flcluster::InstanceReply& reply,
                                               Clock::time_point now);
// Returns true when the servers are now in the wanted state.
bool recordServers(api::FederatedJob& job, bool enabled, const flcluster::CallOutcome& outcome);

// Phase, completionTime and conditions of a MindSpore job; true when status changed.
bool summarizeInstance(api::FederatedJob& job, const Context& context,
                       const SchedulerView& scheduler,
                       const std::optional<Unavailability>& problem = std::nullopt);

// What a step left for the condition besides status: a refusal worth a Reconciling reason.
struct InstanceStepResult {
  std::optional<StepEvent> event;
  std::optional<Unavailability> problem;
};
// Performs NewInstance, InstanceUnknown, QueryInstance, DisableServers or EnableServers.
// `scheduler` may be null only for InstanceUnknown (no call). Transport failures surface as
// http::TransportError, odd replies as SchedulerProtocolError.
InstanceStepResult performInstanceStep(const Action& action, api::FederatedJob& job,
                                       flcluster::SchedulerClient* scheduler, RoundMemory& round,
                                       Clock::time_point now);

}  // namespace flop::federatedjob
