#pragma once
// The FederatedJob controller's decisions as pure functions, so every rule is unit-tested
// without a cluster, a FATE-Flow or a real clock:
//
//   loop { summarize(job); action = decide(job, context); if none: break;
//          execute action (FATE-Flow / Kubernetes); record its result (record*.hpp); }
//
// decide() chooses the single next step from the object alone (level-based: the same object
// gives the same step after a restart). Status carries everything needed to resume: the attempt
// list is written *before* a submission, the FATE job id right after it, and the object's UID is
// the tag used to find a job whose id never reached status.
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "flop/api/federatedjob.hpp"
#include "flop/fateflow/client.hpp"

namespace flop::federatedjob {

using Clock = std::chrono::system_clock;

inline constexpr std::string_view kFinalizer = "federatedlearning.dev/fate-job";
// Set to "true" to let a deleted FederatedJob go without stopping its FATE job (FATE-Flow gone).
inline constexpr std::string_view kAbandonAnnotation = "federatedlearning.dev/abandon-remote-job";

// Why the operator stopped an attempt; written to the attempt's message verbatim so a restart
// can tell a suspension (not a failure) from a failure.
enum class StopCause { Suspend, Deadline, Deletion };
std::string_view stopMessage(StopCause cause);

struct Timing {
  // Polling interval grows with the attempt's age: clamp(age / 10, pollMin, pollMax).
  std::chrono::seconds pollMin{2};
  std::chrono::seconds pollMax{30};
  // Delay before attempt n+1 after n failures: retryBase * 2^(n-1), capped.
  std::chrono::seconds retryBase{10};
  std::chrono::seconds retryMax{300};
  // A failed publish call (deploy/load/bind) or an unreachable FATE-Flow is retried after this.
  std::chrono::seconds publishRetry{15};
  std::chrono::seconds unavailableRetry{10};
  // After deletion, try to stop the FATE job for this long, then let the object go.
  std::chrono::seconds deletionCleanup{300};
};

std::chrono::seconds pollInterval(const Timing& timing, Clock::duration attemptAge);
std::chrono::seconds retryDelay(const Timing& timing, int failedAttempts);

// What happened earlier in the same reconcile, so decide() never repeats a call in a loop.
struct RoundMemory {
  bool polled = false;    // the current attempt was queried this round
  bool lookedUp = false;  // the UID tag was searched this round
  bool publishCallFailed = false;
  bool stopFailed = false;
  // MindSpore instances (instance_decision.hpp)
  bool attemptRecorded = false;  // the current attempt was recorded this round (may be called)
  bool instanceQueried = false;
  bool serversCallFailed = false;  // /disableFLS or /enableFLS was refused this round
};

struct Context {
  Clock::time_point now;
  Timing timing;
  RoundMemory round;
  std::int32_t defaultBackoffLimit = 0;  // resubmitting a FATE job is opt-in
};

enum class ActionKind {
  None,             // nothing to do; requeue after `requeueAfter` when set
  AddFinalizer,     // before the first submission (remote state is about to exist)
  RemoveFinalizer,  // no remote job left to stop
  RecordAttempt,    // append attempt n+1 to status and write it, before submitting
  Submit,           // look the UID tag up; adopt the job found, or submit (then tag) a new one
  Adopt,            // look the UID tag up only (suspended/deleted before an id was stored)
  Query,            // poll the current attempt's FATE job
  Stop,             // stop the current attempt's FATE job (`stopCause`)
  ResetPublish,     // the publish spec changed: start publishing afresh
  Deploy,           // DSL v2 models need a deployed child version before load
  Load,             // load on `parties` (only those not loaded yet)
  Bind,             // bind the service id on the guest
  DeleteObject,     // ttlSecondsAfterFinished expired
  // MindSpore FL instances (instance_decision.hpp)
  NewInstance,      // POST /newInstance for the attempt recorded this round
  InstanceUnknown,  // an attempt recorded in an earlier round has no answer: never POST again
  QueryInstance,    // GET /queryInstance until every server rank confirms
  DisableServers,   // /disableFLS (suspend)
  EnableServers,    // /enableFLS (resume)
};
std::string_view actionName(ActionKind kind);

struct Action {
  ActionKind kind = ActionKind::None;
  StopCause stopCause = StopCause::Suspend;
  std::vector<fateflow::Party> parties;
  std::optional<Clock::duration> requeueAfter;
};

Action decide(const api::FederatedJob& job, const Context& context);

// Building blocks of decide() and decideInstance().
inline Action waitAction(std::optional<Clock::duration> requeueAfter = std::nullopt) {
  Action action;
  action.requeueAfter = requeueAfter;
  return action;
}
inline Action stepAction(ActionKind kind) {
  Action action;
  action.kind = kind;
  return action;
}
inline std::optional<Clock::duration> earliestOf(std::optional<Clock::duration> a,
                                                 std::optional<Clock::duration> b) {
  if (!a) return b;
  if (!b) return a;
  return a < b ? a : b;
}

// ---- facts derived from the object, shared by decide(), summarize() and the recorders ----------

// A spec problem the user must fix (no fate block, runtime conf without role/initiator, ...).
std::optional<std::string> specProblem(const api::FederatedJobSpec& spec);
fateflow::Party initiatorOf(const api::FederatedJobSpec& spec);
fateflow::RoleMap rolesOf(const api::FederatedJobSpec& spec);
// FATE's model id for these roles: sorted roles, `role-<sorted unique ids joined by _>`, "#model".
std::string fateModelId(const fateflow::RoleMap& roles);
// DSL v2 models from FATE > 1.5.0 must be deployed before they can be loaded.
bool needsDeploy(const api::FederatedJobSpec& spec);
// Parties that must hold the published model: spec.publish.parties, else every non-arbiter party.
std::vector<fateflow::Party> publishTargets(const api::FederatedJobSpec& spec);

bool isSubmitting(const api::JobAttempt& attempt);  // recorded, no FATE job id yet
bool isActive(const api::JobAttempt& attempt);      // has a FATE job id, not finished
bool isFinished(const api::JobAttempt& attempt);
bool stoppedForSuspend(const api::JobAttempt& attempt);
// Attempts that count against backoffLimit (FATE failure, timeout, foreign cancel, rejected or
// lost submission); suspensions do not count.
int failedAttempts(const api::FederatedJobStatus& status);
std::int32_t backoffLimitOf(const api::FederatedJob& job, const Context& context);
bool isTerminal(const api::FederatedJobStatus& status);
bool hasFinalizer(const api::ObjectMeta& meta);
bool publishComplete(const api::FederatedJob& job);
bool suspendRequested(const api::FederatedJobSpec& spec);
// Time left before activeDeadlineSeconds, from status.startTime; nullopt without a deadline.
std::optional<Clock::duration> deadlineRemaining(const api::FederatedJob& job,
                                                 Clock::time_point now);
// Time left before ttlSecondsAfterFinished, from status.completionTime; nullopt without either.
std::optional<Clock::duration> ttlRemaining(const api::FederatedJob& job, Clock::time_point now);
std::optional<Clock::time_point> timeOf(const std::optional<std::string>& text);

}  // namespace flop::federatedjob
