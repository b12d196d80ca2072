// Kubeconfig and in-cluster configuration: the parsing matrix.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "flop/error.hpp"
#include "flop/kube/config.hpp"

namespace fs = std::filesystem;
using flop::InvalidInput;
using flop::kube::Config;
using flop::kube::parseKubeconfig;

namespace {

class TempDir {
 public:
  TempDir() {
    path_ = fs::temp_directory_path() /
            ("flop-config-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter_++));
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  fs::path write(const std::string& name, const std::string& text) const {
    auto p = path_ / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p) << text;
    return p;
  }
  const fs::path& path() const { return path_; }

 private:
  static inline int counter_ = 0;
  fs::path path_;
};

// "CA-PEM" / "CERT" / "KEY" in base64.
const std::string kCaB64 = "Q0EtUEVN";
const std::string kCertB64 = "Q0VSVA==";
const std::string kKeyB64 = "S0VZ";

std::string kubeconfig(const std::string& user, const std::string& cluster = "",
                       const std::string& context = "") {
  return "apiVersion: v1\nkind: Config\ncurrent-context: dev\n"
         "clusters:\n- name: local\n  cluster:\n    server: https://127.0.0.1:6443/\n" +
         (cluster.empty() ? "    certificate-authority-data: " + kCaB64 + "\n" : cluster) +
         "contexts:\n- name: dev\n  context:\n    cluster: local\n    user: admin\n" + context +
         "users:\n- name: admin\n  user:\n" + user;
}

std::string messageOf(const std::function<void()>& f) {
  try {
    f();
  } catch (const InvalidInput& e) {
    return e.what();
  }
  return "<no error>";
}

}  // namespace

TEST(Kubeconfig, InlineClientCertificateAndCa) {
  Config c = parseKubeconfig(kubeconfig("    client-certificate-data: " + kCertB64 +
                                        "\n    client-key-data: " + kKeyB64 + "\n"),
                             "/nonexistent");
  EXPECT_EQ(c.server, "https://127.0.0.1:6443");  // trailing slash dropped
  EXPECT_EQ(c.tls.caPem, "CA-PEM");
  EXPECT_EQ(c.tls.clientCertPem, "CERT");
  EXPECT_EQ(c.tls.clientKeyPem, "KEY");
  EXPECT_FALSE(c.tls.insecureSkipVerify);
  EXPECT_EQ(c.namespace_, "default");
  EXPECT_TRUE(c.token.empty());
}

TEST(Kubeconfig, FilePathsResolveRelativeToTheKubeconfig) {
  TempDir dir;
  dir.write("pki/ca.crt", "CA FROM FILE");
  dir.write("pki/admin.crt", "CERT FROM FILE");
  dir.write("pki/admin.key", "KEY FROM FILE");
  Config c = parseKubeconfig(
      kubeconfig("    client-certificate: pki/admin.crt\n    client-key: " +
                     (dir.path() / "pki/admin.key").string() + "\n",
                 "    certificate-authority: pki/ca.crt\n    tls-server-name: kubernetes\n"),
      dir.path());
  EXPECT_EQ(c.tls.caPem, "CA FROM FILE");
  EXPECT_EQ(c.tls.clientCertPem, "CERT FROM FILE");
  EXPECT_EQ(c.tls.clientKeyPem, "KEY FROM FILE");
  EXPECT_EQ(c.tls.serverName, "kubernetes");
}

TEST(Kubeconfig, TokenInsecureAndContextNamespace) {
  Config c =
      parseKubeconfig(kubeconfig("    token: abc.def\n", "    insecure-skip-tls-verify: true\n",
                                 "    namespace: team-a\n"),
                      "/");
  EXPECT_EQ(c.token, "abc.def");
  EXPECT_TRUE(c.tls.insecureSkipVerify);
  EXPECT_TRUE(c.tls.caPem.empty());
  EXPECT_EQ(c.namespace_, "team-a");
}

TEST(Kubeconfig, TokenFileIsReadAndRereadWhenItRotates) {
  TempDir dir;
  dir.write("token", "first-token\n");
  Config c = parseKubeconfig(kubeconfig("    tokenFile: token\n"), dir.path());
  EXPECT_EQ(c.token, "first-token");
  flop::kube::TokenSource source(c, std::chrono::seconds(0));
  EXPECT_EQ(source.token(), "first-token");
  dir.write("token", "rotated-token\n");
  EXPECT_EQ(source.token(), "rotated-token");
}

TEST(Kubeconfig, ExplicitContextOverridesCurrentContext) {
  std::string text = kubeconfig("    token: a\n") + "- name: other\n  user:\n    token: b\n";
  text += "";
  // Add a second context using the second user.
  auto pos = text.find("users:");
  text.insert(pos, "- name: ops\n  context:\n    cluster: local\n    user: other\n");
  EXPECT_EQ(parseKubeconfig(text, "/").token, "a");
  EXPECT_EQ(parseKubeconfig(text, "/", "ops").token, "b");
}

TEST(Kubeconfig, ExecAndAuthProviderPluginsAreRejectedClearly) {
  auto exec = messageOf([] {
    parseKubeconfig(kubeconfig("    exec:\n      command: aws\n"), "/", "", "my.kubeconfig");
  });
  EXPECT_NE(exec.find("users[admin].user.exec"), std::string::npos) << exec;
  EXPECT_NE(exec.find("not supported"), std::string::npos) << exec;
  auto provider =
      messageOf([] { parseKubeconfig(kubeconfig("    auth-provider:\n      name: gcp\n"), "/"); });
  EXPECT_NE(provider.find("auth-provider"), std::string::npos) << provider;
}

TEST(Kubeconfig, BrokenInputNamesTheField) {
  EXPECT_NE(messageOf([] { parseKubeconfig("a: [", "/"); }).find("not valid YAML"),
            std::string::npos);
  EXPECT_NE(messageOf([] {
              parseKubeconfig("current-context: nope\ncontexts: []\n", "/");
            }).find("context \"nope\" is not defined"),
            std::string::npos);
  auto badCa = messageOf([] {
    parseKubeconfig(kubeconfig("    token: a\n", "    certificate-authority-data: '***'\n"), "/");
  });
  EXPECT_NE(badCa.find("certificate-authority-data"), std::string::npos) << badCa;
  auto missingFile = messageOf([] {
    parseKubeconfig(kubeconfig("    client-certificate: nope.crt\n    client-key: nope.key\n"),
                    "/nonexistent-dir");
  });
  EXPECT_NE(missingFile.find("nope.crt"), std::string::npos) << missingFile;
  auto halfCert = messageOf(
      [] { parseKubeconfig(kubeconfig("    client-certificate-data: " + kCertB64 + "\n"), "/"); });
  EXPECT_NE(halfCert.find("together"), std::string::npos) << halfCert;
  auto noScheme = messageOf([] {
    parseKubeconfig(
        "current-context: c\nclusters:\n- name: x\n  cluster:\n    server: 127.0.0.1:6443\n"
        "contexts:\n- name: c\n  context:\n    cluster: x\n",
        "/");
  });
  EXPECT_NE(noScheme.find("server"), std::string::npos) << noScheme;
}

TEST(Kubeconfig, KubeconfigEnvMergesFilesFirstOneWins) {
  TempDir dir;
  auto first = dir.write("a.yaml",
                         "current-context: one\ncontexts:\n- name: one\n  context:\n    cluster: "
                         "c1\n    user: u\nusers:\n- name: u\n  user:\n    token: from-a\n");
  auto second = dir.write("b.yaml",
                          "current-context: two\nclusters:\n- name: c1\n  cluster:\n    server: "
                          "https://10.0.0.1:443\nusers:\n- name: u\n  user:\n    token: from-b\n");
  ::setenv(
      "KUBECONFIG",
      (first.string() + ":" + (dir.path() / "missing").string() + ":" + second.string()).c_str(),
      1);
  Config c = flop::kube::loadKubeconfig();
  ::unsetenv("KUBECONFIG");
  EXPECT_EQ(c.server, "https://10.0.0.1:443");  // cluster only in the second file
  EXPECT_EQ(c.token, "from-a");                 // user in both: first wins
  EXPECT_NE(c.source.find("context one"), std::string::npos);
}

TEST(InClusterConfig, ReadsServiceAccountAndBracketsIpv6) {
  TempDir dir;
  dir.write("token", "sa-token\n");
  dir.write("ca.crt", "CLUSTER CA");
  dir.write("namespace", "operators\n");
  ::setenv("KUBERNETES_SERVICE_HOST", "fd00::1", 1);
  ::setenv("KUBERNETES_SERVICE_PORT", "443", 1);
  Config c = flop::kube::inClusterConfig(dir.path());
  EXPECT_EQ(c.server, "https://[fd00::1]:443");
  EXPECT_EQ(c.token, "sa-token");
  EXPECT_EQ(c.tokenFile, dir.path() / "token");
  EXPECT_EQ(c.tls.caPem, "CLUSTER CA");
  EXPECT_EQ(c.namespace_, "operators");
  ::unsetenv("KUBERNETES_SERVICE_HOST");
  EXPECT_NE(
      messageOf([&] { flop::kube::inClusterConfig(dir.path()); }).find("KUBERNETES_SERVICE_HOST"),
      std::string::npos);
  ::unsetenv("KUBERNETES_SERVICE_PORT");
}
