// fl-operator: the controller manager. Parses the kubebuilder-style flags, sets up logging, and
// runs the Manager until SIGTERM. Controllers are registered in registerControllers().
#include <cstdio>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"

namespace {

// The reconcilers of FLCluster, FederatedJob and ModelMigration are added here.
void registerControllers(flop::manager::Manager& /*manager*/) {}

// A shutdown that overruns its bound is cut short: the pod must not hang in Terminating.
void armShutdownWatchdog(const std::shared_ptr<flop::Cancellation>& stop,
                         std::chrono::milliseconds bound) {
  std::thread([stop, bound] {
    stop->wait();
    std::this_thread::sleep_for(bound + std::chrono::seconds(5));
    spdlog::error("graceful shutdown exceeded {} ms; exiting", bound.count());
    spdlog::default_logger()->flush();
    std::_Exit(2);
  }).detach();
}

}  // namespace

int main(int argc, char** argv) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);  // before any thread starts
  flop::manager::ManagerOptions options;
  try {
    options = flop::manager::parseFlags(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const flop::Error& e) {
    std::fprintf(stderr, "fl-operator: %s\n\n%s", e.what(), flop::manager::usage().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(flop::manager::usage().c_str(), stdout);
    return 0;
  }
  try {
    flop::manager::setupLogging(options.logLevel, options.logFormat);
    armShutdownWatchdog(stop, options.gracefulShutdownTimeout);
    flop::manager::Manager manager(options);
    registerControllers(manager);
    return manager.run(*stop);
  } catch (const std::exception& e) {
    spdlog::critical("fl-operator failed: {}", e.what());
    return 1;
  }
}
