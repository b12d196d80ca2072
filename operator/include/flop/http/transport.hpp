#pragma once
// The one seam at the HTTP layer. Everything that talks HTTP (the Kubernetes client, the
// FATE-Flow client, the MindSpore scheduler client) does so through a Transport, so reconcilers
// and clients are unit-testable without sockets (tests use FakeTransport) and cpprestsdk can be
// replaced later without touching them.
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>

#include "flop/cancellation.hpp"
#include "flop/error.hpp"

namespace flop::http {

// Header names are compared case-insensitively; store them lower-case.
using Headers = std::map<std::string, std::string>;

struct Request {
  std::string method = "GET";
  std::string url;  // absolute: scheme://host:port/path?query
  Headers headers;
  std::string body;
  std::chrono::milliseconds timeout{30'000};
  // Optional: cancelling it aborts the request or stream (TransportError::Kind::Cancelled).
  std::shared_ptr<Cancellation> cancellation;
};

struct Response {
  int status = 0;
  Headers headers;  // lower-case names
  std::string body;
};

// Connection refused, TLS failure, timeout, reset: no HTTP status was received.
class TransportError : public Error {
 public:
  enum class Kind { Connect, Timeout, Tls, Io, Cancelled };
  TransportError(Kind kind, const std::string& what) : Error(what), kind_(kind) {}
  Kind kind() const noexcept { return kind_; }

 private:
  Kind kind_;
};

// Receives body chunks of a streaming response as they arrive; return false to stop reading.
using ChunkSink = std::function<bool(std::string_view chunk)>;

class Transport {
 public:
  virtual ~Transport() = default;
  // Sends a request and returns the whole response. Throws TransportError when no response.
  virtual Response send(const Request& request) = 0;
  // Sends a request and streams the body to `sink` (watch). The returned Response carries the
  // status and headers; its body is empty unless the status is not 2xx (then it holds the error).
  virtual Response stream(const Request& request, const ChunkSink& sink) = 0;
};

}  // namespace flop::http
