#pragma once
// Prometheus metrics of the migration steps:
//   fl_model_migration_steps_total{step,result}        started|succeeded|failed|retried
//   fl_model_migration_step_duration_seconds{step,result}  Job start to completion
//   fl_model_migration_bytes_total{step}               artifact bytes handed back by steps
#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "flop/modelmigration/steps.hpp"

namespace flop::modelmigration {

class MigrationMetrics {
 public:
  explicit MigrationMetrics(prometheus::Registry& registry);
  void record(const StepEvent& event);

 private:
  prometheus::Family<prometheus::Counter>& steps_;
  prometheus::Family<prometheus::Histogram>& duration_;
  prometheus::Family<prometheus::Counter>& bytes_;
};

}  // namespace flop::modelmigration
