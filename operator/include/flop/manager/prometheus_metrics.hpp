#pragma once
// RuntimeMetrics on prometheus-cpp with controller-runtime's metric names, served on /metrics.
#include <memory>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/histogram.h>
#include <prometheus/registry.h>

#include "flop/kube/metrics.hpp"

namespace flop::manager {

class PrometheusMetrics : public kube::RuntimeMetrics {
 public:
  PrometheusMetrics();
  std::shared_ptr<prometheus::Registry> registry() const { return registry_; }

  std::shared_ptr<kube::QueueMetrics> queue(const std::string& name) override;
  void reconciled(const std::string& controller, const std::string& result,
                  double seconds) override;
  void reconcileError(const std::string& controller) override;
  void restRequest(const std::string& method, const std::string& host,
                   const std::string& code) override;
  void leader(const std::string& name, bool leading) override;

 private:
  std::shared_ptr<prometheus::Registry> registry_;
  prometheus::Family<prometheus::Counter>& reconcileTotal_;
  prometheus::Family<prometheus::Counter>& reconcileErrors_;
  prometheus::Family<prometheus::Histogram>& reconcileTime_;
  prometheus::Family<prometheus::Gauge>& queueDepth_;
  prometheus::Family<prometheus::Counter>& queueAdds_;
  prometheus::Family<prometheus::Histogram>& queueLatency_;
  prometheus::Family<prometheus::Histogram>& workDuration_;
  prometheus::Family<prometheus::Counter>& retries_;
  prometheus::Family<prometheus::Counter>& restRequests_;
  prometheus::Family<prometheus::Gauge>& leaderStatus_;
};

}  // namespace flop::manager
