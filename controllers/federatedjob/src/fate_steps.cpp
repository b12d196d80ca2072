#include "flop/federatedjob/fate_steps.hpp"

#include <algorithm>
#include <set>

namespace flop::federatedjob {
namespace {

std::string partyList(const std::vector<fateflow::Party>& parties) {
  std::string text;
  for (const auto& party : parties) {
    if (!text.empty()) text += ", ";
    text += party.role + " " + std::to_string(party.partyId);
  }
  return text;
}

fateflow::RoleMap roleMapOf(const std::vector<fateflow::Party>& parties) {
  fateflow::RoleMap roles;
  for (const auto& party : parties) roles[party.role].push_back(party.partyId);
  return roles;
}

std::string failedParties(const fateflow::FanOutResult& result) {
  std::string text;
  for (const auto& party : result.parties) {
    if (party.retcode == 0) continue;
    if (!text.empty()) text += "; ";
    text += party.party.role + " " + std::to_string(party.party.partyId) + " retcode " +
            std::to_string(party.retcode) + " " + party.retmsg;
  }
  return text.empty()
             ? "retcode " + std::to_string(result.envelope.retcode) + " " + result.envelope.retmsg
             : text;
}

StepEvent normal(std::string reason, std::string message) {
  return StepEvent{false, std::move(reason), std::move(message)};
}
StepEvent warning(std::string reason, std::string message) {
  return StepEvent{true, std::move(reason), std::move(message)};
}

}  // namespace

std::string uidTag(const api::FederatedJob& job) {
  if (!job.metadata.uid || job.metadata.uid->empty()) {
    throw InvalidInput("metadata.uid", "a FederatedJob read from the API server has a uid");
  }
  return *job.metadata.uid;
}

std::optional<fateflow::JobRow> findTaggedJob(const fateflow::FateFlowClient& flow,
                                              const api::FederatedJob& job) {
  // /job/query filters on any job column, so an exact match on the notes works on 1.5–1.11.
  fateflow::QueryResult found = flow.query(fateflow::Json{{"description", uidTag(job)}});
  std::set<std::string> known;
  for (const auto& attempt : job.status.attempts) {
    if (attempt.fateJobId) known.insert(*attempt.fateJobId);
  }
  std::optional<fateflow::JobRow> newest;
  for (const auto& row : found.rows) {
    if (row.description != uidTag(job) || known.count(row.jobId)) continue;
    if (row.tag == "submit_failed") continue;
    // FATE job ids start with a timestamp: the greatest id is the newest job.
    if (!newest || row.jobId > newest->jobId) newest = row;
  }
  return newest;
}

SubmitOutcome submitOnce(const fateflow::FateFlowClient& flow, const api::FederatedJob& job,
                         fateflow::SubmitKeys keys) {
  SubmitOutcome outcome;
  if (auto tagged = findTaggedJob(flow, job)) {
    outcome.kind = SubmitOutcome::Kind::Adopted;
    outcome.jobId = tagged->jobId;
    outcome.state = tagged->status;
    return outcome;
  }
  fateflow::SubmitResult submitted =
      flow.submit(job.spec.fate->dsl, job.spec.fate->runtimeConf, keys);
  outcome.jobId = submitted.jobId;
  outcome.model = submitted.model;
  outcome.retcode = submitted.envelope.retcode;
  outcome.retmsg = submitted.envelope.retmsg;
  if (!submitted.envelope.ok() || !submitted.jobId) {
    outcome.kind = SubmitOutcome::Kind::Rejected;
    return outcome;
  }
  outcome.kind = SubmitOutcome::Kind::Submitted;
  // Tag at once, before the id reaches status: a crash after this point is recoverable by the
  // tag lookup above. A failed tag is not fatal: the stored id remains the primary guard.
  try {
    flow.updateNotes(*submitted.jobId, initiatorOf(job.spec), uidTag(job));
  } catch (const Error&) {
  }
  return outcome;
}

std::optional<StepEvent> performFateStep(const Action& action, api::FederatedJob& job,
                                         const fateflow::FateFlowClient& flow,
                                         fateflow::SubmitKeys keys, RoundMemory& round,
                                         Clock::time_point now) {
  switch (action.kind) {
    case ActionKind::Submit: {
      round.lookedUp = true;
      SubmitOutcome outcome = submitOnce(flow, job, keys);
      recordSubmit(job, outcome, now);
      int index = job.status.attempts.back().index;
      switch (outcome.kind) {
        case SubmitOutcome::Kind::Submitted:
          return normal("Submitted", "attempt " + std::to_string(index) + ": submitted FATE job " +
                                         *outcome.jobId);
        case SubmitOutcome::Kind::Adopted:
          return normal("Adopted", "attempt " + std::to_string(index) + ": adopted FATE job " +
                                       *outcome.jobId + " found by its UID tag");
        case SubmitOutcome::Kind::Rejected:
          return warning("SubmitFailed", "attempt " + std::to_string(index) +
                                             ": FATE-Flow rejected the job (retcode " +
                                             std::to_string(outcome.retcode) + ")");
      }
      return std::nullopt;
    }
    case ActionKind::Adopt: {
      round.lookedUp = true;
      auto tagged = findTaggedJob(flow, job);
      recordAdopt(job, tagged, action.stopCause, now);
      if (tagged) return normal("Adopted", "adopted FATE job " + tagged->jobId);
      return std::nullopt;
    }
    case ActionKind::Query: {
      round.polled = true;
      std::string before = job.status.attempts.back().state.value_or("");
      recordQuery(job, flow.queryJob(*job.status.attempts.back().fateJobId), now);
      const auto& attempt = job.status.attempts.back();
      std::string after = attempt.state.value_or("");
      if (after == before) return std::nullopt;
      bool bad = isFinished(attempt) && after != "success";
      return StepEvent{bad, bad ? "AttemptFailed" : "FateJobState",
                       "FATE job " + attempt.fateJobId.value_or("") + " is " + after};
    }
    case ActionKind::Stop: {
      std::string id = *job.status.attempts.back().fateJobId;
      bool confirmed = recordStop(job, flow.stop(id), action.stopCause, now);
      if (!confirmed) {
        round.stopFailed = true;
        return warning("StopFailed",
                       "FATE job " + id + ": " + job.status.attempts.back().message.value_or(""));
      }
      return normal("Stopped", "FATE job " + id + " " + std::string(stopMessage(action.stopCause)));
    }
    case ActionKind::ResetPublish:
      resetPublish(job);
      return std::nullopt;
    case ActionKind::Deploy: {
      const auto& model = *job.status.model;
      fateflow::FanOutResult result = flow.deploy(model.modelId, model.modelVersion);
      if (!recordDeploy(job, result)) {
        round.publishCallFailed = true;
        return warning("DeployFailed", "deploy " + model.modelId + " " + model.modelVersion + ": " +
                                           failedParties(result));
      }
      return normal("Deployed", "model " + model.modelId + " " + model.modelVersion +
                                    " deployed as " + *result.modelVersion);
    }
    case ActionKind::Load: {
      auto model = modelToPublish(job);
      if (!model) throw Error("load without a model version to publish");
      fateflow::FanOutResult result =
          flow.load(initiatorOf(job.spec), roleMapOf(action.parties), *model);
      if (!recordLoad(job, result)) {
        round.publishCallFailed = true;
        return warning("LoadFailed", "load " + model->modelVersion + " on " +
                                         partyList(action.parties) + ": " + failedParties(result));
      }
      return normal("Loaded",
                    "model " + model->modelVersion + " loaded on " + partyList(action.parties));
    }
    case ActionKind::Bind: {
      auto model = modelToPublish(job);
      if (!model) throw Error("bind without a model version to publish");
      const std::string& serviceId = job.spec.fate->publish->serviceId;
      fateflow::Envelope answer =
          flow.bind(serviceId, initiatorOf(job.spec), rolesOf(job.spec), *model);
      if (!recordBind(job, answer)) {
        round.publishCallFailed = true;
        return warning("BindFailed", "bind " + serviceId + ": retcode " +
                                         std::to_string(answer.retcode) + " " + answer.retmsg);
      }
      return normal("Bound", "service id " + serviceId + " bound to " + model->modelVersion);
    }
    default:
      throw Error("not a FATE-Flow step: " + std::string(actionName(action.kind)));
  }
}

}  // namespace flop::federatedjob
