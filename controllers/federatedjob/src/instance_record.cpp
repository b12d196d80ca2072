#include "flop/api/conditions.hpp"
#include "flop/federatedjob/instance.hpp"

namespace flop::federatedjob {
namespace {

// Scheduler refusals meaning "nothing was done, try again when READY" (§3 of the reference: the
// READY check, and the connection-count check of later sources).
bool notReadyRefusal(const std::string& message) {
  return message == "The cluster is not ready." ||
         message.rfind("The Scheduler's connections are not equal", 0) == 0;
}

api::JobAttempt& current(api::FederatedJob& job) {
  if (job.status.attempts.empty()) throw Error("FederatedJob has no attempt to record into");
  return job.status.attempts.back();
}

api::MindSporeInstanceStatus& instanceStatus(api::FederatedJob& job) {
  if (!job.status.mindspore) job.status.mindspore.emplace();
  return *job.status.mindspore;
}

constexpr std::size_t kMaxReply = 1024;
constexpr std::size_t kMaxMessage = 4000;

std::string clip(std::string text, std::size_t limit) {
  if (text.size() > limit) text.resize(limit);
  return text;
}

void recordRanks(api::FederatedJob& job, const std::vector<std::string>& results) {
  auto& ranks = instanceStatus(job).ranks;
  ranks.clear();
  for (std::size_t rank = 0; rank < results.size() && rank < 256; ++rank) {
    ranks.push_back({static_cast<std::int32_t>(rank), clip(results[rank], kMaxReply)});
  }
}

// "rank 1: <reply>; rank 3: <reply>" for every rank that did not confirm, verbatim.
std::string rankErrors(const std::vector<std::string>& results) {
  std::string text;
  for (std::size_t rank = 0; rank < results.size(); ++rank) {
    if (rankReplyOk(results[rank])) continue;
    if (!text.empty()) text += "; ";
    text += "rank " + std::to_string(rank) + ": " + results[rank];
  }
  return text;
}

void finish(api::JobAttempt& attempt, std::string_view state, std::string message,
            Clock::time_point now) {
  attempt.state = std::string(state);
  attempt.message = clip(std::move(message), kMaxMessage);
  if (!attempt.completionTime) attempt.completionTime = api::format_time(now);
}

}  // namespace

void recordInstanceAttempt(api::FederatedJob& job, Clock::time_point now) {
  auto& status = job.status;
  const auto digest = hyperParametersDigest(job.spec.mindspore->hyperParameters);
  auto& instance = instanceStatus(job);
  // A new set of hyper-parameters starts the clocks afresh (deadline, completion, TTL).
  if (!status.startTime || instance.hyperParametersDigest != digest) {
    status.startTime = api::format_time(now);
  }
  status.completionTime.reset();
  instance.hyperParametersDigest = digest;
  instance.serversEnabled.reset();
  instance.lastQueryTime.reset();
  instance.ranks.clear();
  // A "not ready" refusal did nothing: its entry is reused, so a flapping cluster does not fill
  // the attempt list.
  if (!status.attempts.empty() &&
      status.attempts.back().state.value_or("") == instance_state::kNotReady) {
    status.attempts.pop_back();
  }
  api::JobAttempt attempt;
  attempt.index = static_cast<std::int32_t>(status.attempts.size()) + 1;
  attempt.startTime = api::format_time(now);
  status.attempts.push_back(std::move(attempt));
}

void recordNewInstance(api::FederatedJob& job, const flcluster::InstanceReply& reply,
                       Clock::time_point now) {
  auto& attempt = current(job);
  if (!reply.outcome.accepted) {
    const auto& message = reply.outcome.message;
    finish(attempt,
           notReadyRefusal(message) ? instance_state::kNotReady : instance_state::kRejected,
           "/newInstance: " + message, now);
    return;
  }
  recordRanks(job, reply.results);
  auto errors = rankErrors(reply.results);
  if (!errors.empty()) {
    finish(attempt, instance_state::kRejected, "/newInstance: " + errors, now);
    return;
  }
  attempt.state = std::string(instance_state::kAccepted);
  attempt.message = "/newInstance accepted by " + std::to_string(reply.results.size()) +
                    " server rank(s): " + reply.outcome.message;
}

void recordInstanceUnknown(api::FederatedJob& job, std::string why) {
  auto& attempt = current(job);
  attempt.state = std::string(instance_state::kUnknown);
  attempt.message = clip(std::move(why), kMaxMessage);
}

std::optional<std::string> recordQueryInstance(api::FederatedJob& job,
                                               const flcluster::InstanceReply& reply,
                                               Clock::time_point now) {
  auto& attempt = current(job);
  instanceStatus(job).lastQueryTime = api::format_time(now);
  if (!reply.outcome.accepted) {
    attempt.message = clip("/queryInstance: " + reply.outcome.message, kMaxMessage);
    return reply.outcome.message;
  }
  recordRanks(job, reply.results);
  auto errors = rankErrors(reply.results);
  if (reply.results.empty()) {
    attempt.message = "/queryInstance: no server rank answered";
  } else if (!errors.empty()) {
    attempt.message = clip("/queryInstance: " + errors, kMaxMessage);
  } else {
    finish(attempt, instance_state::kEstablished,
           "instance established on " + std::to_string(reply.results.size()) + " server rank(s)",
           now);
  }
  return std::nullopt;
}

bool recordServers(api::FederatedJob& job, bool enabled, const flcluster::CallOutcome& outcome) {
  // Later sources keep the FLS state and refuse a repeated call: the state is what we wanted.
  const bool already = outcome.message == (enabled ? "The instance has already been enabled."
                                                   : "The instance has already been disabled.");
  if (!outcome.accepted && !already) return false;
  instanceStatus(job).serversEnabled = enabled;
  return true;
}

}  // namespace flop::federatedjob
