#include <algorithm>
#include <cctype>
#include <cstdint>
#include <cstdio>

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/instance.hpp"

namespace flop::federatedjob {
namespace {

Action none(std::optional<Clock::duration> requeueAfter = std::nullopt) {
  return waitAction(requeueAfter);
}
Action act(ActionKind kind) { return stepAction(kind); }

std::optional<Clock::duration> earliest(std::optional<Clock::duration> a,
                                        std::optional<Clock::duration> b) {
  return earliestOf(a, b);
}

bool stateIs(const api::JobAttempt& attempt, std::string_view state) {
  return attempt.state.value_or("") == state;
}

// A scheduler call when the scheduler can take it; else wait (an FLCluster change wakes us too).
Action whenReady(const SchedulerView& scheduler, const Context& context, ActionKind kind) {
  if (!scheduler.ready) return none(context.timing.unavailableRetry);
  return act(kind);
}

}  // namespace

std::string hyperParametersDigest(const nlohmann::json& hyperParameters) {
  std::uint64_t hash = 14695981039346656037ull;  // FNV-1a 64 over the compact, key-sorted dump
  for (unsigned char c : hyperParameters.dump()) {
    hash ^= c;
    hash *= 1099511628211ull;
  }
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(hash));
  return text;
}

bool rankReplyOk(std::string_view reply) {
  auto first = reply.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return false;
  auto last = reply.find_last_not_of(" \t\r\n");
  std::string text(reply.substr(first, last - first + 1));
  std::string lower = text;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "success") return true;
  auto parsed = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object() || parsed.contains("error_message") || parsed.contains("error")) {
    return false;
  }
  auto code = parsed.find("code");
  if (code == parsed.end()) return true;
  return (code->is_string() && code->get<std::string>() == "0") ||
         (code->is_number_integer() && code->get<std::int64_t>() == 0);
}

bool instanceLive(const api::JobAttempt& attempt) {
  return stateIs(attempt, instance_state::kAccepted) ||
         stateIs(attempt, instance_state::kUnknown) ||
         stateIs(attempt, instance_state::kEstablished);
}

bool instanceFailed(const api::JobAttempt& attempt) {
  return stateIs(attempt, instance_state::kRejected);
}

int failedInstanceAttempts(const api::FederatedJobStatus& status) {
  return static_cast<int>(
      std::count_if(status.attempts.begin(), status.attempts.end(), instanceFailed));
}

bool serversDisabled(const api::FederatedJobStatus& status) {
  return status.mindspore && status.mindspore->serversEnabled == false;
}

bool failedTerminally(const api::FederatedJobStatus& status) {
  return isTerminal(status) && status.phase == "Failed";
}

Action decideInstance(const api::FederatedJob& job, const Context& context,
                      const SchedulerView& scheduler) {
  // An instance is not stopped on deletion: it is the servers' plan, not a job to cancel.
  if (hasFinalizer(job.metadata)) return act(ActionKind::RemoveFinalizer);
  if (job.metadata.deletionTimestamp) return none();
  if (specProblem(job.spec)) return none();  // Stalled until the spec changes

  const auto& status = job.status;
  auto untilExpiry = ttlRemaining(job, context.now);
  if (untilExpiry && *untilExpiry <= Clock::duration::zero()) return act(ActionKind::DeleteObject);
  if (failedTerminally(status)) return none(untilExpiry);

  const api::JobAttempt* last = status.attempts.empty() ? nullptr : &status.attempts.back();
  const bool live = last && instanceLive(*last);

  // Suspend and resume act on a live instance's servers.
  if (suspendRequested(job.spec)) {
    if (live && !isSubmitting(*last) && !serversDisabled(status)) {
      if (context.round.serversCallFailed) return none(context.timing.unavailableRetry);
      return whenReady(scheduler, context, ActionKind::DisableServers);
    }
    if (last && isSubmitting(*last) && !context.round.attemptRecorded) {
      return act(ActionKind::InstanceUnknown);  // then disable it like any live instance
    }
    return none(untilExpiry);  // resumed by a spec change, which triggers a reconcile
  }
  if (serversDisabled(status)) {
    if (context.round.serversCallFailed) return none(context.timing.unavailableRetry);
    return whenReady(scheduler, context, ActionKind::EnableServers);
  }

  const auto digest = hyperParametersDigest(job.spec.mindspore->hyperParameters);
  const bool changed = status.mindspore && status.mindspore->hyperParametersDigest != digest;
  if (last && isSubmitting(*last)) {
    if (context.round.attemptRecorded) return act(ActionKind::NewInstance);
    return act(ActionKind::InstanceUnknown);
  }
  if (last && stateIs(*last, instance_state::kEstablished) && !changed) return none(untilExpiry);

  auto untilDeadline = deadlineRemaining(job, context.now);
  if (!changed && untilDeadline && *untilDeadline <= Clock::duration::zero()) {
    return none();  // summarizeInstance() marks the job Failed (DeadlineExceeded)
  }
  if (live && !changed) {
    // Waiting for every rank to confirm, on the same schedule as a FATE job's polls.
    auto started = timeOf(last->startTime).value_or(context.now);
    auto interval = pollInterval(context.timing, context.now - started);
    auto polledAt = status.mindspore ? timeOf(status.mindspore->lastQueryTime) : std::nullopt;
    if (!context.round.instanceQueried && (!polledAt || context.now - *polledAt >= interval)) {
      return whenReady(scheduler, context, ActionKind::QueryInstance);
    }
    auto next = polledAt && !context.round.instanceQueried ? *polledAt + interval - context.now
                                                           : Clock::duration(interval);
    return none(earliest(next, untilDeadline));
  }
  if (last && instanceFailed(*last) && !changed) {
    int failures = failedInstanceAttempts(status);
    if (failures > backoffLimitOf(job, context)) return none();  // summarize marks Failed
    auto finished = timeOf(last->completionTime).value_or(context.now);
    auto wait = finished + retryDelay(context.timing, failures) - context.now;
    if (wait > Clock::duration::zero()) return none(earliest(wait, untilDeadline));
  }
  if (context.round.attemptRecorded) return none(context.timing.unavailableRetry);
  return whenReady(scheduler, context, ActionKind::RecordAttempt);
}

}  // namespace flop::federatedjob
