#pragma once
// Kubernetes Events for users (`kubectl describe`), with client-go's protections: the same
// event repeated within the window is one Event with a growing count (a PATCH, not a new
// object); more than `similarThreshold` distinct messages with the same reason are combined;
// and each object has a token bucket so a hot loop cannot flood the API server.
#include <chrono>
#include <map>
#include <mutex>
#include <optional>
#include <string>

#include "flop/kube/client.hpp"

namespace flop::kube {

struct EventDecision {
  enum class Action { Create, Patch, Drop };
  Action action = Action::Create;
  std::string eventName;  // existing Event to patch, or the name to create
  int count = 1;
  std::string message;  // possibly "(combined from similar events): ..."
  std::chrono::system_clock::time_point firstTimestamp;
};

// Pure bookkeeping (no I/O), so the policy is unit-testable.
class EventAggregator {
 public:
  using Clock = std::chrono::system_clock;
  struct Options {
    std::chrono::seconds window{600};
    int similarThreshold = 10;
    int burst = 25;                    // per object
    std::chrono::seconds refill{300};  // one token per refill period
  };
  EventAggregator() : EventAggregator(Options{}) {}
  explicit EventAggregator(Options options) : options_(options) {}

  // objectKey identifies the involved object (uid or kind/ns/name); newName is used if a new
  // Event is created.
  EventDecision decide(const std::string& objectKey, const std::string& type,
                       const std::string& reason, const std::string& message,
                       const std::string& newName, Clock::time_point now);
  // Forget an event the server no longer has (patch answered 404).
  void forget(const std::string& objectKey, const std::string& type, const std::string& reason,
              const std::string& message);

 private:
  struct Seen {
    std::string name;
    int count = 0;
    Clock::time_point first, last;
  };
  struct Similar {
    std::map<std::string, Clock::time_point> messages;
  };
  struct Bucket {
    double tokens;
    Clock::time_point last;
  };
  Options options_;
  std::map<std::string, Seen> seen_;        // object|type|reason|message
  std::map<std::string, Similar> similar_;  // object|type|reason
  std::map<std::string, Bucket> buckets_;   // object
};

struct EventSource {
  std::string component;  // "fl-operator"
  std::string host;
};

class EventRecorder {
 public:
  EventRecorder(const Client& client, EventSource source,
                EventAggregator::Options options = EventAggregator::Options{});
  // Never throws: an event that cannot be written is logged and dropped.
  void normal(const Json& object, const std::string& reason, const std::string& message) {
    record(object, "Normal", reason, message);
  }
  void warning(const Json& object, const std::string& reason, const std::string& message) {
    record(object, "Warning", reason, message);
  }
  void record(const Json& object, const std::string& type, const std::string& reason,
              const std::string& message);

 private:
  const Client& client_;
  EventSource source_;
  std::mutex mutex_;
  EventAggregator aggregator_;
};

}  // namespace flop::kube
