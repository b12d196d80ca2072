// fl-operator: the controller manager. Parses the kubebuilder-style flags, sets up logging, and
// runs the Manager until SIGTERM. Controllers are registered in registerControllers().
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <spdlog/spdlog.h>

#include "flop/federatedjob/controller.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"
#include "flop/modelmigration/controller.hpp"

namespace {

// The image whose fl-model runs the ModelMigration step Jobs when a migration names none:
// the operator's own image, which the chart and kustomize pass in FLOP_STEP_IMAGE.
std::string defaultStepImage() {
  const char* image = std::getenv("FLOP_STEP_IMAGE");
  return image && *image ? image : "fl-operator:" FLOP_VERSION;
}

void registerControllers(flop::manager::Manager& manager) {
  flop::flcluster::registerController(manager);
  flop::federatedjob::registerController(manager);
  flop::modelmigration::Options migration;
  migration.defaultStepImage = defaultStepImage();
  flop::modelmigration::registerController(manager, migration);
}

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
