#include "flop/kube/informer.hpp"

#include <random>

// glibc's heap, unless a sanitizer replaced it: malloc_trim then walks arenas the sanitizer
// never set up (crashes when two informers sync at once under ASan).
#if defined(__GLIBC__) && !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
#define FLOP_GLIBC_HEAP 1
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
    for (const auto& object : store_.snapshot()) handler.onAdd(object->decode());
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

void Informer::keepWholeObjects() {
  if (!options_.metadataOnly) return;
  if (started_.load())
    throw Error("informer for " + resource_.displayName() +
                " already caches metadata only; ask for whole objects before it starts");
  options_.metadataOnly = false;
}

void Informer::transform(Json& object) const {
  if (options_.stripManagedFields) {
    if (auto meta = object.find("metadata"); meta != object.end() && meta->is_object())
      meta->erase("managedFields");
  }
  if (options_.metadataOnly && object.is_object()) {
    for (auto it = object.begin(); it != object.end();) {
      if (it.key() == "apiVersion" || it.key() == "kind" || it.key() == "metadata")
        ++it;
      else
        it = object.erase(it);
    }
  }
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
  // Each item becomes a compact snapshot as soon as it is parsed: neither a whole page nor the
  // whole list is ever held parsed, which keeps the peak close to the cache's own size.
  std::vector<CompactPtr> objects;
  options.onItem = [&](Json&& item) {
    transform(item);
    objects.push_back(compact(item));
  };
  std::string resourceVersion;
  for (int restarts = 0;;) {
    try {
      ListPage page = client_.list(resource_, r.namespace_, options);
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
  // Decoded one at a time, so the peak holds one parsed object, not the whole list.
  for (const auto& o : delta.deleted) dispatchDelete(o->decode());
  for (const auto& o : delta.added) dispatchAdd(o->decode());
  for (const auto& [a, b] : delta.updated) dispatchUpdate(a->decode(), b->decode());
  delta = ReplaceDelta{};
#ifdef FLOP_GLIBC_HEAP
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
      transform(event.object);
      auto object = std::make_shared<const Json>(std::move(event.object));
      r.resourceVersion = resourceVersionOf(*object);
      ObjectPtr old = store_.upsert(object);
      if (old)
        dispatchUpdate(old, object);
      else
        dispatchAdd(object);
      break;
    }
    case WatchEvent::Type::Deleted: {
      transform(event.object);
      auto object = std::make_shared<const Json>(std::move(event.object));
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
    for (const auto& compact : store_.snapshot()) {
      ObjectPtr object = compact->decode();
      dispatchUpdate(object, object);
    }
  }
}

Informer& InformerFactory::informerFor(const ResourceRef& resource, CachedFields fields,
                                       const std::string& labelSelector) {
  std::lock_guard lock(mutex_);
  const auto& selector = labelSelector.empty() ? defaults_.labelSelector : labelSelector;
  for (auto& informer : informers_) {
    if (informer->resource() != resource || informer->labelSelector() != selector) continue;
    if (fields == CachedFields::WholeObjects) informer->keepWholeObjects();
    return *informer;
  }
  InformerOptions options = defaults_;
  options.metadataOnly = fields == CachedFields::MetadataOnly;
  options.labelSelector = selector;
  informers_.push_back(std::make_unique<Informer>(client_, resource, options));
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
