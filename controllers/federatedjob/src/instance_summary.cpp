#include "flop/api/conditions.hpp"
#include "flop/federatedjob/condition_writer.hpp"
#include "flop/federatedjob/fate_state.hpp"
#include "flop/federatedjob/instance.hpp"

namespace flop::federatedjob {
namespace {

namespace type = api::condition_type;

struct Verdict {
  Phase phase = Phase::Pending;
  std::string reason;
  std::string message;
};

std::string attemptLabel(const api::JobAttempt& attempt) {
  return "attempt " + std::to_string(attempt.index);
}

std::string waiting(const SchedulerView& scheduler) {
  return "scheduler is " + (scheduler.state.empty() ? std::string("busy") : scheduler.state) +
         "; the management calls wait for CLUSTER_READY";
}

std::optional<Verdict> failureVerdict(const api::FederatedJob& job, const Context& context) {
  const auto& attempts = job.status.attempts;
  const api::JobAttempt* last = attempts.empty() ? nullptr : &attempts.back();
  const bool established = last && last->state == instance_state::kEstablished;
  auto left = deadlineRemaining(job, context.now);
  if (!established && !suspendRequested(job.spec) && left && *left <= Clock::duration::zero()) {
    return Verdict{Phase::Failed, "DeadlineExceeded",
                   "activeDeadlineSeconds " +
                       std::to_string(job.spec.runPolicy->activeDeadlineSeconds.value_or(0)) +
                       " exceeded before every server rank confirmed the instance"};
  }
  if (last && instanceFailed(*last)) {
    int failures = failedInstanceAttempts(job.status);
    int limit = backoffLimitOf(job, context);
    if (failures > limit) {
      return Verdict{Phase::Failed, "NewInstanceRejected",
                     attemptLabel(*last) + ": " + last->message.value_or("") + "; backoffLimit " +
                         std::to_string(limit) + " exhausted after " + std::to_string(failures) +
                         " failed attempt(s)"};
    }
  }
  return std::nullopt;
}

Verdict ongoingVerdict(const api::FederatedJob& job, const Context& context,
                       const SchedulerView& scheduler) {
  const auto& attempts = job.status.attempts;
  const api::JobAttempt* last = attempts.empty() ? nullptr : &attempts.back();
  const bool suspend = suspendRequested(job.spec);
  const bool live = last && instanceLive(*last);
  if (suspend && !live) return {Phase::Suspended, "Suspended", "spec.runPolicy.suspend is true"};
  if (suspend && serversDisabled(job.status)) {
    return {Phase::Suspended, "Suspended", "FL servers disabled (/disableFLS)"};
  }
  if (suspend)
    return {Phase::Suspended, "Suspending", "disabling the FL servers: " + waiting(scheduler)};
  if (serversDisabled(job.status)) {
    return {Phase::Suspended, "Resuming", "enabling the FL servers (/enableFLS)"};
  }
  if (!last) {
    if (!scheduler.ready) return {Phase::Pending, "WaitingForScheduler", waiting(scheduler)};
    return {Phase::Pending, "NotSubmitted", "no instance yet"};
  }
  const std::string state = last->state.value_or("");
  const std::string message = attemptLabel(*last) + ": " + last->message.value_or("");
  if (state.empty()) return {Phase::Pending, "CreatingInstance", attemptLabel(*last) + " recorded"};
  if (state == instance_state::kEstablished) {
    return {Phase::Succeeded, "InstanceEstablished", message};
  }
  if (state == instance_state::kAccepted) return {Phase::Running, "InstanceStarting", message};
  if (state == instance_state::kUnknown) return {Phase::Running, "InstanceOutcomeUnknown", message};
  if (state == instance_state::kNotReady) {
    return {Phase::Pending, "WaitingForScheduler", message + "; " + waiting(scheduler)};
  }
  return {Phase::Pending, "BackoffRetry",
          message + "; " + std::to_string(failedInstanceAttempts(job.status)) + " of " +
              std::to_string(backoffLimitOf(job, context) + 1) + " attempts used"};
}

}  // namespace

bool summarizeInstance(api::FederatedJob& job, const Context& context,
                       const SchedulerView& scheduler,
                       const std::optional<Unavailability>& problem) {
  auto& status = job.status;
  bool changed = false;
  ConditionWriter conditions(job, context.now);
  if (!conditions.validate(changed)) return changed || conditions.changed();

  Verdict verdict;
  if (failedTerminally(status)) {
    const auto* previous = api::find_condition(status.conditions, type::kFailed);
    verdict = {Phase::Failed, previous ? previous->reason : "Failed",
               previous ? previous->message : ""};
  } else if (auto failed = failureVerdict(job, context)) {
    verdict = *failed;
    status.completionTime = api::format_time(context.now);
    changed = true;
  } else {
    verdict = ongoingVerdict(job, context, scheduler);
  }
  const auto& attempts = status.attempts;
  const bool established =
      !attempts.empty() && attempts.back().state == instance_state::kEstablished;
  // completionTime marks the instance established (or the job failed); TTL counts from it.
  if (established && !status.completionTime) {
    status.completionTime = attempts.back().completionTime;
    changed = true;
  }
  std::string phase(phaseName(verdict.phase));
  if (status.phase != phase) {
    status.phase = phase;
    changed = true;
  }
  if (status.fateJobId) {
    status.fateJobId.reset();
    changed = true;
  }

  const bool failed = verdict.phase == Phase::Failed;
  const bool accepted = !attempts.empty() && instanceLive(attempts.back());
  conditions.set(
      type::kSubmitted, accepted, accepted ? "InstanceAccepted" : verdict.reason,
      accepted ? attemptLabel(attempts.back()) + ": /newInstance accepted" : verdict.message);
  const bool running = verdict.phase == Phase::Running;
  conditions.set(type::kRunning, running, verdict.reason, verdict.message);
  conditions.set(type::kSucceeded, established,
                 established ? "InstanceEstablished" : "NotSucceeded",
                 established ? attempts.back().message.value_or("") : verdict.message);
  conditions.set(type::kFailed, failed, failed ? verdict.reason : "NotFailed", verdict.message);

  const bool settled = failed || verdict.phase == Phase::Succeeded ||
                       (verdict.phase == Phase::Suspended && verdict.reason == "Suspended");
  if (problem && problem->stalled) {
    conditions.set(type::kReady, false, problem->reason, problem->message);
    conditions.abnormal(type::kReconciling, false, "", "");
    conditions.abnormal(type::kStalled, true, problem->reason, problem->message);
    return changed || conditions.changed();
  }
  if (problem && !settled) {
    conditions.set(type::kReady, false, problem->reason, problem->message);
    conditions.abnormal(type::kReconciling, true, problem->reason, problem->message);
  } else {
    conditions.set(type::kReady, verdict.phase == Phase::Succeeded, verdict.reason,
                   verdict.message);
    conditions.abnormal(type::kReconciling, !settled, verdict.reason, verdict.message);
  }
  conditions.abnormal(type::kStalled, failed, verdict.reason, verdict.message);
  return changed || conditions.changed();
}

}  // namespace flop::federatedjob
