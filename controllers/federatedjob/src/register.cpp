#include "flop/federatedjob/controller.hpp"
#include "flop/manager/manager.hpp"

namespace flop::federatedjob {

void registerController(manager::Manager& manager, Options options) {
  auto reconciler = std::make_shared<FederatedJobReconciler>(
      manager.client(), &manager.eventRecorder(), std::move(options));
  auto& jobs = manager.informers().informerFor(federatedJobResource());
  manager
      .add(std::make_unique<kube::Controller>("federatedjob", std::move(reconciler),
                                              manager.controllerOptions()))
      .watchesSelf(jobs);
}

}  // namespace flop::federatedjob
