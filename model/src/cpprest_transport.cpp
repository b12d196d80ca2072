// A minimal cpprestsdk Transport private to fl-model (the runtime's CppRestTransport was not yet
// buildable when this was written). Plain request/response only; enough for /v1/model/import.
#include <cpprest/http_client.h>

#include <algorithm>

#include "flop/model/import_client.hpp"

namespace flop::model {

namespace {

class CliTransport final : public http::Transport {
 public:
  http::Response send(const http::Request& request) override {
    using namespace web::http;
    try {
      client::http_client_config cfg;
      cfg.set_timeout(std::chrono::duration_cast<std::chrono::seconds>(request.timeout));
      client::http_client client(utility::conversions::to_string_t(request.url), cfg);
      http_request req(utility::conversions::to_string_t(request.method));
      std::string contentType = "application/octet-stream";
      for (const auto& [k, v] : request.headers) {
        if (k == "content-type") {
          contentType = v;
        } else {
          req.headers().add(k, v);
        }
      }
      req.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
      req.headers().set_content_type(contentType);
      const http_response resp = client.request(req).get();
      http::Response out;
      out.status = resp.status_code();
      for (const auto& [k, v] : resp.headers()) {
        std::string key = k;
        std::transform(key.begin(), key.end(), key.begin(), ::tolower);
        out.headers[key] = v;
      }
      const auto bytes = resp.extract_vector().get();
      out.body.assign(bytes.begin(), bytes.end());
      return out;
    } catch (const web::http::http_exception& e) {
      throw http::TransportError(http::TransportError::Kind::Connect,
                                 request.url + ": " + e.what());
    }
  }
  http::Response stream(const http::Request& request, const http::ChunkSink& sink) override {
    auto resp = send(request);
    if (resp.status >= 200 && resp.status < 300) {
      sink(resp.body);
      resp.body.clear();
    }
    return resp;
  }
};

}  // namespace

std::unique_ptr<http::Transport> makeCliTransport() { return std::make_unique<CliTransport>(); }

}  // namespace flop::model
