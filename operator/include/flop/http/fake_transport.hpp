#pragma once
// FakeTransport: an in-memory Transport for unit tests. It records every request and answers
// from scripted responses, so clients and reconcilers are tested without sockets.
//
//   auto fake = std::make_shared<flop::http::FakeTransport>();
//   fake->enqueue("GET", "/api/v1/namespaces/a/pods/p", FakeTransport::json(200, pod));
//   fake->always("PATCH", "/apis/fl.example.org/v1alpha1/*", FakeTransport::json(200, obj));
//   ... exercise the code ...
//   EXPECT_EQ(fake->requests("PATCH").size(), 1);
//
// Routes match on method and URL path (no scheme, host or query); a path ending in '*' matches
// by prefix. Queued replies (enqueue*) are used once each, in order, before any `always` reply.
// send() uses enqueue/always replies, stream() (watches) uses enqueueStream replies, and
// enqueueError applies to both; so a list scripted with `always` never answers a watch.
// A request with no reply throws flop::Error naming it, so an unexpected call fails the test;
// except a stream with nothing scripted, which idles until its cancellation fires (like a quiet
// watch) and then throws TransportError(Cancelled).
#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "flop/http/transport.hpp"

namespace flop::http {

class FakeTransport : public Transport {
 public:
  // A computed reply; return nullopt to fall through to "no reply".
  using Handler = std::function<std::optional<Response>(const Request&)>;

  static Response json(int status, const nlohmann::json& body, Headers headers = {}) {
    headers.emplace("content-type", "application/json");
    return Response{status, std::move(headers), body.dump()};
  }

  // A Kubernetes Status error body (what the API server sends for 4xx/5xx).
  static Response status(int code, const std::string& reason, const std::string& message,
                         nlohmann::json details = nullptr) {
    nlohmann::json body{{"kind", "Status"},   {"apiVersion", "v1"}, {"status", "Failure"},
                        {"message", message}, {"reason", reason},   {"code", code}};
    if (!details.is_null()) body["details"] = std::move(details);
    return json(code, body);
  }

  void enqueue(std::string method, std::string path, Response response) {
    std::lock_guard lock(mutex_);
    routes_.push_back(
        Route{std::move(method), std::move(path), false, replyOf(std::move(response)), Use::Send});
  }

  // A streamed reply delivered as the given chunks, then a clean end of stream.
  void enqueueStream(std::string method, std::string path, std::vector<std::string> chunks,
                     int status = 200) {
    Reply reply = replyOf(Response{status, {}, {}});
    reply.chunks = std::move(chunks);
    std::lock_guard lock(mutex_);
    routes_.push_back(
        Route{std::move(method), std::move(path), false, std::move(reply), Use::Stream});
  }

  // The request fails without an HTTP response (connection refused, reset, timeout).
  void enqueueError(std::string method, std::string path, TransportError::Kind kind) {
    Reply reply;
    reply.error = kind;
    std::lock_guard lock(mutex_);
    routes_.push_back(
        Route{std::move(method), std::move(path), false, std::move(reply), Use::Both});
  }

  // A reply used for every matching request once the queued ones are used up.
  void always(std::string method, std::string path, Response response) {
    std::lock_guard lock(mutex_);
    routes_.push_back(
        Route{std::move(method), std::move(path), true, replyOf(std::move(response)), Use::Send});
  }

  // Consulted when no scripted route matches.
  void setHandler(Handler handler) {
    std::lock_guard lock(mutex_);
    handler_ = std::move(handler);
  }

  // Every request received so far, optionally only those with `method`.
  std::vector<Request> requests(const std::string& method = "") const {
    std::lock_guard lock(mutex_);
    std::vector<Request> out;
    for (const auto& r : requests_)
      if (method.empty() || r.method == method) out.push_back(r);
    return out;
  }

  std::size_t count(const std::string& method, const std::string& path) const {
    std::lock_guard lock(mutex_);
    std::size_t n = 0;
    for (const auto& r : requests_)
      if (r.method == method && matches(path, pathOf(r.url))) ++n;
    return n;
  }

  // Blocks until at least `n` requests arrived or `timeout` passed; returns whether they did.
  bool waitForRequests(std::size_t n, std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mutex_);
    return arrived_.wait_for(lock, timeout, [&] { return requests_.size() >= n; });
  }

  Response send(const Request& request) override {
    auto reply = take(request, Use::Send);
    if (reply.error)
      throw TransportError(*reply.error, "fake transport error for " + describe(request));
    if (!reply.chunks.empty()) {
      for (const auto& c : reply.chunks) reply.response.body += c;
    }
    return reply.response;
  }

  Response stream(const Request& request, const ChunkSink& sink) override {
    std::optional<Reply> reply = tryTake(request, Use::Stream);
    if (!reply) {
      if (!request.cancellation)
        throw Error("FakeTransport: no scripted stream for " + describe(request));
      request.cancellation->wait();
      throw TransportError(TransportError::Kind::Cancelled, "cancelled: " + describe(request));
    }
    if (reply->error)
      throw TransportError(*reply->error, "fake transport error for " + describe(request));
    if (reply->response.status < 200 || reply->response.status >= 300) return reply->response;
    for (const auto& chunk : reply->chunks) {
      if (request.cancellation && request.cancellation->cancelled())
        throw TransportError(TransportError::Kind::Cancelled, "cancelled: " + describe(request));
      if (!sink(chunk)) break;
    }
    if (!reply->response.body.empty()) sink(reply->response.body);
    Response headOnly = reply->response;
    headOnly.body.clear();
    return headOnly;
  }

  static std::string pathOf(const std::string& url) {
    auto start = url.find("://");
    start = start == std::string::npos ? 0 : url.find('/', start + 3);
    if (start == std::string::npos) return "/";
    return url.substr(start, url.find('?', start) - start);
  }

  // The decoded-as-is value of query parameter `name`, or nullopt.
  static std::optional<std::string> queryParam(const std::string& url, const std::string& name) {
    auto q = url.find('?');
    while (q != std::string::npos) {
      auto end = url.find('&', q + 1);
      auto pair = url.substr(q + 1, end == std::string::npos ? std::string::npos : end - q - 1);
      auto eq = pair.find('=');
      if (pair.substr(0, eq) == name)
        return eq == std::string::npos ? std::string() : pair.substr(eq + 1);
      q = end;
    }
    return std::nullopt;
  }

 private:
  struct Reply {
    Response response;
    std::vector<std::string> chunks;
    std::optional<TransportError::Kind> error;
  };
  static Reply replyOf(Response response) {
    Reply reply;
    reply.response = std::move(response);
    return reply;
  }
  enum class Use { Send, Stream, Both };
  struct Route {
    std::string method;
    std::string path;
    bool sticky;
    Reply reply;
    Use use;
  };

  static bool matches(const std::string& pattern, const std::string& path) {
    if (!pattern.empty() && pattern.back() == '*')
      return path.compare(0, pattern.size() - 1, pattern, 0, pattern.size() - 1) == 0;
    return pattern == path;
  }

  static std::string describe(const Request& r) { return r.method + " " + r.url; }

  std::optional<Reply> tryTake(const Request& request, Use use) {
    Handler handler;
    {
      std::lock_guard lock(mutex_);
      requests_.push_back(request);
      arrived_.notify_all();
      const auto path = pathOf(request.url);
      for (bool sticky : {false, true}) {
        for (auto it = routes_.begin(); it != routes_.end(); ++it) {
          if (it->sticky != sticky || it->method != request.method || !matches(it->path, path))
            continue;
          if (it->use != Use::Both && it->use != use) continue;
          Reply reply = it->reply;
          if (!sticky) routes_.erase(it);
          return reply;
        }
      }
      handler = handler_;
    }
    if (handler) {
      if (auto response = handler(request)) return replyOf(std::move(*response));
    }
    return std::nullopt;
  }

  Reply take(const Request& request, Use use) {
    auto reply = tryTake(request, use);
    if (!reply) throw Error("FakeTransport: no scripted response for " + describe(request));
    return std::move(*reply);
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable arrived_;
  std::deque<Route> routes_;
  std::vector<Request> requests_;
  Handler handler_;
};

}  // namespace flop::http
