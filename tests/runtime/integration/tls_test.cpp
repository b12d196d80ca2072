// kubeconfig `tls-server-name` against the real API server: the name is what the server's
// certificate is verified against (and what SNI carries), not the host in the server URL.
// The local cluster's serving certificate names 127.0.0.1, localhost and kubernetes[.default...].
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "support.hpp"

using flop::http::TransportError;
namespace resources = flop::kube::resources;

namespace {

// The test cluster's kubeconfig with `tls-server-name: <name>` added to its cluster entry.
std::filesystem::path kubeconfigWithServerName(const std::string& name) {
  std::ifstream in(flop::testing::env("KUBECONFIG"));
  std::stringstream text;
  text << in.rdbuf();
  std::string yaml = text.str();
  const auto server = yaml.find("    server: ");
  if (server == std::string::npos) throw std::runtime_error("no server in the test kubeconfig");
  yaml.insert(yaml.find('\n', server) + 1, "    tls-server-name: " + name + "\n");
  auto path = std::filesystem::temp_directory_path() /
              ("flop-tls-server-name-" + name + "-" + std::to_string(::getpid()) + ".yaml");
  std::ofstream(path) << yaml;
  return path;
}

flop::kube::Client clientFor(const std::filesystem::path& kubeconfig) {
  auto config = flop::kube::loadKubeconfig(kubeconfig);
  config.qps = 0;
  return flop::kube::Client(config, std::make_shared<flop::http::CppRestTransport>(config.tls));
}

}  // namespace

TEST(TlsServerName, NameInTheCertificateIsAcceptedThoughTheUrlIsAnAddress) {
  const auto path = kubeconfigWithServerName("kubernetes");
  auto client = clientFor(path);
  std::filesystem::remove(path);
  EXPECT_EQ(client.config().tls.serverName, "kubernetes");
  EXPECT_NE(client.config().server.find("https://127.0.0.1:"), std::string::npos);
  auto ns = client.get(resources::namespaces, "", "default");
  EXPECT_EQ(flop::kube::nameOf(ns), "default");
  // Watches use their own connections: the name applies there too.
  flop::kube::WatchOptions options;
  options.timeoutSeconds = 1;
  options.fieldSelector = "metadata.name=default";
  int events = 0;
  client.watch(resources::namespaces, "", options, [&](flop::kube::WatchEvent&) {
    ++events;
    return false;
  });
  EXPECT_EQ(events, 1) << "the initial ADDED event for the default namespace";
}

TEST(TlsServerName, NameNotInTheCertificateFailsVerification) {
  const auto path = kubeconfigWithServerName("wrong.example");
  auto client = clientFor(path);
  std::filesystem::remove(path);
  try {
    client.get(resources::namespaces, "", "default");
    FAIL() << "a certificate without wrong.example was accepted";
  } catch (const TransportError& e) {
    EXPECT_EQ(e.kind(), TransportError::Kind::Tls) << e.what();
    const std::string message = e.what();
    EXPECT_NE(message.find("wrong.example"), std::string::npos) << message;
    EXPECT_NE(message.find("certificate"), std::string::npos) << message;
    std::printf("the error: %s\n", message.c_str());
  }
}
