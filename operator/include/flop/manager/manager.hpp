#pragma once
// The Manager wires the runtime together: client, shared informers, controllers, metrics,
// health probes, leader election and graceful shutdown.
//
//   flop::manager::Manager mgr(options);
//   auto& jobs = mgr.informers().informerFor(myJobsResource);
//   mgr.add(std::make_unique<kube::Controller>("federatedjob", reconciler,
//   mgr.controllerOptions()))
//       .watchesSelf(jobs);
//   return mgr.run(stop);
#include <memory>
#include <string>
#include <vector>

#include "flop/cancellation.hpp"
#include "flop/kube/client.hpp"
#include "flop/kube/controller.hpp"
#include "flop/kube/events.hpp"
#include "flop/kube/informer.hpp"
#include "flop/manager/options.hpp"
#include "flop/manager/prometheus_metrics.hpp"

namespace flop::manager {

class Manager {
 public:
  // Loads the client configuration (--kubeconfig, $KUBECONFIG, in-cluster, ~/.kube/config).
  explicit Manager(ManagerOptions options);
  // With an explicit config and transport (tests).
  Manager(ManagerOptions options, kube::Config config, std::shared_ptr<http::Transport> transport);
  ~Manager();

  const kube::Client& client() const { return *client_; }
  kube::InformerFactory& informers() { return *informers_; }
  std::shared_ptr<PrometheusMetrics> metrics() const { return metrics_; }
  const ManagerOptions& options() const { return options_; }
  // Options for controllers: metrics and --max-concurrent-reconciles.
  kube::ControllerOptions controllerOptions() const;
  kube::EventRecorder& eventRecorder() { return *recorder_; }

  kube::Controller& add(std::unique_ptr<kube::Controller> controller);

  // Runs until `stop` fires (SIGTERM) or leadership is lost. Returns the process exit code:
  // 0 after a clean shutdown, 1 when leadership was lost.
  int run(const Cancellation& stop);
  bool ready() const;

 private:
  void init(kube::Config config, std::shared_ptr<http::Transport> transport);
  void startControllers();
  void stopControllers();

  ManagerOptions options_;
  std::shared_ptr<PrometheusMetrics> metrics_;
  std::unique_ptr<kube::Client> client_;
  std::unique_ptr<kube::InformerFactory> informers_;
  std::unique_ptr<kube::EventRecorder> recorder_;
  std::vector<std::unique_ptr<kube::Controller>> controllers_;
  std::atomic<bool> controllersRunning_{false};
};

// Blocks SIGTERM/SIGINT in the calling thread (call first in main, before any thread starts)
// and cancels `stop` on the first one; a second one exits the process at once.
void handleTerminationSignals(const std::shared_ptr<Cancellation>& stop);

}  // namespace flop::manager
