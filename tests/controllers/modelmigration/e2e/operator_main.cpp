// An fl-operator with only the ModelMigration controller, for this controller's e2e tests
// (the product binary registers it too; this one keeps the test independent of the others).
// Accepts the manager's flags plus --step-image=IMAGE, --max-attempts=N and
// --fail-step=STEP:ROLE (labels that step's pods for kwok's job-pod-failed stage).
// kwok completes a step pod only once it carries its result (deploy/local/kwok-stages.yaml), so
// every step pod template gets a successful fl-model result as its termination message.
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
  std::string failStep;
  std::string failRole;
  controllerOptions.decorateJob = [&failStep, &failRole](nlohmann::json& job) {
    auto& pod = job["spec"]["template"]["metadata"];
    pod["annotations"]["fl-operator.test/termination-message"] =
        R"J({"retcode":0,"retmsg":"success (completed by kwok)"})J";
    const auto& labels = job["metadata"]["labels"];
    if (!failStep.empty() && labels.value("federatedlearning.dev/step", "") == failStep &&
        labels.value("federatedlearning.dev/role", "") == failRole) {
      pod["labels"]["fl-operator.test/fail"] = "true";
      pod["annotations"]["fl-operator.test/termination-message"] =
          R"J({"retcode":100,"retmsg":"failed by the test stage"})J";
    }
  };
  std::vector<std::string> managerArgs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.rfind("--step-image=", 0) == 0) {
      controllerOptions.defaultStepImage = arg.substr(13);
    } else if (arg.rfind("--fail-step=", 0) == 0) {
      const std::string value = arg.substr(12);
      failStep = value.substr(0, value.find(':'));
      failRole = value.substr(value.find(':') + 1);
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
