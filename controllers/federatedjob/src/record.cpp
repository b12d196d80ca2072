#include "flop/federatedjob/record.hpp"

#include <algorithm>

#include "flop/api/conditions.hpp"
#include "flop/federatedjob/fate_state.hpp"

namespace flop::federatedjob {
namespace {

api::JobAttempt& current(api::FederatedJob& job) {
  if (job.status.attempts.empty()) throw Error("FederatedJob has no attempt to record into");
  return job.status.attempts.back();
}

void finish(api::JobAttempt& attempt, std::string state, std::string message,
            Clock::time_point now) {
  attempt.state = std::move(state);
  attempt.message = std::move(message);
  if (!attempt.completionTime) attempt.completionTime = api::format_time(now);
}

void adoptModel(api::FederatedJob& job, const std::string& jobId,
                const std::optional<fateflow::ModelInfo>& reported) {
  // FATE's rule when the submit answer was lost: model_id from the roles, version = job id.
  fateflow::ModelInfo model =
      reported ? *reported : fateflow::ModelInfo{fateModelId(rolesOf(job.spec)), jobId};
  job.status.model = api::ModelRef{model.modelId, model.modelVersion};
}

std::string describeFailure(const std::string& jobId, const std::string& state) {
  auto meaning = meaningOf(state);
  return "FATE job " + jobId + " " + std::string(meaning.description);
}

api::PartyPublishState* publishedParty(api::FederatedJob& job, const fateflow::Party& party) {
  if (!job.status.publish) return nullptr;
  for (auto& entry : job.status.publish->parties) {
    if (entry.role == party.role && entry.partyId == party.partyId) return &entry;
  }
  return nullptr;
}

}  // namespace

void recordAttempt(api::FederatedJob& job, Clock::time_point now) {
  auto& status = job.status;
  bool resumed = !status.attempts.empty() && stoppedForSuspend(status.attempts.back());
  if (!status.startTime || resumed) status.startTime = api::format_time(now);
  api::JobAttempt attempt;
  attempt.index = static_cast<std::int32_t>(status.attempts.size()) + 1;
  attempt.startTime = api::format_time(now);
  status.attempts.push_back(std::move(attempt));
  status.fateJobId.reset();
  status.parties.clear();
}

void recordSubmit(api::FederatedJob& job, const SubmitOutcome& outcome, Clock::time_point now) {
  auto& attempt = current(job);
  if (outcome.kind == SubmitOutcome::Kind::Rejected) {
    // 1.7+ returns a job id even for a failed submission; keep it for the record.
    attempt.fateJobId = outcome.jobId;
    finish(attempt, std::string(attempt_state::kSubmitFailed),
           "FATE-Flow rejected the submission (retcode " + std::to_string(outcome.retcode) +
               "): " + outcome.retmsg.substr(0, 512),
           now);
    return;
  }
  if (!outcome.jobId) throw Error("a successful submission must carry a FATE job id");
  attempt.fateJobId = outcome.jobId;
  job.status.fateJobId = outcome.jobId;
  attempt.state = outcome.kind == SubmitOutcome::Kind::Adopted && !outcome.state.empty()
                      ? outcome.state
                      : "waiting";
  attempt.message = outcome.kind == SubmitOutcome::Kind::Adopted
                        ? "adopted FATE job " + *outcome.jobId + " found by its UID tag"
                        : "submitted FATE job " + *outcome.jobId;
  adoptModel(job, *outcome.jobId, outcome.model);
}

void recordAdopt(api::FederatedJob& job, const std::optional<fateflow::JobRow>& found,
                 StopCause cause, Clock::time_point now) {
  auto& attempt = current(job);
  if (found) {
    SubmitOutcome outcome;
    outcome.kind = SubmitOutcome::Kind::Adopted;
    outcome.jobId = found->jobId;
    outcome.state = found->status;
    recordSubmit(job, outcome, now);
    return;
  }
  finish(attempt, "canceled", std::string(stopMessage(cause)), now);
}

void recordQuery(api::FederatedJob& job, const fateflow::QueryResult& result,
                 Clock::time_point now) {
  auto& attempt = current(job);
  if (!attempt.fateJobId) return;
  if (result.rows.empty()) {
    finish(attempt, std::string(attempt_state::kLost),
           "FATE-Flow no longer knows job " + *attempt.fateJobId, now);
    return;
  }
  auto initiator = initiatorOf(job.spec);
  const fateflow::JobRow* authoritative = nullptr;
  job.status.parties.clear();
  std::string seen = api::format_time(now);
  for (const auto& row : result.rows) {
    if (row.jobId != *attempt.fateJobId) continue;
    api::PartyJobState party;
    party.role = row.role;
    party.partyId = row.partyId;
    party.state = row.status;
    party.lastSeen = seen;
    job.status.parties.push_back(std::move(party));
    bool isInitiator =
        row.isInitiator || (row.role == initiator.role && row.partyId == initiator.partyId);
    if (isInitiator && !authoritative) authoritative = &row;
  }
  // Another party's row stands in only when this FATE-Flow does not host the initiator.
  if (!authoritative) authoritative = &result.rows.front();
  const std::string& state = authoritative->status;
  auto meaning = meaningOf(state);
  if (meaning.outcome == AttemptOutcome::InProgress) {
    attempt.state = state;
    attempt.message = "FATE job " + *attempt.fateJobId + " " + std::string(meaning.description);
    return;
  }
  finish(attempt, state, describeFailure(*attempt.fateJobId, state), now);
  if (authoritative->endTimeMs) {
    auto end = Clock::time_point(std::chrono::milliseconds(*authoritative->endTimeMs));
    attempt.completionTime = api::format_time(end);
  }
}

bool recordStop(api::FederatedJob& job, const fateflow::Envelope& answer, StopCause cause,
                Clock::time_point now) {
  auto& attempt = current(job);
  bool confirmed = answer.ok() || answer.retcode == fateflow::retcode::kDataError;
  if (!confirmed) {
    attempt.message = "stop not confirmed by FATE-Flow (retcode " + std::to_string(answer.retcode) +
                      "): " + answer.retmsg;
    return false;
  }
  finish(attempt, "canceled", std::string(stopMessage(cause)), now);
  return true;
}

void resetPublish(api::FederatedJob& job) {
  api::PublishStatus fresh;
  fresh.serviceId = job.spec.fate->publish->serviceId;
  // A deployed child version stays valid for the same trained model: never deploy twice.
  if (job.status.publish) fresh.deployedModelVersion = job.status.publish->deployedModelVersion;
  for (const auto& party : publishTargets(job.spec)) {
    api::PartyPublishState entry;
    entry.role = party.role;
    entry.partyId = party.partyId;
    entry.phase = "Pending";
    fresh.parties.push_back(std::move(entry));
  }
  job.status.publish = std::move(fresh);
}

bool recordDeploy(api::FederatedJob& job, const fateflow::FanOutResult& result) {
  auto& published = *job.status.publish;
  bool ok = result.envelope.ok() && result.modelVersion.has_value();
  for (const auto& party : result.parties) {
    auto* entry = publishedParty(job, party.party);
    if (!entry || party.retcode == 0) continue;
    entry->phase = "Failed";
    entry->retcode = party.retcode;
    entry->message = "deploy: " + party.retmsg;
  }
  // Store the new child version at once: deploy creates another one on every call.
  if (ok) published.deployedModelVersion = result.modelVersion;
  return ok;
}

bool recordLoad(api::FederatedJob& job, const fateflow::FanOutResult& result) {
  bool allOk = result.envelope.ok();
  for (const auto& party : result.parties) {
    auto* entry = publishedParty(job, party.party);
    if (!entry) continue;
    entry->retcode = party.retcode;
    if (party.retcode == 0) {
      if (entry->phase != "Bound") entry->phase = "Loaded";
      entry->message = "loaded";
    } else {
      entry->phase = "Failed";
      entry->message = "load: " + party.retmsg;
      allOk = false;
    }
  }
  if (result.parties.empty() && !result.envelope.ok()) allOk = false;
  return allOk;
}

bool recordBind(api::FederatedJob& job, const fateflow::Envelope& answer) {
  bool ok = answer.ok();
  for (auto& entry : job.status.publish->parties) {
    if (entry.role != "guest") continue;
    entry.retcode = answer.retcode;
    entry.message = "bind: " + answer.retmsg;
    if (ok) entry.phase = "Bound";
  }
  return ok;
}

std::optional<fateflow::ModelInfo> modelToPublish(const api::FederatedJob& job) {
  if (!job.status.model) return std::nullopt;
  fateflow::ModelInfo model{job.status.model->modelId, job.status.model->modelVersion};
  if (needsDeploy(job.spec)) {
    if (!job.status.publish || !job.status.publish->deployedModelVersion) return std::nullopt;
    model.modelVersion = *job.status.publish->deployedModelVersion;
  }
  return model;
}

}  // namespace flop::federatedjob
