#include "flop/flcluster/scheduler_proxy.hpp"

#include <algorithm>
#include <array>
#include <fstream>
#include <optional>
#include <sstream>
#include <string_view>

#include "flop/error.hpp"

namespace flop::flcluster {
namespace {

constexpr std::array<std::string_view, 9> kManagementPaths{
    "/state",       "/nodes",         "/scaleout",  "/scalein",   "/scaleoutRollback",
    "/newInstance", "/queryInstance", "/enableFLS", "/disableFLS"};

// Compares in time independent of where the strings differ.
bool sameSecret(std::string_view a, std::string_view b) {
  unsigned char diff = a.size() == b.size() ? 0 : 1;
  for (std::size_t i = 0; i < a.size(); ++i)
    diff |= static_cast<unsigned char>(a[i] ^ (i < b.size() ? b[i] : 0));
  return diff == 0;
}

http::Response jsonError(int status, const std::string& message) {
  return http::Response{
      status, {{"content-type", "application/json"}}, R"({"error":")" + message + R"("})"};
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' '))
    text.pop_back();
  return text;
}

}  // namespace

ProxyOptions parseProxyFlags(const std::vector<std::string>& args) {
  ProxyOptions options;
  for (const auto& arg : args) {
    auto value = [&](std::string_view flag) -> std::optional<std::string> {
      const std::string prefix = std::string(flag) + "=";
      if (arg.rfind(prefix, 0) == 0) return arg.substr(prefix.size());
      return std::nullopt;
    };
    if (auto v = value("--listen")) {
      options.listen = *v;
    } else if (auto u = value("--upstream")) {
      options.upstream = *u;
    } else if (auto t = value("--token-file")) {
      options.tokenFile = *t;
    } else if (arg == "--upstream-insecure-skip-verify") {
      options.upstreamInsecureSkipVerify = true;
    } else {
      throw InvalidInput(arg, "unknown scheduler-proxy flag");
    }
  }
  if (options.tokenFile.empty()) throw InvalidInput("--token-file", "is required");
  std::ifstream file(options.tokenFile);
  if (!file) throw InvalidInput("--token-file", "cannot read " + options.tokenFile);
  std::stringstream content;
  content << file.rdbuf();
  options.token = trimmed(content.str());
  if (options.token.empty()) throw InvalidInput("--token-file", options.tokenFile + " is empty");
  while (!options.upstream.empty() && options.upstream.back() == '/') options.upstream.pop_back();
  return options;
}

http::Response forwardManagementRequest(http::Transport& upstream, const ProxyOptions& options,
                                        const std::string& method, const std::string& pathAndQuery,
                                        const http::Headers& headers, std::string body) {
  auto auth = headers.find("authorization");
  const std::string_view bearer = "Bearer ";
  if (auth == headers.end() || auth->second.rfind(bearer, 0) != 0 ||
      !sameSecret(std::string_view(auth->second).substr(bearer.size()), options.token))
    return jsonError(401, "unauthorized");
  const auto path = pathAndQuery.substr(0, pathAndQuery.find('?'));
  if (std::find(kManagementPaths.begin(), kManagementPaths.end(), path) == kManagementPaths.end())
    return jsonError(404, "not a scheduler management path");
  http::Request request;
  request.method = method;
  request.url = options.upstream + path;
  request.body = std::move(body);
  request.timeout = options.timeout;
  if (!request.body.empty()) request.headers["content-type"] = "application/json";
  try {
    auto reply = upstream.send(request);
    http::Response out{reply.status, {}, std::move(reply.body)};
    if (auto type = reply.headers.find("content-type"); type != reply.headers.end())
      out.headers["content-type"] = type->second;
    return out;
  } catch (const http::TransportError&) {
    return jsonError(502, "scheduler did not answer");
  }
}

}  // namespace flop::flcluster
