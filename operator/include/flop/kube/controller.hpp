#pragma once
// A controller: informer events become keys in a work queue; N workers call the Reconciler.
// Reconcile results and exceptions are counted; errors and exceptions retry with backoff.
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "flop/kube/informer.hpp"
#include "flop/kube/metrics.hpp"
#include "flop/kube/workqueue.hpp"

namespace flop::kube {

struct Request {
  std::string namespace_;
  std::string name;
  std::string key() const { return ObjectKey{namespace_, name}.str(); }
  bool operator==(const Request&) const = default;
};

struct Result {
  enum class Kind { Done, Requeue, RequeueAfter, Error };
  Kind kind = Kind::Done;
  std::chrono::milliseconds after{0};
  std::string message;  // for Error

  static Result done() { return {}; }
  static Result requeue() { return {Kind::Requeue, {}, {}}; }
  static Result requeueAfter(std::chrono::milliseconds d) { return {Kind::RequeueAfter, d, {}}; }
  static Result error(std::string message) { return {Kind::Error, {}, std::move(message)}; }
};

class Reconciler {
 public:
  virtual ~Reconciler() = default;
  // Level-based: read the current state (from caches) and drive towards the desired one.
  // Throwing is allowed: it counts as an error and retries with backoff.
  virtual Result reconcile(const Request& request) = 0;
};

struct ControllerOptions {
  int maxConcurrentReconciles = 1;
  std::shared_ptr<RuntimeMetrics> metrics;  // null = not reported
  std::function<std::unique_ptr<RateLimiter>()> rateLimiter = defaultControllerRateLimiter;
};

class Controller {
 public:
  Controller(std::string name, std::shared_ptr<Reconciler> reconciler,
             ControllerOptions options = {});
  ~Controller();
  Controller(const Controller&) = delete;
  Controller& operator=(const Controller&) = delete;

  // Enqueue the object itself on add/update/delete (the primary resource).
  Controller& watchesSelf(Informer& informer);
  // Enqueue the controller owner (of `ownerKind`) of each child object.
  Controller& owns(Informer& informer, const std::string& ownerKind);
  // Enqueue whatever `map` returns for an object.
  Controller& watches(Informer& informer, std::function<std::vector<Request>(const Json&)> map);

  void enqueue(const Request& request) { queue_.add(request.key()); }
  void start();
  // Drains in-flight reconciles (bounded) and joins the workers; idempotent.
  void stop(std::chrono::milliseconds drainTimeout = std::chrono::seconds(30));

  const std::string& name() const { return name_; }
  WorkQueue& queue() { return queue_; }
  const std::vector<Informer*>& informers() const { return informers_; }

 private:
  void worker();
  void processOne(const std::string& key);

  std::string name_;
  std::shared_ptr<Reconciler> reconciler_;
  ControllerOptions options_;
  WorkQueue queue_;
  std::vector<Informer*> informers_;
  std::vector<std::thread> workers_;
  bool started_ = false;
};

}  // namespace flop::kube
