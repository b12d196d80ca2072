// Manager flags, health probes, and a manager run over FakeTransport.
#include <gtest/gtest.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <thread>

#include "flop/error.hpp"
#include "flop/http/fake_transport.hpp"
#include "flop/manager/health_server.hpp"
#include "flop/manager/logging.hpp"
#include "flop/manager/manager.hpp"

using namespace std::chrono_literals;
using flop::manager::parseFlags;

namespace {

std::string httpGet(int port, const std::string& path) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return "<connect failed>";
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: x\r\n\r\n";
  ::send(fd, req.data(), req.size(), 0);
  std::string out;
  char buf[512];
  ssize_t n;
  while ((n = ::recv(fd, buf, sizeof buf, 0)) > 0) out.append(buf, static_cast<size_t>(n));
  ::close(fd);
  return out;
}

std::string flagError(std::vector<std::string> args) {
  try {
    parseFlags(args);
  } catch (const flop::InvalidInput& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(ManagerFlags, DefaultsFollowKubebuilder) {
  auto o = parseFlags({});
  EXPECT_EQ(o.metricsBindAddress, ":8080");
  EXPECT_EQ(o.healthProbeBindAddress, ":8081");
  EXPECT_FALSE(o.leaderElect);
  EXPECT_TRUE(o.watchNamespaces.empty());
  EXPECT_EQ(o.logFormat, "text");
  EXPECT_EQ(o.maxConcurrentReconciles, 1);
  EXPECT_FALSE(o.kubeconfig.has_value());
}

TEST(ManagerFlags, AllFlagsInBothSpellings) {
  auto o = parseFlags({"--kubeconfig=/tmp/kc", "--metrics-bind-address", "127.0.0.1:9090",
                       "--health-probe-bind-address=:0", "--leader-elect",
                       "--leader-election-id=fl-lock", "--watch-namespaces=a, b,,c",
                       "--log-level=debug", "--log-format", "json", "--max-concurrent-reconciles=4",
                       "--leader-election-lease-duration=4s", "--leader-election-renew-deadline=3s",
                       "--leader-election-retry-period=500ms", "--kube-api-qps=50.5",
                       "--kube-api-burst", "80"});
  EXPECT_EQ(o.kubeApiQps, 50.5);
  EXPECT_EQ(o.kubeApiBurst, 80);
  EXPECT_EQ(*o.kubeconfig, "/tmp/kc");
  EXPECT_EQ(o.metricsBindAddress, "127.0.0.1:9090");
  EXPECT_TRUE(o.leaderElect);
  EXPECT_EQ(o.leaderElectionId, "fl-lock");
  EXPECT_EQ(o.watchNamespaces, (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(o.logLevel, "debug");
  EXPECT_EQ(o.logFormat, "json");
  EXPECT_EQ(o.maxConcurrentReconciles, 4);
  EXPECT_EQ(o.leaseDuration, 4s);
  EXPECT_EQ(o.retryPeriod, 500ms);
  EXPECT_FALSE(parseFlags({"--leader-elect=false"}).leaderElect);
}

TEST(ManagerFlags, BadValuesNameTheFlag) {
  EXPECT_NE(flagError({"--nope"}).find("--nope: unknown flag"), std::string::npos);
  EXPECT_NE(flagError({"--log-format=xml"}).find("--log-format"), std::string::npos);
  EXPECT_NE(flagError({"--max-concurrent-reconciles=0"}).find("positive integer"),
            std::string::npos);
  EXPECT_NE(flagError({"--kube-api-qps=-1"}).find("--kube-api-qps: expected requests per second"),
            std::string::npos);
  EXPECT_NE(flagError({"--kube-api-burst=0"}).find("--kube-api-burst"), std::string::npos);
  EXPECT_NE(flagError({"--metrics-bind-address=localhost"}).find("--metrics-bind-address"),
            std::string::npos);
  EXPECT_NE(flagError({"--metrics-bind-address=:99999"}).find("invalid port"), std::string::npos);
  EXPECT_NE(flagError({"--kubeconfig"}).find("needs a value"), std::string::npos);
  EXPECT_NE(flagError({"--leader-elect=maybe"}).find("true or false"), std::string::npos);
  EXPECT_NE(
      flagError({"--leader-elect", "--leader-election-renew-deadline=20s"}).find("renew deadline"),
      std::string::npos);
  EXPECT_NE(flagError({"stray"}).find("unexpected argument"), std::string::npos);
}

TEST(ManagerFlags, BindAddressesAndDurations) {
  auto any = flop::manager::parseBindAddress("f", ":8080");
  EXPECT_EQ(any.host, "0.0.0.0");
  EXPECT_EQ(any.port, 8080);
  EXPECT_EQ(flop::manager::parseBindAddress("f", "0").port, 0);
  EXPECT_EQ(flop::manager::parseBindAddress("f", "[::1]:80").host, "::1");
  EXPECT_EQ(flop::manager::parseDuration("f", "1.5s"), 1500ms);
  EXPECT_EQ(flop::manager::parseDuration("f", "2m"), 120s);
  EXPECT_EQ(flop::manager::parseDuration("f", "15"), 15s);
  EXPECT_THROW(flop::manager::parseDuration("f", "5 parsecs"), flop::InvalidInput);
}

TEST(HealthServer, ReportsChecks) {
  flop::manager::HealthServer server("127.0.0.1", 0);
  std::atomic<bool> ready{false};
  server.addHealthCheck("ping", [] { return true; });
  server.addReadyCheck("informers-synced", [&] { return ready.load(); });
  auto healthz = httpGet(server.port(), "/healthz");
  EXPECT_EQ(healthz.rfind("HTTP/1.1 200 OK", 0), 0u) << healthz;
  auto notReady = httpGet(server.port(), "/readyz");
  EXPECT_EQ(notReady.rfind("HTTP/1.1 500", 0), 0u) << notReady;
  EXPECT_NE(notReady.find("[-]informers-synced failed"), std::string::npos);
  ready = true;
  EXPECT_EQ(httpGet(server.port(), "/readyz").rfind("HTTP/1.1 200 OK", 0), 0u);
  EXPECT_EQ(httpGet(server.port(), "/nope").rfind("HTTP/1.1 404", 0), 0u);
}

TEST(Logging, QuotingKeepsJsonLinesIntact) {
  EXPECT_EQ(flop::manager::quoteForLog("a \"b\"\n\\"), "a \\\"b\\\"\\n\\\\");
  EXPECT_EQ(flop::manager::quoteForLog(std::string("\x01", 1)), "\\u0001");
}

TEST(Manager, RunsWithNoControllersUntilStoppedAndServesMetrics) {
  auto fake = std::make_shared<flop::http::FakeTransport>();
  fake->always("GET", "/api/v1/namespaces/ns/configmaps",
               flop::http::FakeTransport::json(200, {{"metadata", {{"resourceVersion", "1"}}},
                                                     {"items", nlohmann::json::array()}}));
  flop::kube::Config config;
  config.server = "https://api:6443";
  config.qps = 0;
  auto options = parseFlags(
      {"--metrics-bind-address=0", "--health-probe-bind-address=0", "--watch-namespaces=ns"});
  flop::manager::Manager manager(options, config, fake);
  manager.informers().informerFor(flop::kube::resources::configMaps);
  flop::Cancellation stop;
  std::atomic<int> exitCode{-1};
  std::thread runner([&] { exitCode = manager.run(stop); });
  for (int i = 0; i < 500 && !manager.ready(); ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(manager.ready());
  auto start = std::chrono::steady_clock::now();
  stop.cancel();
  runner.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
  EXPECT_EQ(exitCode.load(), 0);
  // rest_client_requests_total was recorded through the client observer.
  bool sawRest = false;
  for (const auto& family : manager.metrics()->registry()->Collect())
    if (family.name == "rest_client_requests_total" && !family.metric.empty()) sawRest = true;
  EXPECT_TRUE(sawRest);
}
