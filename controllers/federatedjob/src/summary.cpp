#include "flop/federatedjob/summary.hpp"

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/condition_writer.hpp"
#include "flop/federatedjob/fate_state.hpp"
#include "flop/federatedjob/record.hpp"

namespace flop::federatedjob {
namespace {

namespace type = api::condition_type;
using std::chrono::seconds;

struct Verdict {
  Phase phase = Phase::Pending;
  std::string reason;
  std::string message;
};

bool deadlinePassed(const api::FederatedJob& job, Clock::time_point now) {
  const auto& policy = job.spec.runPolicy;
  if (!policy || !policy->activeDeadlineSeconds || !job.status.startTime) return false;
  // Suspended time does not count: the clock restarts with the attempt after a resume.
  if (policy->suspend.value_or(false)) return false;
  const auto& attempts = job.status.attempts;
  if (!attempts.empty() && stoppedForSuspend(attempts.back())) return false;
  return api::parse_time(*job.status.startTime) + seconds(*policy->activeDeadlineSeconds) <= now;
}

std::string attemptLabel(const api::JobAttempt& attempt) {
  return "attempt " + std::to_string(attempt.index) +
         (attempt.fateJobId ? " (FATE job " + *attempt.fateJobId + ")" : "");
}

std::string failureReason(const api::JobAttempt& attempt) {
  const std::string state = attempt.state.value_or("");
  if (state == attempt_state::kSubmitFailed) return "SubmitFailed";
  if (state == attempt_state::kLost) return "FateJobLost";
  return std::string(meaningOf(state).reason);
}

// The terminal verdict, if the job just became terminal.
std::optional<Verdict> terminalVerdict(const api::FederatedJob& job, const Context& context) {
  const auto& attempts = job.status.attempts;
  const api::JobAttempt* last = attempts.empty() ? nullptr : &attempts.back();
  if (last && last->state == "success") {
    return Verdict{Phase::Succeeded, "FateJobSucceeded", attemptLabel(*last) + " succeeded"};
  }
  bool lastBusy = last && (isActive(*last) || isSubmitting(*last));
  bool stoppedForDeadline = last && last->message == std::string(stopMessage(StopCause::Deadline));
  if (stoppedForDeadline || (!lastBusy && deadlinePassed(job, context.now))) {
    return Verdict{Phase::Failed, "DeadlineExceeded",
                   "activeDeadlineSeconds " +
                       std::to_string(job.spec.runPolicy->activeDeadlineSeconds.value_or(0)) +
                       " exceeded"};
  }
  if (last && isFinished(*last) && !stoppedForSuspend(*last)) {
    int failures = failedAttempts(job.status);
    int limit = backoffLimitOf(job, context);
    if (failures > limit) {
      return Verdict{Phase::Failed, failureReason(*last),
                     attemptLabel(*last) + ": " + last->message.value_or("") + "; backoffLimit " +
                         std::to_string(limit) + " exhausted after " + std::to_string(failures) +
                         " failed attempt(s)"};
    }
  }
  return std::nullopt;
}

Verdict ongoingVerdict(const api::FederatedJob& job, const Context& context) {
  const auto& attempts = job.status.attempts;
  const api::JobAttempt* last = attempts.empty() ? nullptr : &attempts.back();
  bool suspend = job.spec.runPolicy && job.spec.runPolicy->suspend.value_or(false);
  if (suspend && !(last && isActive(*last))) {
    return {Phase::Suspended, "Suspended", "spec.runPolicy.suspend is true"};
  }
  if (!last) return {Phase::Pending, "NotSubmitted", "no attempt yet"};
  if (isSubmitting(*last)) return {Phase::Pending, "Submitting", attemptLabel(*last)};
  if (isFinished(*last)) {
    if (stoppedForSuspend(*last)) return {Phase::Pending, "Resuming", "resuming after suspension"};
    return {Phase::Pending, "BackoffRetry",
            attemptLabel(*last) + " failed: " + last->message.value_or("") + "; " +
                std::to_string(failedAttempts(job.status)) + " of " +
                std::to_string(backoffLimitOf(job, context) + 1) + " attempts used"};
  }
  auto meaning = meaningOf(last->state.value_or(""));
  std::string reason(meaning.reason);
  if (suspend) reason = "Suspending";
  return {meaning.phase, reason,
          attemptLabel(*last) + " " + std::string(meaning.description) +
              (last->state ? " (FATE state " + *last->state + ")" : "")};
}

std::string publishShortfall(const api::FederatedJob& job) {
  std::string failed;
  if (!job.status.publish) return failed;
  for (const auto& party : job.status.publish->parties) {
    if (party.phase != "Failed") continue;
    if (!failed.empty()) failed += "; ";
    failed += party.role + " " + std::to_string(party.partyId) + ": " + party.message.value_or("") +
              (party.retcode ? " (retcode " + std::to_string(*party.retcode) + ")" : "");
  }
  return failed;
}

}  // namespace

bool summarize(api::FederatedJob& job, const Context& context,
               const std::optional<Unavailability>& problem) {
  auto& status = job.status;
  bool changed = false;
  ConditionWriter conditions(job, context.now);
  if (!conditions.validate(changed)) return changed || conditions.changed();

  Verdict verdict;
  if (isTerminal(status)) {
    verdict.phase = status.phase == phaseName(Phase::Succeeded) ? Phase::Succeeded : Phase::Failed;
    const auto* previous = api::find_condition(
        status.conditions, verdict.phase == Phase::Succeeded ? type::kSucceeded : type::kFailed);
    verdict.reason = previous ? previous->reason : std::string(phaseName(verdict.phase));
    verdict.message = previous ? previous->message : "";
  } else if (auto done = terminalVerdict(job, context)) {
    verdict = *done;
    status.completionTime = api::format_time(context.now);
    changed = true;
  } else {
    verdict = ongoingVerdict(job, context);
  }
  std::string phase(phaseName(verdict.phase));
  if (status.phase != phase) {
    status.phase = phase;
    changed = true;
  }
  const auto& attempts = status.attempts;
  std::optional<std::string> currentId;
  if (!attempts.empty() && attempts.back().fateJobId &&
      attempts.back().state != attempt_state::kSubmitFailed) {
    currentId = attempts.back().fateJobId;
  }
  if (status.fateJobId != currentId) {
    status.fateJobId = currentId;
    changed = true;
  }

  bool succeeded = verdict.phase == Phase::Succeeded;
  bool failed = verdict.phase == Phase::Failed;
  bool terminal = succeeded || failed;
  if (currentId) {
    conditions.set(type::kSubmitted, true, "FateJobSubmitted",
                   attemptLabel(attempts.back()) + " submitted");
  } else {
    conditions.set(type::kSubmitted, false, attempts.empty() ? "NotSubmitted" : verdict.reason,
                   verdict.message);
  }
  conditions.set(type::kQueued, verdict.phase == Phase::Queued, verdict.reason, verdict.message);
  conditions.set(type::kRunning, verdict.phase == Phase::Running, verdict.reason, verdict.message);
  conditions.set(type::kSucceeded, succeeded, succeeded ? verdict.reason : "NotSucceeded",
                 verdict.message);
  conditions.set(type::kFailed, failed, failed ? verdict.reason : "NotFailed", verdict.message);

  bool publishing = job.spec.fate->publish.has_value();
  bool published = publishComplete(job);
  std::string shortfall = publishShortfall(job);
  if (publishing) {
    if (!succeeded) {
      conditions.set(type::kPublished, false, "WaitingForJob", "the job has not succeeded");
    } else if (published) {
      conditions.set(type::kPublished, true, "Published",
                     "service id " + job.spec.fate->publish->serviceId + " bound");
    } else if (!shortfall.empty()) {
      conditions.set(type::kPublished, false, "PartiallyPublished", shortfall);
    } else {
      conditions.set(type::kPublished, false, "Publishing", "deploy, load and bind in progress");
    }
  }

  bool inProgress = !terminal && verdict.phase != Phase::Suspended;
  bool publishInProgress = succeeded && publishing && !published;
  if (problem && (inProgress || publishInProgress)) {
    conditions.set(type::kReady, false, problem->reason, problem->message);
    conditions.abnormal(type::kReconciling, true, problem->reason, problem->message);
  } else if (succeeded && published) {
    conditions.set(type::kReady, true, publishing ? "Published" : verdict.reason, verdict.message);
    conditions.abnormal(type::kReconciling, false, "", "");
  } else if (publishInProgress) {
    std::string reason = shortfall.empty() ? "Publishing" : "PartiallyPublished";
    std::string message = shortfall.empty() ? "publishing the model" : shortfall;
    conditions.set(type::kReady, false, reason, message);
    conditions.abnormal(type::kReconciling, true, reason, message);
  } else {
    conditions.set(type::kReady, false, verdict.reason, verdict.message);
    conditions.abnormal(type::kReconciling, inProgress, verdict.reason, verdict.message);
  }
  conditions.abnormal(type::kStalled, failed, verdict.reason, verdict.message);
  return changed || conditions.changed();
}

}  // namespace flop::federatedjob
