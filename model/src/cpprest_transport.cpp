// A minimal cpprestsdk Transport private to fl-model (the runtime's CppRestTransport was not yet
// buildable when this was written). Whole responses for /v1/model/import; streamed bodies for
// `fl-model fetch`, so a large archive never sits in memory.
#include <cpprest/http_client.h>
#include <cpprest/rawptrstream.h>

#include <algorithm>
#include <vector>

#include "flop/model/import_client.hpp"

namespace flop::model {

namespace {

using web::http::http_request;
using web::http::http_response;
using web::http::client::http_client;

http_response exchange(const http::Request& request) {
  try {
    web::http::client::http_client_config cfg;
    cfg.set_timeout(std::chrono::duration_cast<std::chrono::seconds>(request.timeout));
    http_client client(utility::conversions::to_string_t(request.url), cfg);
    http_request req(utility::conversions::to_string_t(request.method));
    std::string contentType = "application/octet-stream";
    for (const auto& [k, v] : request.headers) {
      if (k == "content-type") {
        contentType = v;
      } else {
        req.headers().add(k, v);
      }
    }
    if (!request.body.empty() || request.method != "GET") {
      req.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
      req.headers().set_content_type(contentType);
    }
    return client.request(req).get();
  } catch (const web::uri_exception& e) {
    throw InvalidInput(request.url, std::string("not a valid URL: ") + e.what());
  } catch (const web::http::http_exception& e) {
    throw http::TransportError(http::TransportError::Kind::Connect, request.url + ": " + e.what());
  }
}

http::Response head(const http_response& resp) {
  http::Response out;
  out.status = resp.status_code();
  for (const auto& [k, v] : resp.headers()) {
    std::string key = k;
    std::transform(key.begin(), key.end(), key.begin(), ::tolower);
    out.headers[key] = v;
  }
  return out;
}

std::string wholeBody(const http_response& resp, const std::string& url) {
  try {
    const auto bytes = resp.extract_vector().get();
    return std::string(bytes.begin(), bytes.end());
  } catch (const web::http::http_exception& e) {
    throw http::TransportError(http::TransportError::Kind::Io, url + ": " + e.what());
  }
}

class CliTransport final : public http::Transport {
 public:
  http::Response send(const http::Request& request) override {
    const auto resp = exchange(request);
    auto out = head(resp);
    out.body = wholeBody(resp, request.url);
    return out;
  }
  http::Response stream(const http::Request& request, const http::ChunkSink& sink) override {
    const auto resp = exchange(request);
    auto out = head(resp);
    if (out.status < 200 || out.status >= 300) {
      out.body = wholeBody(resp, request.url);
      return out;
    }
    // The body is read as it arrives, one buffer at a time.
    auto body = resp.body();
    std::vector<uint8_t> buf(1 << 16);
    try {
      for (;;) {
        concurrency::streams::rawptr_buffer<uint8_t> target(buf.data(), buf.size(), std::ios::out);
        const size_t n = body.read(target, buf.size()).get();
        if (n == 0) break;
        if (!sink(std::string_view(reinterpret_cast<const char*>(buf.data()), n))) break;
      }
    } catch (const web::http::http_exception& e) {
      throw http::TransportError(http::TransportError::Kind::Io, request.url + ": " + e.what());
    }
    return out;
  }
};

}  // namespace

std::unique_ptr<http::Transport> makeCliTransport() { return std::make_unique<CliTransport>(); }

}  // namespace flop::model
