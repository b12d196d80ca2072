#include "flop/manager/manager.hpp"

#include <pthread.h>
#include <signal.h>
#include <unistd.h>

#include <random>
#include <thread>

#include <prometheus/exposer.h>
#include <spdlog/spdlog.h>

#include "flop/http/cpprest_transport.hpp"
#include "flop/kube/leader_election.hpp"
#include "flop/manager/health_server.hpp"

namespace flop::manager {
using namespace std::chrono;

namespace {

std::string hostName() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}

std::string uniqueIdentity() {
  std::random_device rd;
  char suffix[20];
  std::snprintf(suffix, sizeof suffix, "_%08x%08x", rd(), rd());
  return hostName() + suffix;
}

}  // namespace

Manager::Manager(ManagerOptions options) : options_(std::move(options)) {
  std::optional<std::filesystem::path> kubeconfig;
  if (options_.kubeconfig) kubeconfig = *options_.kubeconfig;
  kube::Config config = kube::loadDefaultConfig(kubeconfig);
  auto transport = std::make_shared<http::CppRestTransport>(config.tls);
  init(std::move(config), std::move(transport));
}

Manager::Manager(ManagerOptions options, kube::Config config,
                 std::shared_ptr<http::Transport> transport)
    : options_(std::move(options)) {
  init(std::move(config), std::move(transport));
}

Manager::~Manager() {
  stopControllers();
  if (informers_) informers_->stopAll();
}

void Manager::init(kube::Config config, std::shared_ptr<http::Transport> transport) {
  if (options_.kubeApiQps) config.qps = *options_.kubeApiQps;
  if (options_.kubeApiBurst) config.burst = *options_.kubeApiBurst;
  metrics_ = std::make_shared<PrometheusMetrics>();
  spdlog::info("API server configured server={} source={} qps={} burst={}", config.server,
               config.source, config.qps, config.burst);
  client_ = std::make_unique<kube::Client>(
      std::move(config), std::move(transport),
      [metrics = metrics_](const std::string& method, const std::string& host,
                           const std::string& code) { metrics->restRequest(method, host, code); });
  kube::InformerOptions defaults;
  defaults.namespaces = options_.watchNamespaces;
  informers_ = std::make_unique<kube::InformerFactory>(*client_, defaults);
  recorder_ =
      std::make_unique<kube::EventRecorder>(*client_, kube::EventSource{"fl-operator", hostName()});
}

kube::ControllerOptions Manager::controllerOptions() const {
  kube::ControllerOptions o;
  o.maxConcurrentReconciles = options_.maxConcurrentReconciles;
  o.metrics = metrics_;
  return o;
}

kube::Controller& Manager::add(std::unique_ptr<kube::Controller> controller) {
  controllers_.push_back(std::move(controller));
  return *controllers_.back();
}

bool Manager::ready() const { return informers_->allSynced(); }

void Manager::startControllers() {
  for (auto& c : controllers_) c->start();
  controllersRunning_ = true;
}

void Manager::stopControllers() {
  if (!controllersRunning_.exchange(false)) return;
  for (auto& c : controllers_) c->stop(options_.gracefulShutdownTimeout);
  spdlog::info("controllers stopped count={}", controllers_.size());
}

int Manager::run(const Cancellation& stop) {
  std::unique_ptr<prometheus::Exposer> exposer;
  if (auto bind = parseBindAddress("--metrics-bind-address", options_.metricsBindAddress);
      bind.port > 0) {
    exposer = std::make_unique<prometheus::Exposer>(bind.host + ":" + std::to_string(bind.port));
    exposer->RegisterCollectable(metrics_->registry());
    spdlog::info("serving metrics address={}:{}", bind.host, bind.port);
  }
  std::unique_ptr<HealthServer> health;
  if (auto bind = parseBindAddress("--health-probe-bind-address", options_.healthProbeBindAddress);
      bind.port > 0) {
    health = std::make_unique<HealthServer>(bind.host, bind.port);
    health->addHealthCheck("ping", [] { return true; });
    health->addReadyCheck("informers-synced", [this] { return ready(); });
    spdlog::info("serving health probes address={}:{}", bind.host, health->port());
  }

  informers_->startAll();
  while (!informers_->waitForSync(stop, seconds(10))) {
    if (stop.cancelled()) break;
    spdlog::info("waiting for caches to sync");
  }
  if (!stop.cancelled()) spdlog::info("caches synced controllers={}", controllers_.size());

  int exitCode = 0;
  if (!stop.cancelled()) {
    if (options_.leaderElect) {
      kube::LeaderElectionConfig le;
      le.namespace_ = options_.leaderElectionNamespace.empty() ? client_->config().namespace_
                                                               : options_.leaderElectionNamespace;
      le.name = options_.leaderElectionId;
      le.identity = uniqueIdentity();
      le.leaseDuration = options_.leaseDuration;
      le.renewDeadline = options_.renewDeadline;
      le.retryPeriod = options_.retryPeriod;
      kube::LeaderElector elector(*client_, le, metrics_);
      bool clean = elector.run(
          stop, [this] { startControllers(); }, [this] { stopControllers(); });
      // Losing the lease means another replica may already reconcile: exit, never resume.
      if (!clean) exitCode = 1;
    } else {
      startControllers();
      stop.wait();
      stopControllers();
    }
  }
  informers_->stopAll();
  spdlog::info("manager stopped exit_code={}", exitCode);
  return exitCode;
}

void handleTerminationSignals(const std::shared_ptr<Cancellation>& stop) {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);  // inherited by every thread started later
  std::thread([set, stop] {
    int received = 0;
    sigwait(&set, &received);
    spdlog::info("received signal {}; shutting down", received == SIGTERM ? "SIGTERM" : "SIGINT");
    stop->cancel();
    sigwait(&set, &received);
    spdlog::warn("second signal; exiting immediately");
    std::_Exit(130);
  }).detach();
}

}  // namespace flop::manager
