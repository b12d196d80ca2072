#pragma once
// Writes a FederatedJob's conditions with its generation and tells whether anything changed.
// Ready/Validated/... are always present; Reconciling and Stalled (kstatus "abnormal-true") only
// while True.
#include <string>
#include <string_view>

#include "flop/api/conditions.hpp"
#include "flop/api/federatedjob.hpp"
#include "flop/federatedjob/decision.hpp"

namespace flop::federatedjob {

class ConditionWriter {
 public:
  ConditionWriter(api::FederatedJob& job, Clock::time_point now) : job_(job), now_(now) {}
  void set(std::string_view type, bool value, std::string reason, std::string message) {
    api::Condition wanted;
    wanted.type = std::string(type);
    wanted.status =
        std::string(value ? api::condition_status::kTrue : api::condition_status::kFalse);
    wanted.reason = std::move(reason);
    wanted.message = std::move(message);
    wanted.observedGeneration = job_.metadata.generation;
    changed_ |= api::set_condition(job_.status.conditions, std::move(wanted), now_);
  }
  void abnormal(std::string_view type, bool value, std::string reason, std::string message) {
    if (value) {
      set(type, true, std::move(reason), std::move(message));
    } else {
      changed_ |= api::remove_condition(job_.status.conditions, type);
    }
  }
  bool changed() const { return changed_; }

  // observedGeneration, then Validated from specProblem(); an invalid spec also sets Ready=False
  // and Stalled=True. Returns false when the spec is invalid (nothing else to summarize).
  bool validate(bool& statusChanged) {
    auto& status = job_.status;
    statusChanged |= status.observedGeneration != job_.metadata.generation;
    status.observedGeneration = job_.metadata.generation;
    if (auto invalid = specProblem(job_.spec)) {
      set(api::condition_type::kValidated, false, "InvalidSpec", *invalid);
      set(api::condition_type::kReady, false, "InvalidSpec", *invalid);
      abnormal(api::condition_type::kStalled, true, "InvalidSpec", *invalid);
      abnormal(api::condition_type::kReconciling, false, "", "");
      return false;
    }
    set(api::condition_type::kValidated, true, "Valid", "spec accepted");
    return true;
  }

 private:
  api::FederatedJob& job_;
  Clock::time_point now_;
  bool changed_ = false;
};

}  // namespace flop::federatedjob
