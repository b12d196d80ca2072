#pragma once
// State of one FederatedJob reconcile: the object as the server has it and as we are changing it.
#include <string>

#include <nlohmann/json.hpp>

#include "flop/api/federatedjob.hpp"
#include "flop/federatedjob/controller.hpp"
#include "flop/federatedjob/decision.hpp"

namespace flop::federatedjob {

struct FederatedJobReconciler::Round {
  std::string ns;
  std::string name;
  nlohmann::json served;  // last object read from / written to the server
  api::FederatedJob job;
  Context context;
};

}  // namespace flop::federatedjob
