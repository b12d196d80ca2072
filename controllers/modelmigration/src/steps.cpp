#include "flop/modelmigration/steps.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

namespace flop::modelmigration {
namespace {

constexpr std::size_t kMaxRetmsg = 1024;

std::string capitalized(std::string_view word) {
  std::string out(word);
  if (!out.empty()) out[0] = static_cast<char>(out[0] - 'a' + 'A');
  return out;
}

std::string partyLabel(const PartyMigration& party) {
  return party.role + " " + std::to_string(party.sourcePartyId);
}

std::optional<std::chrono::duration<double>> durationOf(const ObservedJob& job) {
  if (!job.startTime || !job.completionTime) return std::nullopt;
  return std::chrono::duration<double>(*job.completionTime - *job.startTime);
}

// The one party entry of a fan-out result, data.detail.<role>.<party>, if there is exactly one.
const nlohmann::json* singleDetail(const nlohmann::json& data) {
  auto detail = data.find("detail");
  if (detail == data.end() || !detail->is_object() || detail->size() != 1) return nullptr;
  const auto& parties = detail->begin().value();
  if (!parties.is_object() || parties.size() != 1) return nullptr;
  return &parties.begin().value();
}

// Reads a field from the top level, FATE's `data` object, or its single per-party detail.
const nlohmann::json* field(const nlohmann::json& doc, const char* name) {
  if (auto it = doc.find(name); it != doc.end() && !it->is_null()) return &*it;
  auto data = doc.find("data");
  if (data == doc.end() || !data->is_object()) return nullptr;
  if (auto it = data->find(name); it != data->end() && !it->is_null()) return &*it;
  if (const auto* party = singleDetail(*data); party && party->is_object()) {
    if (auto it = party->find(name); it != party->end() && !it->is_null()) return &*it;
  }
  return nullptr;
}

std::string truncated(std::string_view text) {
  if (text.size() <= kMaxRetmsg) return std::string(text);
  return std::string(text.substr(0, kMaxRetmsg)) + "...";
}

}  // namespace

std::string_view stepName(Step step) {
  switch (step) {
    case Step::Transfer:
      return "transfer";
    case Step::Migrate:
      return "migrate";
    case Step::Import:
      return "import";
  }
  return "unknown";
}

std::optional<Step> stepFromName(std::string_view name) {
  for (Step step : kStepOrder) {
    if (stepName(step) == name) return step;
  }
  return std::nullopt;
}

std::string_view phaseName(StepPhase phase) {
  switch (phase) {
    case StepPhase::Pending:
      return "Pending";
    case StepPhase::Running:
      return "Running";
    case StepPhase::Succeeded:
      return "Succeeded";
    case StepPhase::Failed:
      return "Failed";
    case StepPhase::Skipped:
      return "Skipped";
  }
  return "Unknown";
}

std::optional<StepPhase> phaseFromName(std::string_view name) {
  for (StepPhase phase : {StepPhase::Pending, StepPhase::Running, StepPhase::Succeeded,
                          StepPhase::Failed, StepPhase::Skipped}) {
    if (phaseName(phase) == name) return phase;
  }
  return std::nullopt;
}

std::string_view partyPhaseName(PartyPhase phase) {
  switch (phase) {
    case PartyPhase::Pending:
      return "Pending";
    case PartyPhase::Running:
      return "Running";
    case PartyPhase::Succeeded:
      return "Succeeded";
    case PartyPhase::Failed:
      return "Failed";
  }
  return "Unknown";
}

StepResult parseTerminationMessage(std::string_view message) {
  StepResult result;
  if (message.find_first_not_of(" \t\r\n") == std::string_view::npos) return result;
  const auto doc = nlohmann::json::parse(message, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    result.retmsg = truncated(message);
    return result;
  }
  if (const auto* v = field(doc, "sha256"); v && v->is_string())
    result.sha256 = v->get<std::string>();
  if (const auto* v = field(doc, "bytes"); v && v->is_number_integer()) {
    result.bytes = v->get<std::int64_t>();
  }
  for (const char* name : {"path", "file", "artifact"}) {
    if (const auto* v = field(doc, name); v && v->is_string()) {
      result.artifactPath = v->get<std::string>();
      break;
    }
  }
  if (auto it = doc.find("retcode"); it != doc.end() && it->is_number_integer()) {
    result.retcode = it->get<int>();
  }
  if (auto it = doc.find("retmsg"); it != doc.end() && it->is_string()) {
    result.retmsg = truncated(it->get<std::string>());
  }
  // A fan-out's top-level retmsg is just "failed"; the party's own one says why.
  if (auto data = doc.find("data"); data != doc.end() && data->is_object()) {
    if (const auto* party = singleDetail(*data); party && party->is_object()) {
      const auto code = party->find("retcode");
      const auto msg = party->find("retmsg");
      if (code != party->end() && code->is_number_integer() && code->get<int>() != 0 &&
          msg != party->end() && msg->is_string()) {
        result.retmsg = truncated(msg->get<std::string>());
      }
    }
  }
  return result;
}

std::array<StepState, 3> initialSteps() {
  std::array<StepState, 3> steps;
  for (std::size_t i = 0; i < steps.size(); ++i) steps[i].step = kStepOrder[i];
  return steps;
}

PartyPhase PartyState::phase() const {
  bool allDone = true;
  bool anyStarted = false;
  for (const auto& step : steps) {
    if (step.phase == StepPhase::Failed) return PartyPhase::Failed;
    if (step.phase != StepPhase::Succeeded && step.phase != StepPhase::Skipped) allDone = false;
    if (step.phase == StepPhase::Running || step.phase == StepPhase::Succeeded) anyStarted = true;
  }
  if (allDone) return PartyPhase::Succeeded;
  return anyStarted ? PartyPhase::Running : PartyPhase::Pending;
}

PartyAdvance advanceParty(const PartyState& recorded, const std::vector<ObservedJob>& jobs,
                          const StepPolicy& policy, const JobNamer& jobName, Timestamp now) {
  PartyAdvance out{recorded, std::nullopt, {}};
  const PartyMigration& party = recorded.party;
  const int maxAttempts = std::max(1, policy.maxAttempts);

  auto startAttempt = [&](StepState& state, int attempt, std::string reason) {
    const bool isNew = attempt > state.attempts;
    state.attempts = std::max(state.attempts, attempt);
    state.phase = StepPhase::Running;
    state.jobName = jobName(party, state.step, attempt);
    if (isNew) {
      state.startTime = now;
      state.completionTime.reset();
      state.reason = std::move(reason);
      state.message = std::string(stepName(state.step)) + " attempt " + std::to_string(attempt) +
                      " started for " + partyLabel(party);
      out.events.push_back({state.step, attempt,
                            attempt == 1 ? StepEvent::Kind::Started : StepEvent::Kind::Retrying,
                            state.reason, state.message, std::nullopt, std::nullopt});
    }
    out.create = StepAttempt{state.step, attempt};
  };

  for (Step step : kStepOrder) {
    StepState& state = out.state.at(step);
    if (step == Step::Import && !policy.importEnabled) {
      state.phase = StepPhase::Skipped;
      continue;
    }
    if (state.phase == StepPhase::Succeeded) continue;  // status is the memory

    std::vector<const ObservedJob*> mine;
    for (const auto& job : jobs) {
      if (job.step == step) mine.push_back(&job);
    }
    std::sort(mine.begin(), mine.end(),
              [](const ObservedJob* a, const ObservedJob* b) { return a->attempt < b->attempt; });

    const ObservedJob* succeeded = nullptr;
    for (const ObservedJob* job : mine) {
      if (job->outcome != ObservedJob::Outcome::Succeeded) continue;
      const StepResult result = parseTerminationMessage(job->terminationMessage);
      if (result.retcode.value_or(0) == 0) succeeded = job;
    }
    if (succeeded) {
      state.attempts = std::max(state.attempts, succeeded->attempt);
      state.phase = StepPhase::Succeeded;
      state.jobName = succeeded->name;
      state.startTime = succeeded->startTime ? succeeded->startTime : state.startTime;
      state.completionTime = succeeded->completionTime ? succeeded->completionTime : now;
      state.result = parseTerminationMessage(succeeded->terminationMessage);
      state.reason = capitalized(stepName(step)) + "Succeeded";
      state.message = std::string(stepName(step)) + " succeeded for " + partyLabel(party);
      out.events.push_back({step, succeeded->attempt, StepEvent::Kind::Succeeded, state.reason,
                            state.message, durationOf(*succeeded), state.result.bytes});
      continue;
    }

    const ObservedJob* latest = mine.empty() ? nullptr : mine.back();
    state.attempts = std::max(state.attempts, latest ? latest->attempt : 0);

    if (latest && latest->attempt == state.attempts) {
      if (latest->outcome == ObservedJob::Outcome::Active) {
        const bool wasRunning = state.phase == StepPhase::Running;
        state.phase = StepPhase::Running;
        state.jobName = latest->name;
        if (latest->startTime) state.startTime = latest->startTime;
        if (!wasRunning) {
          state.reason = capitalized(stepName(step)) + "Running";
          state.message = std::string(stepName(step)) + " running for " + partyLabel(party);
        }
        return out;
      }
      // The current attempt failed (Job failed, or it exited 0 but reported retcode != 0).
      const StepResult result = parseTerminationMessage(latest->terminationMessage);
      const bool alreadyRecorded =
          state.phase == StepPhase::Failed && state.jobName == latest->name;
      std::string why =
          latest->failureReason.empty() ? "StepReportedFailure" : latest->failureReason;
      std::string detail = result.retmsg.value_or(latest->failureMessage);
      if (result.retcode) detail = "retcode " + std::to_string(*result.retcode) + ": " + detail;
      state.result = result;
      state.jobName = latest->name;
      state.completionTime = latest->completionTime ? latest->completionTime : now;
      state.reason = capitalized(stepName(step)) + "Failed";
      state.message = std::string(stepName(step)) + " attempt " + std::to_string(latest->attempt) +
                      " failed for " + partyLabel(party) + " (" + why + ")" +
                      (detail.empty() ? "" : ": " + detail);
      if (state.attempts < maxAttempts) {
        const std::string failedMessage = state.message;
        out.events.push_back({step, latest->attempt, StepEvent::Kind::Failed, state.reason,
                              failedMessage, durationOf(*latest), std::nullopt});
        startAttempt(state, state.attempts + 1, capitalized(stepName(step)) + "Retrying");
        out.state.at(step).message = failedMessage + "; retrying";
        return out;
      }
      state.phase = StepPhase::Failed;
      if (!alreadyRecorded) {
        out.events.push_back({step, latest->attempt, StepEvent::Kind::Failed, state.reason,
                              state.message, durationOf(*latest), std::nullopt});
      }
      return out;
    }

    // No Job for the current attempt in the cache.
    if (state.phase == StepPhase::Failed) {
      if (state.attempts >= maxAttempts) return out;  // terminal; the Job may be gone (TTL)
      startAttempt(state, state.attempts + 1, capitalized(stepName(step)) + "Retrying");
      return out;
    }
    // Attempt 1, or re-issuing a recorded attempt whose Job the cache does not show yet: the
    // deterministic name makes the second create an AlreadyExists, never a second Job.
    startAttempt(state, std::max(state.attempts, 1), capitalized(stepName(step)) + "Started");
    return out;
  }
  return out;
}

}  // namespace flop::modelmigration
