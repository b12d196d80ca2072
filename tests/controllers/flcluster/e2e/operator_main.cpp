// An fl-operator with only the FLCluster controller, for the e2e tests of this controller while
// (or in case) the product binary wires it differently. Accepts the manager's flags plus:
//   --scheduler-has-rollback         the scheduler double runs with /scaleoutRollback
//   --scheduler-timeout-ms=N         per-call timeout towards the scheduler
//   --peer-stall-after-s=N           Stalled after a peer has been unreachable this long
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include <spdlog/spdlog.h>

#include "flop/flcluster/controller.hpp"
#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"

int main(int argc, char** argv) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);
  flop::flcluster::Options controllerOptions;
  std::vector<std::string> managerArgs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--scheduler-has-rollback") {
      controllerOptions.schedulerHasRollback = true;
    } else if (arg.rfind("--scheduler-timeout-ms=", 0) == 0) {
      controllerOptions.schedulerTimeout = std::chrono::milliseconds(std::stol(arg.substr(23)));
    } else if (arg.rfind("--peer-stall-after-s=", 0) == 0) {
      controllerOptions.peerStallAfter = std::chrono::seconds(std::stol(arg.substr(21)));
    } else {
      managerArgs.push_back(arg);
    }
  }
  try {
    auto options = flop::manager::parseFlags(managerArgs);
    flop::manager::setupLogging(options.logLevel, options.logFormat);
    flop::manager::Manager manager(options);
    flop::flcluster::registerController(manager, controllerOptions);
    return manager.run(*stop);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "flcluster e2e operator: %s\n", e.what());
    return 1;
  }
}
