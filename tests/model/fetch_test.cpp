// `fl-model fetch` against a real HTTP server (Python's http.server on a loopback port started
// here): verified downloads appear atomically, mismatches / HTTP errors / unreachable servers
// give their documented exit codes and leave nothing behind.
#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>
#include <vector>

#include <gtest/gtest.h>

#include "flop/model/digest.hpp"
#include "flop/model/fetch.hpp"
#include "flop/model/pyjson.hpp"
#include "test_support.hpp"

namespace flop::model {
namespace {

namespace fs = std::filesystem;

// python3 -m http.server on an ephemeral loopback port, serving `root`.
class HttpServer {
 public:
  explicit HttpServer(const fs::path& root) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    pid_ = ::fork();
    if (pid_ == 0) {
      ::dup2(fds[1], 1);
      const int quiet = ::open("/dev/null", O_WRONLY);
      ::dup2(quiet, 2);  // the request log
      ::close(fds[0]);
      ::execlp("python3", "python3", "-u", "-m", "http.server", "0", "--bind", "127.0.0.1",
               "--directory", root.c_str(), static_cast<char*>(nullptr));
      ::_exit(127);
    }
    ::close(fds[1]);
    // "Serving HTTP on 127.0.0.1 port 41234 (http://127.0.0.1:41234/) ..."
    std::string line;
    char c = 0;
    while (line.find('\n') == std::string::npos && ::read(fds[0], &c, 1) == 1) line += c;
    ::close(fds[0]);
    const auto at = line.find(" port ");
    if (at != std::string::npos) port_ = std::atoi(line.c_str() + at + 6);
  }
  ~HttpServer() {
    if (pid_ > 0) {
      ::kill(pid_, SIGTERM);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  int port() const { return port_; }
  std::string url(const std::string& path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/" + path;
  }

 private:
  pid_t pid_ = -1;
  int port_ = 0;
};

// A loopback port nothing listens on.
int closedPort() {
  const int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  ::close(s);
  return ntohs(a.sin_port);
}

struct Run {
  int exitCode = -1;
  nlohmann::json result;
};

Run fetch(const std::string& url, const std::string& sha256, const fs::path& output) {
  std::string cmd = std::string(FL_MODEL_BINARY) + " fetch '" + url + "' --sha256 " + sha256 +
                    " --output '" + output.string() + "' 2>/dev/null";
#ifdef FL_MODEL_TSAN_SUPPRESSIONS
  // TSan builds: cpprest's exception hand-over is reported through uninstrumented code.
  cmd = "TSAN_OPTIONS=\"$TSAN_OPTIONS suppressions=" FL_MODEL_TSAN_SUPPRESSIONS "\" " + cmd;
#endif
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n = 0;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  Run r;
  r.exitCode = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.result = nlohmann::json::parse(out);
  return r;
}

std::string randomBytes(size_t n) {
  std::mt19937_64 rng(7);
  std::string s(n, '\0');
  for (auto& c : s) c = static_cast<char>(rng());
  return s;
}

std::vector<std::string> listDir(const fs::path& dir) {
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  return names;
}

class Fetch : public ::testing::Test {
 protected:
  void SetUp() override {
    fs::create_directories(served_.path());
    content_ = randomBytes(3'000'000 + 17);  // several read buffers, not a multiple of one
    testing::writeFile(served_.path() / "model.zip", content_);
    server_ = std::make_unique<HttpServer>(served_.path());
    ASSERT_GT(server_->port(), 0) << "python3 -m http.server did not start";
  }
  testing::ScratchDir served_, out_;
  std::string content_;
  std::unique_ptr<HttpServer> server_;
};

TEST(FetchDigest, Sha256OfKnownVectorsInPieces) {
  Sha256Stream s;
  s.update("a");
  s.update("bc");
  EXPECT_EQ(s.hexDigest(), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(FetchDigest, RedactsCredentialsFromUrls) {
  EXPECT_EQ(redactUrl("https://user:secret@host:8443/a/b.zip?token=x#f"),
            "https://host:8443/a/b.zip");
  EXPECT_EQ(redactUrl("http://host/a@b.zip"), "http://host/a@b.zip");
}

TEST_F(Fetch, DownloadsVerifiesAndRenamesAtomically) {
  const auto sha = sha256Hex(content_);
  const fs::path target = out_.path() / "copy.zip";
  const auto r = fetch(server_->url("model.zip"), sha, target);
  ASSERT_EQ(r.exitCode, 0) << r.result.dump();
  EXPECT_EQ(r.result["retcode"], 0);
  EXPECT_EQ(r.result["data"]["sha256"], sha);
  EXPECT_EQ(r.result["data"]["bytes"], content_.size());
  EXPECT_EQ(r.result["data"]["path"], target.string());
  EXPECT_EQ(r.result["data"]["downloaded"], true);
  EXPECT_EQ(testing::readFile(target), content_);
  EXPECT_EQ(listDir(out_.path()), std::vector<std::string>{"copy.zip"});  // no temp left

  // Again: the file already holds these bytes, nothing is downloaded; upper-case hex accepted.
  std::string upper = sha;
  std::transform(upper.begin(), upper.end(), upper.begin(), ::toupper);
  const auto again = fetch(server_->url("model.zip"), upper, target);
  ASSERT_EQ(again.exitCode, 0) << again.result.dump();
  EXPECT_EQ(again.result["data"]["downloaded"], false);
  EXPECT_EQ(again.result["data"]["sha256"], sha);
}

TEST_F(Fetch, MismatchWritesNothingAndKeepsAnExistingFile) {
  const fs::path target = out_.path() / "copy.zip";
  const std::string wrong(64, 'a');
  auto r = fetch(server_->url("model.zip"), wrong, target);
  EXPECT_EQ(r.exitCode, 5);
  EXPECT_EQ(r.result["retcode"], 102);
  const auto msg = r.result["retmsg"].get<std::string>();
  EXPECT_NE(msg.find(sha256Hex(content_)), std::string::npos) << msg;
  EXPECT_NE(msg.find(wrong), std::string::npos) << msg;
  EXPECT_TRUE(listDir(out_.path()).empty());

  // An existing file is replaced only by a verified download.
  testing::writeFile(target, "old");
  r = fetch(server_->url("model.zip"), wrong, target);
  EXPECT_EQ(r.exitCode, 5);
  EXPECT_EQ(testing::readFile(target), "old");
  r = fetch(server_->url("model.zip"), sha256Hex(content_), target);
  EXPECT_EQ(r.exitCode, 0) << r.result.dump();
  EXPECT_EQ(testing::readFile(target), content_);
  EXPECT_EQ(listDir(out_.path()), std::vector<std::string>{"copy.zip"});
}

TEST_F(Fetch, HttpErrorUnreachableAndBadArguments) {
  const auto sha = sha256Hex(content_);
  const fs::path target = out_.path() / "copy.zip";
  auto r = fetch(server_->url("missing.zip"), sha, target);
  EXPECT_EQ(r.exitCode, 1);
  EXPECT_EQ(r.result["retcode"], 101);
  EXPECT_EQ(r.result["data"]["http_status"], 404);
  EXPECT_NE(r.result["retmsg"].get<std::string>().find("HTTP 404"), std::string::npos);

  r = fetch("http://127.0.0.1:" + std::to_string(closedPort()) + "/model.zip", sha, target);
  EXPECT_EQ(r.exitCode, 4) << r.result.dump();
  EXPECT_EQ(r.result["retcode"], 100);

  EXPECT_EQ(fetch(server_->url("model.zip"), "not-hex", target).exitCode, 3);
  EXPECT_EQ(fetch(server_->url("model.zip"), sha, out_.path() / "no" / "dir.zip").exitCode, 3);
  EXPECT_EQ(fetch("ftp://127.0.0.1/model.zip", sha, target).exitCode, 3);
  EXPECT_TRUE(listDir(out_.path()).empty());
}

}  // namespace
}  // namespace flop::model
