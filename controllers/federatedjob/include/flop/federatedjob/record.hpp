#pragma once
// Recording the result of each action in status (pure: object + result + now → object).
// Together with decision.hpp this is the whole FederatedJob state machine; the reconciler only
// performs the calls in between.
#include <optional>
#include <string>

#include "flop/api/federatedjob.hpp"
#include "flop/fateflow/client.hpp"
#include "flop/federatedjob/decision.hpp"

namespace flop::federatedjob {

// Attempt states the operator writes besides FATE's own.
namespace attempt_state {
inline constexpr std::string_view kSubmitFailed = "submit_failed";  // FATE rejected the submission
inline constexpr std::string_view kLost = "lost";  // FATE-Flow no longer knows the job id
}  // namespace attempt_state

// Appends attempt n+1 (no FATE job id yet) and starts the deadline clock on the first attempt
// and on resume after a suspension.
void recordAttempt(api::FederatedJob& job, Clock::time_point now);

// What a Submit action found or did.
struct SubmitOutcome {
  enum class Kind {
    Adopted,    // a job tagged with the UID already existed (found after a restart)
    Submitted,  // a new job was submitted
    Rejected,   // FATE-Flow answered with retcode != 0 (the attempt failed)
  };
  Kind kind = Kind::Submitted;
  std::optional<std::string> jobId;
  std::optional<fateflow::ModelInfo> model;
  std::string state;  // Adopted: the job's state as found
  int retcode = 0;
  std::string retmsg;
};
void recordSubmit(api::FederatedJob& job, const SubmitOutcome& outcome, Clock::time_point now);

// The tag lookup of an Adopt action: adopt the job found, or close an attempt that never reached
// FATE-Flow (so a suspension or deletion does not leave it "submitting" forever).
void recordAdopt(api::FederatedJob& job, const std::optional<fateflow::JobRow>& found,
                 StopCause cause, Clock::time_point now);

// The initiator's row decides the attempt's state; every row becomes a per-party entry.
void recordQuery(api::FederatedJob& job, const fateflow::QueryResult& result,
                 Clock::time_point now);

// Returns true when FATE-Flow confirmed the stop (or no longer knows the job).
bool recordStop(api::FederatedJob& job, const fateflow::Envelope& answer, StopCause cause,
                Clock::time_point now);

void resetPublish(api::FederatedJob& job);
// Returns true when the call succeeded for every party it addressed.
bool recordDeploy(api::FederatedJob& job, const fateflow::FanOutResult& result);
bool recordLoad(api::FederatedJob& job, const fateflow::FanOutResult& result);
bool recordBind(api::FederatedJob& job, const fateflow::Envelope& answer);

// The model version to load and bind: the deployed child for DSL v2, else the trained version.
std::optional<fateflow::ModelInfo> modelToPublish(const api::FederatedJob& job);

}  // namespace flop::federatedjob
