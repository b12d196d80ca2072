#include "flop/kube/informer.hpp"

#include <random>

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include <spdlog/spdlog.h>

#include "flop/kube/backoff.hpp"

namespace flop::kube {
using namespace std::chrono;

struct Informer::Reflector {
  std::string namespace_;  // "" = all
  std::string resourceVersion;
  std::atomic<bool> synced{false};
  Backoff backoff;
  std::minstd_rand rng{std::random_device{}()};
  Reflector(std::string ns, milliseconds initial, milliseconds max)
      : namespace_(std::move(ns)), backoff(initial, max) {}
};

Informer::Informer(const Client& client, ResourceRef resource, InformerOptions options)
    : client_(client), resource_(std::move(resource)), options_(std::move(options)) {
  if (!resource_.namespaced || options_.namespaces.empty()) {
    reflectors_.push_back(
        std::make_unique<Reflector>("", options_.initialBackoff, options_.maxBackoff));
  } else {
    for (const auto& ns : options_.namespaces)
      reflectors_.push_back(
          std::make_unique<Reflector>(ns, options_.initialBackoff, options_.maxBackoff));
  }
}

Informer::~Informer() { stop(); }

void Informer::addEventHandler(EventHandler handler) {
  std::lock_guard lock(handlersMutex_);
  if (started_.load() && handler.onAdd)
    for (const auto& object : store_.list()) handler.onAdd(object);
  handlers_.push_back(std::move(handler));
}

void Informer::start() {
  if (started_.exchange(true)) return;
  // Create spdlog's registry here, before the threads: its lazy creation inside the (not
  // TSan-instrumented) shared library looks like a race when two reflectors log first at once.
  (void)spdlog::default_logger_raw();
  for (auto& reflector : reflectors_)
    threads_.emplace_back([this, r = reflector.get()] { runReflector(*r); });
  if (options_.resyncPeriod > milliseconds::zero()) threads_.emplace_back([this] { runResync(); });
}

void Informer::stop() {
  stop_->cancel();
  for (auto& t : threads_)
    if (t.joinable()) t.join();
  threads_.clear();
}

bool Informer::hasSynced() const {
  for (const auto& r : reflectors_)
    if (!r->synced.load()) return false;
  return true;
}

bool Informer::waitForSync(const Cancellation& stop, milliseconds timeout) const {
  auto deadline = steady_clock::now() + timeout;
  while (!hasSynced()) {
    if (steady_clock::now() >= deadline || stop.waitFor(milliseconds(20))) return hasSynced();
  }
  return true;
}

ObjectPtr Informer::prepare(Json&& object) const {
  if (options_.stripManagedFields) {
    if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object())
      meta->erase("managedFields");
  }
  return std::make_shared<const Json>(std::move(object));
}

void Informer::dispatchAdd(const ObjectPtr& o) {
  std::lock_guard lock(handlersMutex_);
  for (auto& h : handlers_)
    if (h.onAdd) h.onAdd(o);
}

void Informer::dispatchUpdate(const ObjectPtr& a, const ObjectPtr& b) {
  std::lock_guard lock(handlersMutex_);
  for (auto& h : handlers_)
    if (h.onUpdate) h.onUpdate(a, b);
}

void Informer::dispatchDelete(const ObjectPtr& o) {
  std::lock_guard lock(handlersMutex_);
  for (auto& h : handlers_)
    if (h.onDelete) h.onDelete(o);
}

void Informer::listAndReplace(Reflector& r) {
  ListOptions options;
  options.labelSelector = options_.labelSelector;
  options.fieldSelector = options_.fieldSelector;
  options.limit = options_.pageSize;
  options.dropManagedFields = options_.stripManagedFields;
  // Page by page, each item becomes a cached snapshot at once: the whole list is never held
  // twice (raw and cached), which keeps the peak close to the cache's own size.
  std::vector<ObjectPtr> objects;
  std::string resourceVersion;
  for (int restarts = 0;;) {
    try {
      ListPage page = client_.list(resource_, r.namespace_, options);
      objects.reserve(objects.size() + page.items.size());
      for (auto& item : page.items) objects.push_back(prepare(std::move(item)));
      resourceVersion = page.resourceVersion;
      if (page.continueToken.empty()) break;
      options.continueToken = std::move(page.continueToken);
    } catch (const ApiError& e) {
      // An expired continue token: start the list again (bounded).
      if (!isGone(e) || options.continueToken.empty() || ++restarts > 3) throw;
      objects.clear();
      options.continueToken.clear();
    }
  }
  ++lists_;
  ReplaceDelta delta = store_.replace(r.namespace_, std::move(objects));
  r.resourceVersion = resourceVersion;
  for (const auto& o : delta.deleted) dispatchDelete(o);
  for (const auto& o : delta.added) dispatchAdd(o);
  for (const auto& [a, b] : delta.updated) dispatchUpdate(a, b);
  delta = ReplaceDelta{};
#ifdef __GLIBC__
  // Parsing a large list leaves freed pages inside the heap; give them back.
  malloc_trim(0);
#endif
  if (!r.synced.exchange(true))
    spdlog::debug("informer synced resource={} namespace={} objects={}", resource_.displayName(),
                  r.namespace_.empty() ? "*" : r.namespace_, store_.size());
}

void Informer::apply(WatchEvent& event, Reflector& r) {
  switch (event.type) {
    case WatchEvent::Type::Added:
    case WatchEvent::Type::Modified: {
      ObjectPtr object = prepare(std::move(event.object));
      r.resourceVersion = resourceVersionOf(*object);
      ObjectPtr old = store_.upsert(object);
      if (old)
        dispatchUpdate(old, object);
      else
        dispatchAdd(object);
      break;
    }
    case WatchEvent::Type::Deleted: {
      ObjectPtr object = prepare(std::move(event.object));
      r.resourceVersion = resourceVersionOf(*object);
      ObjectPtr old = store_.erase(ObjectKey::of(*object).str());
      dispatchDelete(old ? old : object);
      break;
    }
    case WatchEvent::Type::Bookmark:
      r.resourceVersion = resourceVersionOf(event.object);
      break;
    case WatchEvent::Type::Error:
      break;  // the client turns ERROR events into ApiError
  }
}

void Informer::watchOnce(Reflector& r) {
  WatchOptions options;
  options.resourceVersion = r.resourceVersion;
  options.labelSelector = options_.labelSelector;
  options.fieldSelector = options_.fieldSelector;
  options.dropManagedFields = options_.stripManagedFields;
  auto lo = options_.minWatchTimeout.count(), hi = std::max(lo, options_.maxWatchTimeout.count());
  options.timeoutSeconds = static_cast<int>(std::uniform_int_distribution<long>(lo, hi)(r.rng));
  ++watches_;
  client_.watch(
      resource_, r.namespace_, options,
      [&](WatchEvent& event) {
        apply(event, r);
        return !stop_->cancelled();
      },
      stop_);
}

void Informer::runReflector(Reflector& r) {
  const std::string what =
      resource_.displayName() + (r.namespace_.empty() ? std::string() : " in " + r.namespace_);
  bool needList = true;
  while (!stop_->cancelled()) {
    bool failed = false;
    try {
      if (needList) {
        listAndReplace(r);
        needList = false;
      }
      auto started = steady_clock::now();
      watchOnce(r);
      // A clean end is normal (server timeout); re-watch at once unless it ended instantly.
      if (steady_clock::now() - started < seconds(1))
        failed = true;
      else
        r.backoff.reset();
    } catch (const ApiError& e) {
      if (isGone(e)) {
        spdlog::info("watch expired, relisting resource={} reason={}", what, e.serverMessage());
        needList = true;
        continue;
      }
      spdlog::warn("list/watch failed resource={} error={}", what, e.what());
      failed = true;
    } catch (const http::TransportError& e) {
      if (stop_->cancelled()) break;
      spdlog::warn("watch connection failed resource={} error={}", what, e.what());
      failed = true;
    } catch (const std::exception& e) {
      spdlog::warn("watch stream broken resource={} error={}", what, e.what());
      failed = true;
    }
    if (failed) {
      // Without a resourceVersion there is nothing to resume from.
      if (r.resourceVersion.empty()) needList = true;
      if (stop_->waitFor(r.backoff.next())) break;
    }
  }
}

void Informer::runResync() {
  while (!stop_->waitFor(options_.resyncPeriod)) {
    for (const auto& object : store_.list()) dispatchUpdate(object, object);
  }
}

Informer& InformerFactory::informerFor(const ResourceRef& resource) {
  std::lock_guard lock(mutex_);
  for (auto& informer : informers_)
    if (informer->resource() == resource) return *informer;
  informers_.push_back(std::make_unique<Informer>(client_, resource, defaults_));
  if (started_) informers_.back()->start();
  return *informers_.back();
}

void InformerFactory::startAll() {
  std::lock_guard lock(mutex_);
  started_ = true;
  for (auto& informer : informers_) informer->start();
}

void InformerFactory::stopAll() {
  std::lock_guard lock(mutex_);
  for (auto& informer : informers_) informer->stop();
}

bool InformerFactory::allSynced() const {
  std::lock_guard lock(mutex_);
  for (const auto& informer : informers_)
    if (!informer->hasSynced()) return false;
  return true;
}

bool InformerFactory::waitForSync(const Cancellation& stop, milliseconds timeout) const {
  auto deadline = steady_clock::now() + timeout;
  while (!allSynced()) {
    if (steady_clock::now() >= deadline || stop.waitFor(milliseconds(20))) return allSynced();
  }
  return true;
}

}  // namespace flop::kube
