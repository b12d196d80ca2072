// The listener half of the management sidecar (cpprestsdk), kept apart from the request logic.
#include <cpprest/http_listener.h>

#include <algorithm>
#include <cctype>
#include <cstdio>

#include "flop/flcluster/scheduler_proxy.hpp"
#include "flop/http/cpprest_transport.hpp"

namespace flop::flcluster {

int runSchedulerProxy(const ProxyOptions& options, const Cancellation& stop) {
  http::TlsOptions tls;
  tls.insecureSkipVerify = options.upstreamInsecureSkipVerify;  // 127.0.0.1 hop only
  http::CppRestTransport upstream(tls);
  namespace listener = web::http::experimental::listener;
  listener::http_listener server(utility::conversions::to_string_t("http://" + options.listen));
  server.support([&](web::http::http_request request) {
    http::Headers headers;
    for (const auto& [name, value] : request.headers()) {
      std::string lower = utility::conversions::to_utf8string(name);
      std::transform(lower.begin(), lower.end(), lower.begin(),
                     [](unsigned char c) { return std::tolower(c); });
      headers[lower] = utility::conversions::to_utf8string(value);
    }
    std::string body = request.extract_utf8string(true).get();
    auto reply = forwardManagementRequest(
        upstream, options, utility::conversions::to_utf8string(request.method()),
        utility::conversions::to_utf8string(request.relative_uri().to_string()), headers,
        std::move(body));
    web::http::http_response response(static_cast<web::http::status_code>(reply.status));
    auto type = reply.headers.count("content-type") ? reply.headers["content-type"]
                                                    : std::string("text/plain");
    response.set_body(reply.body, type);
    request.reply(response).wait();
  });
  try {
    server.open().wait();
  } catch (const std::exception& e) {
    std::fprintf(stderr, "scheduler-proxy: cannot listen on %s: %s\n", options.listen.c_str(),
                 e.what());
    return 1;
  }
  std::fprintf(stderr, "scheduler-proxy: %s -> %s\n", options.listen.c_str(),
               options.upstream.c_str());
  stop.wait();
  server.close().wait();
  return 0;
}

}  // namespace flop::flcluster
