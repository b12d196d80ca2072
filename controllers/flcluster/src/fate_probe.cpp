#include "flop/flcluster/fate_probe.hpp"

#include <nlohmann/json.hpp>

namespace flop::flcluster {

std::string fateFlowBaseUrl(const api::FateFlowEndpoint& endpoint, const std::string& ns) {
  std::string url;
  if (endpoint.url) {
    url = *endpoint.url;
  } else if (endpoint.service) {
    url = "http://" + endpoint.service->name + "." + ns +
          ".svc:" + std::to_string(endpoint.service->port.value_or(9380));
  }
  while (!url.empty() && url.back() == '/') url.pop_back();
  return url;
}

FateProbe probeFateFlow(http::Transport& transport, const std::string& baseUrl,
                        const std::optional<api::FateAppCredentials>& credentials) {
  FateProbe probe;
  if (baseUrl.empty()) {
    probe.message = "spec.fate.flow has neither a service nor a url";
    return probe;
  }
  http::Request request;
  request.method = "POST";
  request.url = baseUrl + "/v1/version/get";
  request.headers["content-type"] = "application/json";
  request.body = R"({"module":"FATE"})";
  request.timeout = std::chrono::seconds(10);
  if (credentials) {
    auto signature =
        api::fate_auth_headers(*credentials, request.url, request.body, {},
                               std::chrono::system_clock::now(), api::fate_auth_nonce());
    for (auto& [name, value] : signature) request.headers[name] = std::move(value);
  }
  http::Response response;
  try {
    response = transport.send(request);
  } catch (const http::TransportError& e) {
    probe.message = std::string("FATE-Flow did not answer: ") + e.what();
    return probe;
  }
  const auto body = nlohmann::json::parse(response.body, nullptr, false);
  if (!body.is_object()) {
    probe.message = "FATE-Flow answered HTTP " + std::to_string(response.status) + " without JSON";
    return probe;
  }
  const auto retcode = body.value("retcode", response.status == 200 ? 0 : response.status);
  if (response.status != 200 || retcode != 0) {
    probe.message = "FATE-Flow /v1/version/get failed (HTTP " + std::to_string(response.status) +
                    ", retcode " + std::to_string(retcode) + "): " + body.value("retmsg", "");
    return probe;
  }
  probe.reachable = true;
  const auto data = body.value("data", nlohmann::json::object());
  if (data.is_object() && data.contains("FATE") && data["FATE"].is_string())
    probe.version = data["FATE"].get<std::string>();
  probe.message =
      probe.version ? "FATE " + *probe.version : "FATE-Flow reachable; no version reported";
  return probe;
}

}  // namespace flop::flcluster
