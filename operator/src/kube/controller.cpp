#include "flop/kube/controller.hpp"

#include <spdlog/spdlog.h>

namespace flop::kube {
using namespace std::chrono;

Controller::Controller(std::string name, std::shared_ptr<Reconciler> reconciler,
                       ControllerOptions options)
    : name_(std::move(name)),
      reconciler_(std::move(reconciler)),
      options_(std::move(options)),
      queue_(options_.rateLimiter ? options_.rateLimiter() : defaultControllerRateLimiter(),
             options_.metrics ? options_.metrics->queue(name_) : nullptr) {
  if (!options_.metrics) options_.metrics = std::make_shared<RuntimeMetrics>();
  if (options_.maxConcurrentReconciles < 1) options_.maxConcurrentReconciles = 1;
}

Controller::~Controller() { stop(milliseconds(0)); }

Controller& Controller::watchesSelf(Informer& informer) {
  informers_.push_back(&informer);
  auto enqueue = [this](const ObjectPtr& o) { queue_.add(ObjectKey::of(*o).str()); };
  informer.addEventHandler(EventHandler{
      enqueue, [enqueue](const ObjectPtr&, const ObjectPtr& o) { enqueue(o); }, enqueue});
  return *this;
}

Controller& Controller::owns(Informer& informer, const std::string& ownerKind) {
  informers_.push_back(&informer);
  auto enqueueOwner = [this, ownerKind](const ObjectPtr& o) {
    auto owner = controllerOf(*o);
    if (owner && owner->kind == ownerKind)
      queue_.add(ObjectKey{namespaceOf(*o), owner->name}.str());
  };
  informer.addEventHandler(EventHandler{enqueueOwner,
                                        [enqueueOwner](const ObjectPtr& a, const ObjectPtr& b) {
                                          // An owner change must reach the old owner too.
                                          enqueueOwner(a);
                                          enqueueOwner(b);
                                        },
                                        enqueueOwner});
  return *this;
}

Controller& Controller::watches(Informer& informer,
                                std::function<std::vector<Request>(const Json&)> map) {
  informers_.push_back(&informer);
  auto enqueueMapped = [this, map = std::move(map)](const ObjectPtr& o) {
    for (const auto& request : map(*o)) queue_.add(request.key());
  };
  informer.addEventHandler(EventHandler{enqueueMapped,
                                        [enqueueMapped](const ObjectPtr& a, const ObjectPtr& b) {
                                          enqueueMapped(a);
                                          enqueueMapped(b);
                                        },
                                        enqueueMapped});
  return *this;
}

void Controller::start() {
  if (started_) return;
  started_ = true;
  for (int i = 0; i < options_.maxConcurrentReconciles; ++i)
    workers_.emplace_back([this] { worker(); });
  spdlog::info("controller started controller={} workers={}", name_,
               options_.maxConcurrentReconciles);
}

void Controller::stop(milliseconds drainTimeout) {
  if (!started_) {
    queue_.shutDown();
    return;
  }
  started_ = false;
  if (!queue_.shutDownWithDrain(drainTimeout))
    spdlog::warn("controller stopped with reconciles still running controller={}", name_);
  for (auto& w : workers_)
    if (w.joinable()) w.join();
  workers_.clear();
}

void Controller::worker() {
  while (auto key = queue_.get()) {
    processOne(*key);
    queue_.done(*key);
  }
}

void Controller::processOne(const std::string& key) {
  ObjectKey objectKey = ObjectKey::parse(key);
  Request request{objectKey.namespace_, objectKey.name};
  auto started = steady_clock::now();
  Result result;
  try {
    result = reconciler_->reconcile(request);
  } catch (const std::exception& e) {
    result = Result::error(std::string("reconcile threw: ") + e.what());
  } catch (...) {
    result = Result::error("reconcile threw a non-standard exception");
  }
  double seconds = duration<double>(steady_clock::now() - started).count();
  const char* outcome = "success";  // the metric's result label
  switch (result.kind) {
    case Result::Kind::Done:
      queue_.forget(key);
      break;
    case Result::Kind::Requeue:
      queue_.addRateLimited(key);
      outcome = "requeue";
      break;
    case Result::Kind::RequeueAfter:
      queue_.forget(key);
      queue_.addAfter(key, result.after);
      outcome = "requeue_after";
      break;
    case Result::Kind::Error:
      spdlog::error("reconcile failed controller={} object={} retries={} error={}", name_, key,
                    queue_.numRequeues(key), result.message);
      queue_.addRateLimited(key);
      outcome = "error";
      options_.metrics->reconcileError(name_);
      break;
  }
  options_.metrics->reconciled(name_, outcome, seconds);
  spdlog::debug("reconciled controller={} object={} result={} duration_ms={:.1f}", name_, key,
                outcome, seconds * 1000);
}

}  // namespace flop::kube
