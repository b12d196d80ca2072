#include "flop/kube/events.hpp"

#include <cstdio>

#include <spdlog/spdlog.h>

#include "flop/kube/leader_election.hpp"

namespace flop::kube {
using namespace std::chrono;

namespace {
std::string join(std::initializer_list<std::string_view> parts) {
  std::string out;
  for (auto p : parts) {
    if (!out.empty()) out += '\x1f';  // a separator that cannot appear in names
    out += p;
  }
  return out;
}
}  // namespace

EventDecision EventAggregator::decide(const std::string& objectKey, const std::string& type,
                                      const std::string& reason, const std::string& message,
                                      const std::string& newName, Clock::time_point now) {
  EventDecision decision;
  // Per-object token bucket: drop when the object has used up its burst.
  auto [bucketIt, fresh] = buckets_.try_emplace(objectKey, Bucket{double(options_.burst), now});
  Bucket& bucket = bucketIt->second;
  if (!fresh && now > bucket.last) {
    bucket.tokens =
        std::min<double>(options_.burst, bucket.tokens + duration<double>(now - bucket.last) /
                                                             duration<double>(options_.refill));
    bucket.last = now;
  }
  if (bucket.tokens < 1) {
    decision.action = EventDecision::Action::Drop;
    return decision;
  }
  bucket.tokens -= 1;

  // Many distinct messages for the same reason collapse into one combined event.
  std::string effectiveMessage = message;
  std::string messageKey = message;
  auto& similar = similar_[join({objectKey, type, reason})];
  for (auto it = similar.messages.begin(); it != similar.messages.end();) {
    if (now - it->second > options_.window)
      it = similar.messages.erase(it);
    else
      ++it;
  }
  similar.messages[message] = now;
  if (static_cast<int>(similar.messages.size()) > options_.similarThreshold) {
    effectiveMessage = "(combined from similar events): " + message;
    messageKey = "\x1e combined";
  }

  auto& seen = seen_[join({objectKey, type, reason, messageKey})];
  if (seen.count > 0 && now - seen.last <= options_.window) {
    ++seen.count;
    seen.last = now;
    decision.action = EventDecision::Action::Patch;
  } else {
    seen = Seen{newName, 1, now, now};
    decision.action = EventDecision::Action::Create;
  }
  decision.eventName = seen.name;
  decision.count = seen.count;
  decision.message = effectiveMessage;
  decision.firstTimestamp = seen.first;
  return decision;
}

void EventAggregator::forget(const std::string& objectKey, const std::string& type,
                             const std::string& reason, const std::string& message) {
  seen_.erase(join({objectKey, type, reason, message}));
  seen_.erase(join({objectKey, type, reason, "\x1e combined"}));
}

EventRecorder::EventRecorder(const Client& client, EventSource source,
                             EventAggregator::Options options)
    : client_(client), source_(std::move(source)), aggregator_(options) {}

void EventRecorder::record(const Json& object, const std::string& type, const std::string& reason,
                           const std::string& message) {
  const std::string ns = namespaceOf(object).empty() ? "default" : namespaceOf(object);
  const std::string objectKey = uidOf(object).empty()
                                    ? object.value("kind", "") + "/" + ObjectKey::of(object).str()
                                    : uidOf(object);
  const auto now = system_clock::now();
  char suffix[24];
  std::snprintf(suffix, sizeof suffix, ".%llx",
                static_cast<unsigned long long>(now.time_since_epoch().count()));
  EventDecision decision;
  {
    std::lock_guard lock(mutex_);
    decision = aggregator_.decide(objectKey, type, reason, message, nameOf(object) + suffix, now);
  }
  if (decision.action == EventDecision::Action::Drop) {
    spdlog::debug("event dropped by rate limit object={} reason={}", objectKey, reason);
    return;
  }
  try {
    if (decision.action == EventDecision::Action::Patch) {
      Json patch{{"count", decision.count},
                 {"lastTimestamp", formatTime(now)},
                 {"message", decision.message}};
      try {
        client_.patch(resources::events, ns, decision.eventName, PatchType::MergePatch, patch);
        return;
      } catch (const ApiError& e) {
        if (!isNotFound(e)) throw;
        std::lock_guard lock(mutex_);
        aggregator_.forget(objectKey, type, reason, message);
      }
    }
    Json event{{"apiVersion", "v1"},
               {"kind", "Event"},
               {"metadata", {{"name", decision.eventName}, {"namespace", ns}}},
               {"involvedObject",
                {{"apiVersion", object.value("apiVersion", "")},
                 {"kind", object.value("kind", "")},
                 {"name", nameOf(object)},
                 {"namespace", namespaceOf(object)},
                 {"uid", uidOf(object)},
                 {"resourceVersion", resourceVersionOf(object)}}},
               {"type", type},
               {"reason", reason},
               {"message", decision.message},
               {"source", {{"component", source_.component}, {"host", source_.host}}},
               {"reportingComponent", source_.component},
               {"reportingInstance", source_.host},
               {"firstTimestamp", formatTime(decision.firstTimestamp)},
               {"lastTimestamp", formatTime(now)},
               {"count", decision.count}};
    client_.create(resources::events, event);
  } catch (const std::exception& e) {
    spdlog::warn("could not record event object={} reason={} error={}", ObjectKey::of(object).str(),
                 reason, e.what());
  }
}

}  // namespace flop::kube
