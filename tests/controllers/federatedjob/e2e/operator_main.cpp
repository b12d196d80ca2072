// An operator process running only the FederatedJob controller, for this controller's e2e tests
// (the product binary registers every controller in cmd/fl-operator). Accepts the manager's
// flags plus shorter timings so retries and polls fit a test's time budget:
//   --fj-poll-min-seconds=N  --fj-poll-max-seconds=N  --fj-retry-base-seconds=N
//   --fj-publish-retry-seconds=N  --fj-unavailable-retry-seconds=N  --fj-fate-timeout-ms=N
//   --with-flcluster   also run the FLCluster controller (MindSpore instances need its status)
#include <cstdio>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "flop/federatedjob/controller.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"

int main(int argc, char** argv) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);
  flop::federatedjob::Options controller;
  std::map<std::string, std::chrono::seconds*> timings = {
      {"--fj-poll-min-seconds=", &controller.timing.pollMin},
      {"--fj-poll-max-seconds=", &controller.timing.pollMax},
      {"--fj-retry-base-seconds=", &controller.timing.retryBase},
      {"--fj-publish-retry-seconds=", &controller.timing.publishRetry},
      {"--fj-unavailable-retry-seconds=", &controller.timing.unavailableRetry},
  };
  std::vector<std::string> managerArgs;
  bool withFlCluster = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    bool consumed = arg == "--with-flcluster";
    withFlCluster |= consumed;
    for (auto& [flag, target] : timings) {
      if (arg.rfind(flag, 0) == 0) {
        *target = std::chrono::seconds(std::stol(arg.substr(flag.size())));
        consumed = true;
      }
    }
    if (arg.rfind("--fj-fate-timeout-ms=", 0) == 0) {
      controller.fateTimeout = std::chrono::milliseconds(std::stol(arg.substr(21)));
      consumed = true;
    }
    if (!consumed) managerArgs.push_back(arg);
  }
  try {
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
