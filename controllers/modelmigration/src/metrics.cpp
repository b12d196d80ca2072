#include "flop/modelmigration/metrics.hpp"

#include <string>

namespace flop::modelmigration {
namespace {

const char* resultOf(StepEvent::Kind kind) {
  switch (kind) {
    case StepEvent::Kind::Started:
      return "started";
    case StepEvent::Kind::Succeeded:
      return "succeeded";
    case StepEvent::Kind::Failed:
      return "failed";
    case StepEvent::Kind::Retrying:
      return "retried";
  }
  return "unknown";
}

}  // namespace

MigrationMetrics::MigrationMetrics(prometheus::Registry& registry)
    : steps_(prometheus::BuildCounter()
                 .Name("fl_model_migration_steps_total")
                 .Help("ModelMigration step transitions by step and result")
                 .Register(registry)),
      duration_(prometheus::BuildHistogram()
                    .Name("fl_model_migration_step_duration_seconds")
                    .Help("Duration of finished ModelMigration step Jobs")
                    .Register(registry)),
      bytes_(prometheus::BuildCounter()
                 .Name("fl_model_migration_bytes_total")
                 .Help("Bytes of model archives moved by ModelMigration steps")
                 .Register(registry)) {}

void MigrationMetrics::record(const StepEvent& event) {
  const std::string step(stepName(event.step));
  const std::string result = resultOf(event.kind);
  steps_.Add({{"step", step}, {"result", result}}).Increment();
  if (event.duration) {
    static const prometheus::Histogram::BucketBoundaries kBuckets{1,   2,   5,   10,   30,  60,
                                                                  120, 300, 600, 1800, 3600};
    duration_.Add({{"step", step}, {"result", result}}, kBuckets).Observe(event.duration->count());
  }
  if (event.bytes && event.kind == StepEvent::Kind::Succeeded) {
    bytes_.Add({{"step", step}}).Increment(static_cast<double>(*event.bytes));
  }
}

}  // namespace flop::modelmigration
