#include "flop/manager/options.hpp"

#include <charconv>
#include <functional>
#include <map>

#include "flop/error.hpp"

namespace flop::manager {
using namespace std::chrono;

namespace {

bool parseBool(const std::string& flag, const std::string& value) {
  if (value == "true" || value == "1") return true;
  if (value == "false" || value == "0") return false;
  throw InvalidInput(flag, "expected true or false, got \"" + value + "\"");
}

int parsePositiveInt(const std::string& flag, const std::string& value) {
  int n = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), n);
  if (ec != std::errc() || p != value.data() + value.size() || n < 1)
    throw InvalidInput(flag, "expected a positive integer, got \"" + value + "\"");
  return n;
}

double parseRate(const std::string& flag, const std::string& value) {
  double rate = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), rate);
  if (ec != std::errc() || p != value.data() + value.size() || !(rate >= 0) || rate > 1e6)
    throw InvalidInput(flag,
                       "expected requests per second >= 0 (0: no limit), got \"" + value + "\"");
  return rate;
}

std::vector<std::string> splitList(const std::string& value) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= value.size()) {
    auto end = value.find(',', start);
    auto item = value.substr(start, end == std::string::npos ? std::string::npos : end - start);
    while (!item.empty() && item.front() == ' ') item.erase(0, 1);
    while (!item.empty() && item.back() == ' ') item.pop_back();
    if (!item.empty()) out.push_back(item);
    if (end == std::string::npos) break;
    start = end + 1;
  }
  return out;
}

}  // namespace

milliseconds parseDuration(const std::string& flag, const std::string& value) {
  double number = 0;
  auto [p, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || number < 0)
    throw InvalidInput(flag, "expected a duration like 15s, 500ms or 2m, got \"" + value + "\"");
  std::string unit(p, value.data() + value.size());
  double factor = 0;
  if (unit.empty() || unit == "s")
    factor = 1000;
  else if (unit == "ms")
    factor = 1;
  else if (unit == "m")
    factor = 60'000;
  else if (unit == "h")
    factor = 3'600'000;
  else
    throw InvalidInput(flag, "unknown duration unit \"" + unit + "\" (use ms, s, m or h)");
  return milliseconds(static_cast<long long>(number * factor));
}

BindAddress parseBindAddress(const std::string& flag, const std::string& value) {
  if (value == "0" || value.empty()) return {};
  auto colon = value.rfind(':');
  if (colon == std::string::npos)
    throw InvalidInput(flag, "expected host:port, :port or 0, got \"" + value + "\"");
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  int port = -1;
  const std::string portText = value.substr(colon + 1);
  auto [p, ec] = std::from_chars(portText.data(), portText.data() + portText.size(), port);
  if (ec != std::errc() || p != portText.data() + portText.size() || port < 0 || port > 65535)
    throw InvalidInput(flag, "invalid port in \"" + value + "\"");
  return {host.empty() ? "0.0.0.0" : host, port};
}

ManagerOptions parseFlags(const std::vector<std::string>& args) {
  ManagerOptions o;
  using Setter = std::function<void(const std::string& flag, const std::string& value)>;
  const std::map<std::string, std::pair<bool, Setter>> flags = {
      // name -> {is boolean, setter}
      {"kubeconfig", {false, [&](auto&, auto& v) { o.kubeconfig = v; }}},
      {"metrics-bind-address",
       {false, [&](auto& f, auto& v) { parseBindAddress(f, v), o.metricsBindAddress = v; }}},
      {"health-probe-bind-address",
       {false, [&](auto& f, auto& v) { parseBindAddress(f, v), o.healthProbeBindAddress = v; }}},
      {"leader-elect", {true, [&](auto& f, auto& v) { o.leaderElect = parseBool(f, v); }}},
      {"leader-election-id",
       {false,
        [&](auto& f, auto& v) {
          if (v.empty()) throw InvalidInput(f, "must not be empty");
          o.leaderElectionId = v;
        }}},
      {"leader-election-namespace",
       {false, [&](auto&, auto& v) { o.leaderElectionNamespace = v; }}},
      {"leader-election-lease-duration",
       {false, [&](auto& f, auto& v) { o.leaseDuration = parseDuration(f, v); }}},
      {"leader-election-renew-deadline",
       {false, [&](auto& f, auto& v) { o.renewDeadline = parseDuration(f, v); }}},
      {"leader-election-retry-period",
       {false, [&](auto& f, auto& v) { o.retryPeriod = parseDuration(f, v); }}},
      {"watch-namespaces", {false, [&](auto&, auto& v) { o.watchNamespaces = splitList(v); }}},
      {"log-level",
       {false,
        [&](auto& f, auto& v) {
          if (v != "trace" && v != "debug" && v != "info" && v != "warn" && v != "error")
            throw InvalidInput(f, "expected trace, debug, info, warn or error, got \"" + v + "\"");
          o.logLevel = v;
        }}},
      {"log-format",
       {false,
        [&](auto& f, auto& v) {
          if (v != "json" && v != "text")
            throw InvalidInput(f, "expected json or text, got \"" + v + "\"");
          o.logFormat = v;
        }}},
      {"max-concurrent-reconciles",
       {false, [&](auto& f, auto& v) { o.maxConcurrentReconciles = parsePositiveInt(f, v); }}},
      {"graceful-shutdown-timeout",
       {false, [&](auto& f, auto& v) { o.gracefulShutdownTimeout = parseDuration(f, v); }}},
      {"kube-api-qps", {false, [&](auto& f, auto& v) { o.kubeApiQps = parseRate(f, v); }}},
      {"kube-api-burst",
       {false, [&](auto& f, auto& v) { o.kubeApiBurst = parsePositiveInt(f, v); }}},
      {"help", {true, [&](auto& f, auto& v) { o.help = parseBool(f, v); }}},
  };
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h") {
      o.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0 && arg.rfind("-", 0) != 0)
      throw InvalidInput(arg, "unexpected argument (flags start with --)");
    std::string body = arg.substr(arg.rfind("--", 0) == 0 ? 2 : 1);
    std::optional<std::string> value;
    if (auto eq = body.find('='); eq != std::string::npos) {
      value = body.substr(eq + 1);
      body.resize(eq);
    }
    const std::string flag = "--" + body;
    auto it = flags.find(body);
    if (it == flags.end()) throw InvalidInput(flag, "unknown flag (see --help)");
    const auto& [isBool, set] = it->second;
    if (!value) {
      if (isBool)
        value = "true";
      else if (i + 1 < args.size())
        value = args[++i];
      else
        throw InvalidInput(flag, "needs a value");
    }
    set(flag, *value);
  }
  if (o.leaderElect && !(o.retryPeriod < o.renewDeadline && o.renewDeadline < o.leaseDuration))
    throw InvalidInput("--leader-election-renew-deadline",
                       "need retry period < renew deadline < lease duration");
  return o;
}

std::string usage() {
  return R"(Usage: fl-operator [flags]

  --kubeconfig PATH                   kubeconfig (default: $KUBECONFIG, in-cluster, ~/.kube/config)
  --metrics-bind-address ADDR         /metrics listen address, host:port or :port; 0 disables (default :8080)
  --health-probe-bind-address ADDR    /healthz and /readyz listen address; 0 disables (default :8081)
  --leader-elect                      run controllers only while holding the leader lease
  --leader-election-id NAME           name of the Lease (default fl-operator-leader)
  --leader-election-namespace NS      namespace of the Lease (default: the client's namespace)
  --leader-election-lease-duration D  (default 15s)
  --leader-election-renew-deadline D  (default 10s)
  --leader-election-retry-period D    (default 2s)
  --watch-namespaces NS[,NS...]       namespaces to watch (default: all)
  --log-level LEVEL                   trace|debug|info|warn|error (default info)
  --log-format FORMAT                 text|json (default text)
  --max-concurrent-reconciles N       workers per controller (default 1)
  --graceful-shutdown-timeout D       bound on shutdown after SIGTERM (default 30s)
  --kube-api-qps N                    client-side limit on API requests per second; 0: none (default 20)
  --kube-api-burst N                  requests allowed at once above that rate (default 30)
)";
}

}  // namespace flop::manager
