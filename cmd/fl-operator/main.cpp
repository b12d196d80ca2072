// fl-operator: the controller manager, and (as `fl-operator scheduler-proxy ...`) the management
// sidecar that the FLCluster controller puts beside each MindSpore FL scheduler.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "flop/federatedjob/controller.hpp"
#include "flop/federatedjob/flags.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/flcluster/scheduler_proxy.hpp"
#include "flop/manager/manager.hpp"
#include "flop/manager/run.hpp"
#include "flop/modelmigration/controller.hpp"

namespace {

// The operator's own image: it runs fl-model in the ModelMigration step Jobs and the scheduler
// management sidecar. The chart and kustomize pass it in FLOP_STEP_IMAGE.
std::string ownImage() {
  const char* image = std::getenv("FLOP_STEP_IMAGE");
  return image && *image ? image : "fl-operator:" FLOP_VERSION;
}

// The FederatedJob controller's timings (--federatedjob-*), taken out of argv in main().
flop::federatedjob::Options& federatedJobOptions() {
  static flop::federatedjob::Options options;
  return options;
}

void registerControllers(flop::manager::Manager& manager) {
  flop::flcluster::Options clusters;
  clusters.children.sidecarImage = ownImage();
  flop::flcluster::registerController(manager, clusters);
  auto jobs = federatedJobOptions();
  jobs.managementSidecarPort = clusters.children.sidecarPort;
  flop::federatedjob::registerController(manager, jobs);
  flop::modelmigration::Options migration;
  migration.defaultStepImage = ownImage();
  flop::modelmigration::registerController(manager, migration);
}

int schedulerProxy(const std::vector<std::string>& args) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);
  try {
    return flop::flcluster::runSchedulerProxy(flop::flcluster::parseProxyFlags(args), *stop);
  } catch (const flop::Error& e) {
    std::fprintf(stderr, "fl-operator scheduler-proxy: %s\n", e.what());
    return 2;
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc > 1 && std::string(argv[1]) == "scheduler-proxy")
    return schedulerProxy(std::vector<std::string>(argv + 2, argv + argc));
  std::vector<std::string> args;
  try {
    args = flop::federatedjob::takeFlags(std::vector<std::string>(argv + 1, argv + argc),
                                         federatedJobOptions());
  } catch (const flop::Error& e) {
    std::fprintf(stderr, "fl-operator: %s\n%s", e.what(), flop::federatedjob::flagsUsage().c_str());
    return 2;
  }
  std::vector<char*> managerArgv{argv[0]};
  for (auto& arg : args) managerArgv.push_back(arg.data());
  const int code = flop::manager::runOperator(static_cast<int>(managerArgv.size()),
                                              managerArgv.data(), registerControllers);
  for (const auto& arg : args) {
    if (code == 0 && (arg == "--help" || arg == "-h"))
      std::fputs(flop::federatedjob::flagsUsage().c_str(), stdout);
  }
  return code;
}
