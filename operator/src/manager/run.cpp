#include "flop/manager/run.hpp"

#include <cstdio>
#include <cstdlib>
#include <thread>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <spdlog/spdlog.h>

#include "flop/manager/logging.hpp"

namespace flop::manager {
namespace {

// A shutdown that overruns its bound is cut short: the pod must not hang in Terminating.
void armShutdownWatchdog(const std::shared_ptr<Cancellation>& stop,
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

void limitMallocArenas() {
#ifdef __GLIBC__
  mallopt(M_ARENA_MAX, 2);
#endif
}

int runOperator(int argc, char** argv, const std::function<void(Manager&)>& registerControllers) {
  limitMallocArenas();
  auto stop = std::make_shared<Cancellation>();
  handleTerminationSignals(stop);  // before any thread starts
  ManagerOptions options;
  try {
    options = parseFlags(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const Error& e) {
    std::fprintf(stderr, "fl-operator: %s\n\n%s", e.what(), usage().c_str());
    return 2;
  }
  if (options.help) {
    std::fputs(usage().c_str(), stdout);
    return 0;
  }
  try {
    setupLogging(options.logLevel, options.logFormat);
    armShutdownWatchdog(stop, options.gracefulShutdownTimeout);
    Manager manager(options);
    if (registerControllers) registerControllers(manager);
    int code = manager.run(*stop);
    spdlog::default_logger()->flush();
    return code;
  } catch (const std::exception& e) {
    spdlog::critical("fl-operator failed: {}", e.what());
    return 1;
  }
}

}  // namespace flop::manager
