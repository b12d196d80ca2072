// fl-operator: the controller manager. Parses the kubebuilder-style flags, sets up logging, and
// runs the Manager until SIGTERM. Controllers are registered in registerControllers().
#include <cstdlib>
#include <string>

#include "flop/federatedjob/controller.hpp"
#include "flop/flcluster/controller.hpp"
#include "flop/manager/manager.hpp"
#include "flop/manager/run.hpp"
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

}  // namespace

int main(int argc, char** argv) {
  return flop::manager::runOperator(argc, argv, registerControllers);
}
