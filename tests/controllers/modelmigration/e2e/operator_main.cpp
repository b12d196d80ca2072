// An fl-operator with only the ModelMigration controller, for this controller's e2e tests
// (the product binary registers it too; this one keeps the test independent of the others).
// Accepts the manager's flags plus --step-image=IMAGE, --max-attempts=N and
// --fail-step=STEP:ROLE (labels that step's pods for kwok's job-pod-failed stage).
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"
#include "flop/modelmigration/controller.hpp"

int main(int argc, char** argv) {
  auto stop = std::make_shared<flop::Cancellation>();
  flop::manager::handleTerminationSignals(stop);
  flop::modelmigration::Options controllerOptions;
  controllerOptions.defaultStepImage = "fl-operator:e2e";
  std::vector<std::string> managerArgs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--step-image=", 0) == 0) {
      controllerOptions.defaultStepImage = arg.substr(13);
    } else if (arg.rfind("--fail-step=", 0) == 0) {
      const std::string value = arg.substr(12);
      const std::string step = value.substr(0, value.find(':'));
      const std::string role = value.substr(value.find(':') + 1);
      controllerOptions.decorateJob = [step, role](nlohmann::json& job) {
        const auto& labels = job["metadata"]["labels"];
        if (labels.value("federatedlearning.dev/step", "") == step &&
            labels.value("federatedlearning.dev/role", "") == role) {
          job["spec"]["template"]["metadata"]["labels"]["fl-operator.test/fail"] = "true";
        }
      };
    } else if (arg.rfind("--max-attempts=", 0) == 0) {
      controllerOptions.maxAttempts = std::stoi(arg.substr(15));
    } else {
      managerArgs.push_back(arg);
    }
  }
  try {
    auto options = flop::manager::parseFlags(managerArgs);
    flop::manager::setupLogging(options.logLevel, options.logFormat);
    flop::manager::Manager manager(options);
    flop::modelmigration::registerController(manager, controllerOptions);
    return manager.run(*stop);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "modelmigration e2e operator: %s\n", e.what());
    return 1;
  }
}
