// An operator process running only the FederatedJob controller, for this controller's e2e tests
// (the product binary registers every controller in cmd/fl-operator). Accepts the manager's
// flags, the controller's --federatedjob-* timing flags (flop/federatedjob/flags.hpp; the tests
// shorten polls and retries to fit their time budget), plus:
//   --with-flcluster   also run the FLCluster controller (MindSpore instances need its status)
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "flop/federatedjob/controller.hpp"
#include "flop/federatedjob/flags.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"

int main(int argc, char** argv) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);
  try {
    flop::federatedjob::Options controller;
    std::vector<std::string> managerArgs;
    bool withFlCluster = false;
    for (auto& arg : flop::federatedjob::takeFlags(std::vector<std::string>(argv + 1, argv + argc),
                                                   controller)) {
      if (arg == "--with-flcluster") {
        withFlCluster = true;
      } else {
        managerArgs.push_back(std::move(arg));
      }
    }
    auto options = flop::manager::parseFlags(managerArgs);
    flop::manager::setupLogging(options.logLevel, options.logFormat);
    flop::manager::Manager manager(options);
    if (withFlCluster) flop::flcluster::registerController(manager);
    flop::federatedjob::registerController(manager, controller);
    return manager.run(*stop);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "federatedjob e2e operator: %s\n", e.what());
    return 1;
  }
}
