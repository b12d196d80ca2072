#include "flop/manager/prometheus_metrics.hpp"

namespace flop::manager {
using prometheus::BuildCounter;
using prometheus::BuildGauge;
using prometheus::BuildHistogram;

namespace {

prometheus::Histogram::BucketBoundaries exponential(double start, double factor, int count) {
  prometheus::Histogram::BucketBoundaries b;
  for (int i = 0; i < count; ++i, start *= factor) b.push_back(start);
  return b;
}

// workqueue_* series of one queue (label name=<controller>, as controller-runtime does).
class PrometheusQueueMetrics : public kube::QueueMetrics {
 public:
  PrometheusQueueMetrics(prometheus::Gauge& depth, prometheus::Counter& adds,
                         prometheus::Histogram& latency, prometheus::Histogram& work,
                         prometheus::Counter& retries)
      : depth_(depth), adds_(adds), latency_(latency), work_(work), retries_(retries) {}
  void added() override { adds_.Increment(); }
  void depth(long items) override { depth_.Set(static_cast<double>(items)); }
  void queueLatency(double seconds) override { latency_.Observe(seconds); }
  void workDuration(double seconds) override { work_.Observe(seconds); }
  void retried() override { retries_.Increment(); }

 private:
  prometheus::Gauge& depth_;
  prometheus::Counter& adds_;
  prometheus::Histogram& latency_;
  prometheus::Histogram& work_;
  prometheus::Counter& retries_;
};

}  // namespace

PrometheusMetrics::PrometheusMetrics()
    : registry_(std::make_shared<prometheus::Registry>()),
      reconcileTotal_(BuildCounter()
                          .Name("controller_runtime_reconcile_total")
                          .Help("Total number of reconciliations per controller")
                          .Register(*registry_)),
      reconcileErrors_(BuildCounter()
                           .Name("controller_runtime_reconcile_errors_total")
                           .Help("Total number of reconciliation errors per controller")
                           .Register(*registry_)),
      reconcileTime_(BuildHistogram()
                         .Name("controller_runtime_reconcile_time_seconds")
                         .Help("Length of time per reconciliation per controller")
                         .Register(*registry_)),
      queueDepth_(BuildGauge()
                      .Name("workqueue_depth")
                      .Help("Current depth of workqueue")
                      .Register(*registry_)),
      queueAdds_(BuildCounter()
                     .Name("workqueue_adds_total")
                     .Help("Total number of adds handled by workqueue")
                     .Register(*registry_)),
      queueLatency_(
          BuildHistogram()
              .Name("workqueue_queue_duration_seconds")
              .Help("How long in seconds an item stays in workqueue before being requested")
              .Register(*registry_)),
      workDuration_(BuildHistogram()
                        .Name("workqueue_work_duration_seconds")
                        .Help("How long in seconds processing an item from workqueue takes")
                        .Register(*registry_)),
      retries_(BuildCounter()
                   .Name("workqueue_retries_total")
                   .Help("Total number of retries handled by workqueue")
                   .Register(*registry_)),
      restRequests_(
          BuildCounter()
              .Name("rest_client_requests_total")
              .Help("Number of HTTP requests, partitioned by status code, method, and host")
              .Register(*registry_)),
      leaderStatus_(BuildGauge()
                        .Name("leader_election_master_status")
                        .Help("Gauge of if the reporting system is master of the relevant lease, "
                              "0 indicates backup, 1 indicates master. 'name' is the string used "
                              "to identify the lease.")
                        .Register(*registry_)) {}

std::shared_ptr<kube::QueueMetrics> PrometheusMetrics::queue(const std::string& name) {
  const prometheus::Labels labels{{"name", name}, {"controller", name}};
  const auto buckets = exponential(1e-8, 10, 12);
  // One queue per controller: its error counter exists from the start at 0 (as in
  // controller-runtime), so error ratios and alerts have a series before the first error.
  reconcileErrors_.Add({{"controller", name}});
  return std::make_shared<PrometheusQueueMetrics>(
      queueDepth_.Add(labels), queueAdds_.Add(labels), queueLatency_.Add(labels, buckets),
      workDuration_.Add(labels, buckets), retries_.Add(labels));
}

void PrometheusMetrics::reconciled(const std::string& controller, const std::string& result,
                                   double seconds) {
  reconcileTotal_.Add({{"controller", controller}, {"result", result}}).Increment();
  static const auto buckets = [] {
    prometheus::Histogram::BucketBoundaries b{
        0.005, 0.01, 0.025, 0.05, 0.1,  0.15, 0.2,  0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6,
        0.7,   0.8,  0.9,   1.0,  1.25, 1.5,  1.75, 2.0,  2.5, 3.0,  3.5, 4.0,  4.5, 5,
        6,     7,    8,     9,    10,   15,   20,   25,   30,  40,   50,  60};
    return b;
  }();
  reconcileTime_.Add({{"controller", controller}}, buckets).Observe(seconds);
}

void PrometheusMetrics::reconcileError(const std::string& controller) {
  reconcileErrors_.Add({{"controller", controller}}).Increment();
}

void PrometheusMetrics::restRequest(const std::string& method, const std::string& host,
                                    const std::string& code) {
  restRequests_.Add({{"code", code}, {"method", method}, {"host", host}}).Increment();
}

void PrometheusMetrics::leader(const std::string& name, bool leading) {
  leaderStatus_.Add({{"name", name}}).Set(leading ? 1 : 0);
}

}  // namespace flop::manager
