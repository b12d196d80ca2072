#include "flop/federatedjob/instance.hpp"

namespace flop::federatedjob {
namespace {

StepEvent normal(std::string reason, std::string message) {
  return StepEvent{false, std::move(reason), std::move(message)};
}
StepEvent warning(std::string reason, std::string message) {
  return StepEvent{true, std::move(reason), std::move(message)};
}

std::string label(const api::FederatedJob& job) {
  return "attempt " + std::to_string(job.status.attempts.back().index);
}

}  // namespace

InstanceStepResult performInstanceStep(const Action& action, api::FederatedJob& job,
                                       flcluster::SchedulerClient* client, RoundMemory& round,
                                       Clock::time_point now) {
  InstanceStepResult result;
  if (!client && action.kind != ActionKind::InstanceUnknown) {
    throw Error("no scheduler to perform " + std::string(actionName(action.kind)));
  }
  switch (action.kind) {
    case ActionKind::NewInstance: {
      // From here on this attempt is never posted again, whatever happens to the answer.
      round.attemptRecorded = false;
      flcluster::InstanceReply reply;
      try {
        reply = client->newInstance(job.spec.mindspore->hyperParameters.dump());
      } catch (const Error& error) {
        recordInstanceUnknown(job, "/newInstance sent, no answer (" + std::string(error.what()) +
                                       "); following /queryInstance, never posting again");
        throw;
      }
      recordNewInstance(job, reply, now);
      const auto& attempt = job.status.attempts.back();
      if (instanceLive(attempt)) {
        result.event = normal("InstanceCreated", label(job) + ": " + attempt.message.value_or(""));
      } else {
        result.event =
            warning("InstanceRejected", label(job) + ": " + attempt.message.value_or(""));
      }
      return result;
    }
    case ActionKind::InstanceUnknown:
      recordInstanceUnknown(job,
                            "recorded in an earlier reconcile without an answer (operator "
                            "restart?); following /queryInstance, never posting again");
      result.event = warning("InstanceOutcomeUnknown",
                             label(job) + ": /newInstance may or may not have been sent");
      return result;
    case ActionKind::QueryInstance: {
      round.instanceQueried = true;
      auto refused = recordQueryInstance(job, client->queryInstance(), now);
      if (refused) {
        result.problem = Unavailability{"QueryInstanceFailed", "/queryInstance: " + *refused};
      } else if (job.status.attempts.back().state == instance_state::kEstablished) {
        result.event = normal("InstanceEstablished",
                              label(job) + ": " + job.status.attempts.back().message.value_or(""));
      }
      return result;
    }
    case ActionKind::DisableServers:
    case ActionKind::EnableServers: {
      const bool enable = action.kind == ActionKind::EnableServers;
      const std::string path = enable ? "/enableFLS" : "/disableFLS";
      auto outcome = enable ? client->enableFls() : client->disableFls();
      if (!recordServers(job, enable, outcome)) {
        round.serversCallFailed = true;
        result.problem = Unavailability{enable ? "EnableFLSFailed" : "DisableFLSFailed",
                                        path + ": " + outcome.message};
        return result;
      }
      result.event = normal(enable ? "ServersEnabled" : "ServersDisabled",
                            path + " accepted: " + outcome.message);
      return result;
    }
    default:
      throw Error("not a scheduler step: " + std::string(actionName(action.kind)));
  }
}

}  // namespace flop::federatedjob
