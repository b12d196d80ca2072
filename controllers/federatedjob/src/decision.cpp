#include "flop/federatedjob/decision.hpp"

#include <algorithm>
#include <set>

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/fate_state.hpp"

namespace flop::federatedjob {
namespace {

using std::chrono::duration_cast;
using std::chrono::seconds;

Action none(std::optional<Clock::duration> requeueAfter = std::nullopt) {
  return waitAction(requeueAfter);
}
Action act(ActionKind kind) { return stepAction(kind); }

Action stopping(StopCause cause) {
  Action action = act(ActionKind::Stop);
  action.stopCause = cause;
  return action;
}

// The tag lookup when the job must not run: what to write if nothing was submitted after all.
Action adopting(StopCause cause) {
  Action action = act(ActionKind::Adopt);
  action.stopCause = cause;
  return action;
}

std::optional<Clock::duration> earliest(std::optional<Clock::duration> a,
                                        std::optional<Clock::duration> b) {
  return earliestOf(a, b);
}

const api::RunPolicy* policyOf(const api::FederatedJobSpec& spec) {
  return spec.runPolicy ? &*spec.runPolicy : nullptr;
}

// When the current attempt was last polled: the newest lastSeen of its per-party rows.
std::optional<Clock::time_point> lastPolled(const api::FederatedJobStatus& status) {
  std::optional<Clock::time_point> newest;
  for (const auto& party : status.parties) {
    auto seen = timeOf(party.lastSeen);
    if (seen && (!newest || *seen > *newest)) newest = seen;
  }
  return newest;
}

Action decideDeletion(const api::FederatedJob& job, const Context& context) {
  const auto& meta = job.metadata;
  if (!hasFinalizer(meta)) return none();
  auto abandon = meta.annotations.find(std::string(kAbandonAnnotation));
  if (abandon != meta.annotations.end() && abandon->second == "true") {
    return act(ActionKind::RemoveFinalizer);
  }
  if (job.spec.deletionPolicy.value_or("Delete") == "Retain") {
    return act(ActionKind::RemoveFinalizer);
  }
  auto deletedAt = timeOf(meta.deletionTimestamp);
  if (deletedAt && context.now - *deletedAt >= context.timing.deletionCleanup) {
    return act(ActionKind::RemoveFinalizer);  // bounded: FATE-Flow did not answer in time
  }
  const auto& attempts = job.status.attempts;
  if (!attempts.empty() && !isTerminal(job.status)) {
    const auto& last = attempts.back();
    if (isSubmitting(last) && !context.round.lookedUp) return adopting(StopCause::Deletion);
    if (isActive(last)) {
      if (context.round.stopFailed) return none(context.timing.unavailableRetry);
      return stopping(StopCause::Deletion);
    }
  }
  return act(ActionKind::RemoveFinalizer);
}

Action decidePublish(const api::FederatedJob& job, const Context& context) {
  const auto& publishSpec = *job.spec.fate->publish;
  const auto& published = job.status.publish;
  auto targets = publishTargets(job.spec);
  std::set<std::pair<std::string, std::int64_t>> wanted;
  for (const auto& party : targets) wanted.emplace(party.role, party.partyId);
  std::set<std::pair<std::string, std::int64_t>> recorded;
  if (published) {
    for (const auto& party : published->parties) recorded.emplace(party.role, party.partyId);
  }
  if (!published || published->serviceId.value_or("") != publishSpec.serviceId ||
      recorded != wanted) {
    return act(ActionKind::ResetPublish);
  }
  if (!job.status.model) return none();  // nothing to publish (a job without a model)
  if (context.round.publishCallFailed) return none(context.timing.publishRetry);
  if (needsDeploy(job.spec) && !published->deployedModelVersion) return act(ActionKind::Deploy);
  Action load = act(ActionKind::Load);
  for (const auto& party : published->parties) {
    if (party.phase != "Loaded" && party.phase != "Bound") {
      load.parties.push_back({party.role, party.partyId});
    }
  }
  if (!load.parties.empty()) return load;
  for (const auto& party : published->parties) {
    if (party.role == "guest" && party.phase != "Bound") return act(ActionKind::Bind);
  }
  return none();
}

Action decideTerminal(const api::FederatedJob& job, const Context& context) {
  auto untilExpiry = ttlRemaining(job, context.now);
  // Also when it expired while the operator was down.
  if (untilExpiry && *untilExpiry <= Clock::duration::zero()) return act(ActionKind::DeleteObject);
  if (hasFinalizer(job.metadata)) return act(ActionKind::RemoveFinalizer);
  bool succeeded = job.status.phase == phaseName(Phase::Succeeded);
  if (succeeded && job.spec.fate && job.spec.fate->publish) {
    Action publish = decidePublish(job, context);
    if (publish.kind != ActionKind::None) return publish;
    return none(earliest(publish.requeueAfter, untilExpiry));
  }
  return none(untilExpiry);
}

}  // namespace

std::string_view stopMessage(StopCause cause) {
  switch (cause) {
    case StopCause::Suspend:
      return "stopped by the operator: suspended";
    case StopCause::Deadline:
      return "stopped by the operator: activeDeadlineSeconds exceeded";
    case StopCause::Deletion:
      return "stopped by the operator: object deleted";
  }
  return "stopped by the operator";
}

std::string_view actionName(ActionKind kind) {
  switch (kind) {
    case ActionKind::None:
      return "None";
    case ActionKind::AddFinalizer:
      return "AddFinalizer";
    case ActionKind::RemoveFinalizer:
      return "RemoveFinalizer";
    case ActionKind::RecordAttempt:
      return "RecordAttempt";
    case ActionKind::Submit:
      return "Submit";
    case ActionKind::Adopt:
      return "Adopt";
    case ActionKind::Query:
      return "Query";
    case ActionKind::Stop:
      return "Stop";
    case ActionKind::ResetPublish:
      return "ResetPublish";
    case ActionKind::Deploy:
      return "Deploy";
    case ActionKind::Load:
      return "Load";
    case ActionKind::Bind:
      return "Bind";
    case ActionKind::DeleteObject:
      return "DeleteObject";
    case ActionKind::NewInstance:
      return "NewInstance";
    case ActionKind::InstanceUnknown:
      return "InstanceUnknown";
    case ActionKind::QueryInstance:
      return "QueryInstance";
    case ActionKind::DisableServers:
      return "DisableServers";
    case ActionKind::EnableServers:
      return "EnableServers";
  }
  return "None";
}

std::chrono::seconds pollInterval(const Timing& timing, Clock::duration attemptAge) {
  auto scaled = duration_cast<seconds>(attemptAge) / 10;
  return std::clamp(scaled, timing.pollMin, timing.pollMax);
}

std::chrono::seconds retryDelay(const Timing& timing, int failedAttempts) {
  if (failedAttempts <= 0) return seconds(0);
  auto delay = timing.retryBase;
  for (int i = 1; i < failedAttempts && delay < timing.retryMax; ++i) delay *= 2;
  return std::min(delay, timing.retryMax);
}

Action decide(const api::FederatedJob& job, const Context& context) {
  if (job.metadata.deletionTimestamp) return decideDeletion(job, context);
  if (specProblem(job.spec)) return none();  // Stalled until the spec changes
  if (isTerminal(job.status)) return decideTerminal(job, context);
  if (!hasFinalizer(job.metadata)) return act(ActionKind::AddFinalizer);

  const auto& attempts = job.status.attempts;
  const api::JobAttempt* last = attempts.empty() ? nullptr : &attempts.back();

  if (suspendRequested(job.spec)) {
    if (last && isSubmitting(*last) && !context.round.lookedUp) return adopting(StopCause::Suspend);
    if (last && isActive(*last)) {
      if (context.round.stopFailed) return none(context.timing.unavailableRetry);
      return stopping(StopCause::Suspend);
    }
    return none();  // resumed by a spec change, which triggers a reconcile
  }

  // A suspension stops the deadline clock; recordAttempt() restarts it on resume.
  auto untilDeadline =
      last && stoppedForSuspend(*last) ? std::nullopt : deadlineRemaining(job, context.now);
  if (untilDeadline && *untilDeadline <= Clock::duration::zero()) {
    if (last && isSubmitting(*last) && !context.round.lookedUp) {
      return adopting(StopCause::Deadline);
    }
    if (last && isActive(*last)) {
      if (context.round.stopFailed) return none(context.timing.unavailableRetry);
      return stopping(StopCause::Deadline);
    }
    return none();  // summarize() marks the job Failed (DeadlineExceeded)
  }

  if (last && isSubmitting(*last)) return act(ActionKind::Submit);
  if (last && isActive(*last)) {
    // Poll on a schedule: status writes wake the controller too, and must not cause a poll.
    auto started = timeOf(last->startTime).value_or(context.now);
    auto interval = pollInterval(context.timing, context.now - started);
    auto polledAt = lastPolled(job.status);
    if (!context.round.polled && (!polledAt || context.now - *polledAt >= interval)) {
      return act(ActionKind::Query);
    }
    auto next = polledAt && !context.round.polled ? *polledAt + interval - context.now
                                                  : Clock::duration(interval);
    return none(earliest(next, untilDeadline));
  }
  // No attempt yet, the last one failed, or it was suspended and the job has resumed.
  if (last && !stoppedForSuspend(*last)) {
    int failures = failedAttempts(job.status);
    if (failures > backoffLimitOf(job, context)) return none();  // summarize() marks Failed
    auto finished = timeOf(last->completionTime).value_or(context.now);
    auto wait = finished + retryDelay(context.timing, failures) - context.now;
    if (wait > Clock::duration::zero()) return none(earliest(wait, untilDeadline));
  }
  return act(ActionKind::RecordAttempt);
}

// ---- derived facts ---------------------------------------------------------------------------

std::optional<Clock::time_point> timeOf(const std::optional<std::string>& text) {
  if (!text || text->empty()) return std::nullopt;
  return api::parse_time(*text);
}

bool suspendRequested(const api::FederatedJobSpec& spec) {
  const auto* policy = policyOf(spec);
  return policy && policy->suspend.value_or(false);
}

// Counted from status.startTime (reset on resume).
std::optional<Clock::duration> deadlineRemaining(const api::FederatedJob& job,
                                                 Clock::time_point now) {
  const auto* policy = policyOf(job.spec);
  auto started = timeOf(job.status.startTime);
  if (!policy || !policy->activeDeadlineSeconds || !started) return std::nullopt;
  return *started + seconds(*policy->activeDeadlineSeconds) - now;
}

std::optional<Clock::duration> ttlRemaining(const api::FederatedJob& job, Clock::time_point now) {
  const auto* policy = policyOf(job.spec);
  auto completed = timeOf(job.status.completionTime);
  if (!policy || !policy->ttlSecondsAfterFinished || !completed) return std::nullopt;
  return *completed + seconds(*policy->ttlSecondsAfterFinished) - now;
}

std::optional<std::string> specProblem(const api::FederatedJobSpec& spec) {
  if (spec.clusterRef.name.empty()) return "spec.clusterRef.name is empty";
  if (spec.fate && spec.mindspore) return "spec must set exactly one of fate or mindspore";
  if (spec.mindspore) {
    const auto& parameters = spec.mindspore->hyperParameters;
    if (!parameters.is_object() || parameters.empty()) {
      return "spec.mindspore.hyperParameters must be a non-empty object";
    }
    return std::nullopt;
  }
  if (!spec.fate) return "spec.fate or spec.mindspore is required";
  const auto& conf = spec.fate->runtimeConf;
  if (!conf.is_object()) return "spec.fate.runtimeConf must be an object";
  auto role = conf.find("role");
  if (role == conf.end() || !role->is_object() || role->empty()) {
    return "spec.fate.runtimeConf.role must map roles to party ids";
  }
  for (const auto& [name, parties] : role->items()) {
    if (!parties.is_array() || parties.empty()) {
      return "spec.fate.runtimeConf.role." + name + " must be a non-empty list";
    }
    for (const auto& party : parties) {
      if (!party.is_number_integer() &&
          !(party.is_string() && !party.get<std::string>().empty() &&
            std::all_of(party.get_ref<const std::string&>().begin(),
                        party.get_ref<const std::string&>().end(), ::isdigit))) {
        return "spec.fate.runtimeConf.role." + name + " holds a party id that is not a number";
      }
    }
  }
  auto initiator = conf.find("initiator");
  if (initiator == conf.end() || !initiator->is_object() || !initiator->contains("role") ||
      !initiator->contains("party_id")) {
    return "spec.fate.runtimeConf.initiator needs role and party_id";
  }
  if (spec.fate->publish && spec.fate->publish->serviceId.empty()) {
    return "spec.fate.publish.serviceId is empty";
  }
  return std::nullopt;
}

namespace {
std::int64_t partyIdOf(const fateflow::Json& value) {
  if (value.is_number_integer()) return value.get<std::int64_t>();
  if (value.is_string()) return std::stoll(value.get<std::string>());
  return 0;
}
}  // namespace

fateflow::Party initiatorOf(const api::FederatedJobSpec& spec) {
  const auto& initiator = spec.fate->runtimeConf.at("initiator");
  return {initiator.at("role").get<std::string>(), partyIdOf(initiator.at("party_id"))};
}

fateflow::RoleMap rolesOf(const api::FederatedJobSpec& spec) {
  fateflow::RoleMap roles;
  for (const auto& [name, parties] : spec.fate->runtimeConf.at("role").items()) {
    for (const auto& party : parties) roles[name].push_back(partyIdOf(party));
  }
  return roles;
}

std::string fateModelId(const fateflow::RoleMap& roles) {
  std::string id;
  for (const auto& [role, parties] : roles) {  // std::map: roles already sorted
    std::set<std::int64_t> unique(parties.begin(), parties.end());
    id += role + "-";
    bool first = true;
    for (auto party : unique) {
      id += (first ? "" : "_") + std::to_string(party);
      first = false;
    }
    id += "#";
  }
  return id + "model";
}

bool needsDeploy(const api::FederatedJobSpec& spec) {
  const auto& conf = spec.fate->runtimeConf;
  auto version = conf.find("dsl_version");
  if (version == conf.end()) return false;
  if (version->is_number()) return version->get<int>() != 1;
  return version->is_string() && version->get<std::string>() != "1";
}

std::vector<fateflow::Party> publishTargets(const api::FederatedJobSpec& spec) {
  std::vector<fateflow::Party> targets;
  const auto& publish = spec.fate->publish;
  if (publish && publish->parties) {
    for (auto party : publish->parties->guest) targets.push_back({"guest", party});
    for (auto party : publish->parties->host) targets.push_back({"host", party});
    return targets;
  }
  fateflow::RoleMap roles = rolesOf(spec);
  for (const auto& role : {"guest", "host"}) {
    auto it = roles.find(role);
    if (it == roles.end()) continue;
    for (auto party : it->second) targets.push_back({role, party});
  }
  return targets;
}

bool isSubmitting(const api::JobAttempt& attempt) {
  return !attempt.fateJobId && attempt.state.value_or("").empty();
}

bool isFinished(const api::JobAttempt& attempt) {
  if (!attempt.state) return false;
  if (*attempt.state == "submit_failed" || *attempt.state == "lost") return true;
  return meaningOf(*attempt.state).outcome != AttemptOutcome::InProgress;
}

bool isActive(const api::JobAttempt& attempt) {
  return attempt.fateJobId.has_value() && !isFinished(attempt);
}

bool stoppedForSuspend(const api::JobAttempt& attempt) {
  return attempt.message == std::string(stopMessage(StopCause::Suspend));
}

int failedAttempts(const api::FederatedJobStatus& status) {
  return static_cast<int>(std::count_if(status.attempts.begin(), status.attempts.end(),
                                        [](const api::JobAttempt& attempt) {
                                          if (!isFinished(attempt) || stoppedForSuspend(attempt))
                                            return false;
                                          return attempt.state != "success";
                                        }));
}

std::int32_t backoffLimitOf(const api::FederatedJob& job, const Context& context) {
  const auto* policy = policyOf(job.spec);
  return policy && policy->backoffLimit ? *policy->backoffLimit : context.defaultBackoffLimit;
}

bool isTerminal(const api::FederatedJobStatus& status) {
  return status.completionTime &&
         (status.phase == phaseName(Phase::Succeeded) || status.phase == phaseName(Phase::Failed));
}

bool hasFinalizer(const api::ObjectMeta& meta) {
  return std::find(meta.finalizers.begin(), meta.finalizers.end(), kFinalizer) !=
         meta.finalizers.end();
}

bool publishComplete(const api::FederatedJob& job) {
  if (!job.spec.fate || !job.spec.fate->publish) return true;
  const auto& published = job.status.publish;
  if (!published || published->serviceId != job.spec.fate->publish->serviceId) return false;
  if (published->parties.empty()) return false;
  return std::all_of(published->parties.begin(), published->parties.end(), [](const auto& p) {
    return p.role == "guest" ? p.phase == "Bound" : p.phase == "Loaded" || p.phase == "Bound";
  });
}

}  // namespace flop::federatedjob
