#pragma once
// The runtime reports what it does through these interfaces; the manager implements them with
// prometheus-cpp under the controller-runtime metric names. Tests may record or ignore.
#include <memory>
#include <string>

namespace flop::kube {

// One work queue's metrics (workqueue_* with label name=<controller>).
class QueueMetrics {
 public:
  virtual ~QueueMetrics() = default;
  virtual void added() {}
  virtual void depth(long /*items*/) {}
  virtual void queueLatency(double /*seconds*/) {}
  virtual void workDuration(double /*seconds*/) {}
  virtual void retried() {}
};

class RuntimeMetrics {
 public:
  virtual ~RuntimeMetrics() = default;
  virtual std::shared_ptr<QueueMetrics> queue(const std::string& /*name*/) {
    return std::make_shared<QueueMetrics>();
  }
  // result: "success", "error", "requeue", "requeue_after"
  virtual void reconciled(const std::string& /*controller*/, const std::string& /*result*/,
                          double /*seconds*/) {}
  virtual void reconcileError(const std::string& /*controller*/) {}
  virtual void restRequest(const std::string& /*method*/, const std::string& /*host*/,
                           const std::string& /*code*/) {}
  virtual void leader(const std::string& /*name*/, bool /*leading*/) {}
};

}  // namespace flop::kube
