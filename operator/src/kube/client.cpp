#include "flop/kube/client.hpp"

#include <thread>

#include <spdlog/spdlog.h>

namespace flop::kube {
namespace {

constexpr const char* kJson = "application/json";
constexpr int kThrottleRetries = 3;

std::string hostOf(const std::string& server) {
  auto start = server.find("://");
  start = start == std::string::npos ? 0 : start + 3;
  return server.substr(start, server.find('/', start) - start);
}

const char* patchContentType(PatchType type) {
  switch (type) {
    case PatchType::MergePatch:
      return "application/merge-patch+json";
    case PatchType::JsonPatch:
      return "application/json-patch+json";
    case PatchType::StrategicMergePatch:
      return "application/strategic-merge-patch+json";
  }
  return kJson;
}

// Builds "?a=b&c=d" from the non-empty values.
class Query {
 public:
  Query& add(const char* name, const std::string& value) {
    if (value.empty()) return *this;
    text_ += text_.empty() ? '?' : '&';
    text_ += name;
    text_ += '=';
    text_ += urlEncode(value);
    return *this;
  }
  const std::string& str() const { return text_; }

 private:
  std::string text_;
};

std::string requireName(const Json& object, const ResourceRef& r, const char* verb) {
  std::string name = nameOf(object);
  if (name.empty())
    throw InvalidInput(std::string(verb) + " " + r.kind + ": metadata.name", "is required");
  return name;
}

std::string objectNamespace(const Json& object, const ResourceRef& r) {
  return r.namespaced ? namespaceOf(object) : std::string();
}

}  // namespace

std::string urlEncode(std::string_view value) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : value) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}

Client::Client(Config config, std::shared_ptr<http::Transport> transport, RequestObserver observer)
    : config_(std::move(config)),
      transport_(std::move(transport)),
      observer_(std::move(observer)),
      host_(hostOf(config_.server)),
      tokens_(std::make_shared<TokenSource>(config_)),
      limiter_(std::make_shared<TokenBucket>(config_.qps, config_.burst)) {}

void Client::observe(const std::string& method, const std::string& code) const {
  if (observer_) observer_(method, host_, code);
}

http::Request Client::makeRequest(const std::string& method,
                                  const std::string& pathAndQuery) const {
  http::Request request;
  request.method = method;
  request.url = config_.server + pathAndQuery;
  request.headers["accept"] = kJson;
  request.headers["user-agent"] = config_.userAgent;
  request.timeout = config_.requestTimeout;
  return request;
}

http::Response Client::call(http::Request request, bool retryThrottled) const {
  for (int attempt = 0;; ++attempt) {
    if (auto wait = limiter_->reserve(); wait > wait.zero()) {
      spdlog::debug("client-side rate limit: waiting method={} wait_ms={}", request.method,
                    std::chrono::duration_cast<std::chrono::milliseconds>(wait).count());
      std::this_thread::sleep_for(wait);
    }
    if (auto token = tokens_->token(); !token.empty())
      request.headers["authorization"] = "Bearer " + token;
    http::Response response;
    const auto sent = std::chrono::steady_clock::now();
    try {
      response = transport_->send(request);
    } catch (const http::TransportError&) {
      observe(request.method, "<error>");
      throw;
    }
    observe(request.method, std::to_string(response.status));
    spdlog::trace(
        "api call method={} url={} status={} duration_ms={:.1f}", request.method, request.url,
        response.status,
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - sent).count());
    if (response.status == 429 && retryThrottled && attempt < kThrottleRetries) {
      auto error = ApiError::fromResponse(request.method, request.url, response);
      auto delay = error.retryAfter().value_or(std::chrono::seconds(1));
      delay = std::min(delay, std::chrono::seconds(30));
      spdlog::debug("throttled by the API server; retrying method={} delay_s={}", request.method,
                    delay.count());
      std::this_thread::sleep_for(delay);
      continue;
    }
    return response;
  }
}

Json Client::callJson(const std::string& method, const std::string& pathAndQuery, const Json* body,
                      const std::string& contentType) const {
  auto request = makeRequest(method, pathAndQuery);
  if (body) {
    request.body = body->dump();
    request.headers["content-type"] = contentType;
  }
  auto response = call(std::move(request));
  if (response.status < 200 || response.status >= 300) {
    throw ApiError::fromResponse(method, pathAndQuery.substr(0, pathAndQuery.find('?')), response);
  }
  if (response.body.empty()) return Json::object();
  auto parsed = Json::parse(response.body, nullptr, false);
  if (parsed.is_discarded())
    throw InvalidInput(method + " " + pathAndQuery, "the API server answered with invalid JSON");
  return parsed;
}

Json Client::get(const ResourceRef& r, const std::string& ns, const std::string& name) const {
  return callJson("GET", r.objectPath(ns, name), nullptr, "");
}

std::optional<Json> Client::tryGet(const ResourceRef& r, const std::string& ns,
                                   const std::string& name) const {
  try {
    return get(r, ns, name);
  } catch (const ApiError& e) {
    if (isNotFound(e)) return std::nullopt;
    throw;
  }
}

ListPage Client::list(const ResourceRef& r, const std::string& ns,
                      const ListOptions& options) const {
  Query q;
  q.add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector)
      .add("limit", options.limit > 0 ? std::to_string(options.limit) : "")
      .add("continue", options.continueToken)
      .add("resourceVersion", options.resourceVersion);
  const std::string path = r.collectionPath(ns);
  auto response = call(makeRequest("GET", path + q.str()));
  if (response.status < 200 || response.status >= 300)
    throw ApiError::fromResponse("GET", path, response);
  // Items of a list carry no apiVersion/kind; restore them so objects are self-describing.
  auto describe = [&r](Json& item) {
    item["apiVersion"] = r.apiVersion();
    item["kind"] = r.kind;
  };
  // {"items":[{"metadata":{"managedFields":..}}]}: that key sits at depth 4, an item's end at
  // depth 2. With onItem, each item leaves the parse as soon as it is complete.
  bool inItems = false;
  Json::parser_callback_t callback = [&](int depth, Json::parse_event_t event, Json& value) {
    if (depth == 1 && event == Json::parse_event_t::key) inItems = value == "items";
    if (options.dropManagedFields && depth == 4 && event == Json::parse_event_t::key &&
        value == "managedFields")
      return false;
    if (options.onItem && inItems && depth == 2 && event == Json::parse_event_t::object_end) {
      describe(value);
      options.onItem(std::move(value));
      return false;  // dropped from the array
    }
    return true;
  };
  const bool filter = options.dropManagedFields || options.onItem;
  Json body = Json::parse(response.body, filter ? callback : nullptr, false);
  response.body.clear();
  response.body.shrink_to_fit();
  if (body.is_discarded())
    throw InvalidInput("GET " + path, "the API server answered with invalid JSON");
  ListPage page;
  if (auto meta = body.find("metadata"); meta != body.end() && meta->is_object()) {
    page.resourceVersion = meta->value("resourceVersion", "");
    page.continueToken = meta->value("continue", "");
  }
  if (auto items = body.find("items"); items != body.end() && items->is_array()) {
    page.items.reserve(items->size());
    for (auto& item : *items) {
      describe(item);
      page.items.push_back(std::move(item));
    }
  }
  return page;
}

ListPage Client::listAll(const ResourceRef& r, const std::string& ns,
                         const ListOptions& options) const {
  for (int restarts = 0;; ++restarts) {
    ListPage all;
    ListOptions pageOptions = options;
    try {
      for (;;) {
        ListPage page = list(r, ns, pageOptions);
        if (all.items.empty())
          all.items = std::move(page.items);
        else
          std::move(page.items.begin(), page.items.end(), std::back_inserter(all.items));
        all.resourceVersion = page.resourceVersion;
        if (page.continueToken.empty()) return all;
        pageOptions.continueToken = page.continueToken;
        pageOptions.resourceVersion.clear();  // not allowed together with continue
      }
    } catch (const ApiError& e) {
      // An expired continue token: the snapshot is gone, start over (a few times).
      if (!isGone(e) || pageOptions.continueToken.empty() || restarts >= 3) throw;
      spdlog::info("list continue token expired; restarting the list resource={}", r.displayName());
    }
  }
}

Json Client::create(const ResourceRef& r, const Json& object) const {
  return callJson("POST", r.collectionPath(objectNamespace(object, r)), &object, kJson);
}

Json Client::update(const ResourceRef& r, const Json& object) const {
  return callJson("PUT", r.objectPath(objectNamespace(object, r), requireName(object, r, "update")),
                  &object, kJson);
}

Json Client::updateStatus(const ResourceRef& r, const Json& object) const {
  return callJson(
      "PUT", r.objectPath(objectNamespace(object, r), requireName(object, r, "update"), "status"),
      &object, kJson);
}

bool Client::remove(const ResourceRef& r, const std::string& ns, const std::string& name,
                    const DeleteOptions& options) const {
  Json body{{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (!options.propagationPolicy.empty()) body["propagationPolicy"] = options.propagationPolicy;
  if (options.gracePeriodSeconds) body["gracePeriodSeconds"] = *options.gracePeriodSeconds;
  if (options.preconditionUid) body["preconditions"]["uid"] = *options.preconditionUid;
  if (options.preconditionResourceVersion)
    body["preconditions"]["resourceVersion"] = *options.preconditionResourceVersion;
  try {
    callJson("DELETE", r.objectPath(ns, name), &body, kJson);
    return true;
  } catch (const ApiError& e) {
    if (isNotFound(e)) return false;
    throw;
  }
}

Json Client::patch(const ResourceRef& r, const std::string& ns, const std::string& name,
                   PatchType type, const Json& patch, const std::string& subresource) const {
  return callJson("PATCH", r.objectPath(ns, name, subresource), &patch, patchContentType(type));
}

Json Client::apply(const ResourceRef& r, const Json& object, const ApplyOptions& options) const {
  if (options.fieldManager.empty())
    throw InvalidInput("apply " + r.kind + ": fieldManager", "is required for server-side apply");
  Query q;
  q.add("fieldManager", options.fieldManager).add("force", options.force ? "true" : "");
  return callJson(
      "PATCH", r.objectPath(objectNamespace(object, r), requireName(object, r, "apply")) + q.str(),
      &object, "application/apply-patch+yaml");
}

Json Client::applyStatus(const ResourceRef& r, const Json& object,
                         const ApplyOptions& options) const {
  if (options.fieldManager.empty())
    throw InvalidInput("apply " + r.kind + " status: fieldManager", "is required");
  Query q;
  q.add("fieldManager", options.fieldManager).add("force", options.force ? "true" : "");
  return callJson(
      "PATCH",
      r.objectPath(objectNamespace(object, r), requireName(object, r, "apply"), "status") + q.str(),
      &object, "application/apply-patch+yaml");
}

Json Client::createSubresource(const ResourceRef& r, const std::string& ns, const std::string& name,
                               const std::string& subresource, const Json& body) const {
  return callJson("POST", r.objectPath(ns, name, subresource), &body, kJson);
}

Json Client::getScale(const ResourceRef& r, const std::string& ns, const std::string& name) const {
  return callJson("GET", r.objectPath(ns, name, "scale"), nullptr, "");
}

Json Client::scale(const ResourceRef& r, const std::string& ns, const std::string& name,
                   int replicas) const {
  Json body{{"spec", {{"replicas", replicas}}}};
  return patch(r, ns, name, PatchType::MergePatch, body, "scale");
}

void Client::watch(const ResourceRef& r, const std::string& ns, const WatchOptions& options,
                   const std::function<bool(WatchEvent&)>& onEvent,
                   std::shared_ptr<Cancellation> cancel) const {
  Query q;
  q.add("watch", "1")
      .add("resourceVersion", options.resourceVersion)
      .add("allowWatchBookmarks", options.allowBookmarks ? "true" : "")
      .add("timeoutSeconds", std::to_string(options.timeoutSeconds))
      .add("labelSelector", options.labelSelector)
      .add("fieldSelector", options.fieldSelector);
  const std::string path = r.collectionPath(ns);
  auto request = makeRequest("GET", path + q.str());
  // The client-side timeout is an idle timeout here: keep it above the server's.
  request.timeout = std::chrono::seconds(options.timeoutSeconds + 30);
  request.cancellation = std::move(cancel);
  if (auto wait = limiter_->reserve(); wait > wait.zero()) std::this_thread::sleep_for(wait);
  if (auto token = tokens_->token(); !token.empty())
    request.headers["authorization"] = "Bearer " + token;

  WatchStreamParser parser(64u << 20, options.dropManagedFields);
  std::exception_ptr failure;
  auto deliver = [&](std::vector<WatchEvent>&& events) {
    for (auto& event : events) {
      if (event.type == WatchEvent::Type::Error)
        throw ApiError::fromStatus("watch " + path, event.object);
      if (!onEvent(event)) return false;
    }
    return true;
  };
  bool stopped = false;
  http::Response response;
  try {
    response = transport_->stream(request, [&](std::string_view chunk) {
      try {
        if (!deliver(parser.feed(chunk))) stopped = true;
      } catch (...) {
        failure = std::current_exception();
      }
      return !stopped && !failure;
    });
  } catch (const http::TransportError&) {
    observe("GET", "<error>");
    throw;
  }
  observe("GET", std::to_string(response.status));
  if (failure) std::rethrow_exception(failure);
  if (response.status < 200 || response.status >= 300)
    throw ApiError::fromResponse("WATCH", path, response);
  if (!stopped) deliver(parser.finish());
}

}  // namespace flop::kube
